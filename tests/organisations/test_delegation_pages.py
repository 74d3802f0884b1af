"""The "Vertretung" page over HTTP: the rules for setting a delegation up, who may end
or take up which delegation, and the banner while acting as deputy."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from idp import timeutil
from idp.extensions import db
from idp.organisations import delegation as delegations
from idp.organisations.models import Delegation
from tests.conftest import Browserless
from tests.organisations.support_f import PASSWORD, make_team

BANNER = "Sie handeln in Vertretung für"


@pytest.fixture
def team(app):
    return make_team(app)


@pytest.fixture
def other_team(app):
    return make_team(app, "Andere AG", "andere.example")


def logged_in(app, email) -> Browserless:
    agent = Browserless(app)
    response = agent.login(email, PASSWORD)
    assert response.status_code == 302, response.text
    return agent


def day(offset: int) -> str:
    with_offset = delegations.today() + timedelta(days=offset)
    return with_offset.strftime("%d.%m.%Y")


def all_delegations(app) -> list[Delegation]:
    with app.app_context():
        return db.session.scalars(db.select(Delegation)).all()


def make_delegation(app, team, starts_in=0, ends_in=None, principal=None, deputy=None) -> int:
    with app.app_context():
        today = delegations.today()
        delegation = Delegation(organisation_id=team.organisation_id, principal_id=principal or team.user_id,
                                deputy_id=deputy or team.colleague_id, starts_on=today + timedelta(days=starts_in),
                                ends_on=today + timedelta(days=ends_in) if ends_in is not None else None,
                                scope="postfach")
        db.session.add(delegation)
        db.session.commit()
        return delegation.id


def error_of(html: str, name: str) -> str:
    match = re.search(rf'<div class="kern-error" id="{name}-fehler">(.*?)</div>\s*</div>', html, re.S)
    assert match, f"no error next to {name}"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).replace("Fehler:", "").strip()


# Each case changes a valid entry (Karla from tomorrow for five days, unrestricted).
REFUSALS = {
    "no deputy": (lambda t, o: {"deputy": ""}, "deputy",
                  "Bitte wählen Sie eine Vertreterin oder einen Vertreter aus."),
    "end before start": (lambda t, o: {"ends_on": day(0)}, "ends_on", "Das Ende darf nicht vor dem Beginn liegen."),
    "start in the past": (lambda t, o: {"starts_on": day(-1)}, "starts_on",
                          "Der Beginn darf nicht in der Vergangenheit liegen."),
    "no start": (lambda t, o: {"starts_on": ""}, "starts_on", "Bitte geben Sie den Beginn der Vertretung an."),
    "start not a date": (lambda t, o: {"starts_on": "1.3.27"}, "starts_on",
                         "Bitte geben Sie den Beginn im Format TT.MM.JJJJ an, z. B. 01.03.2027."),
    "end not a date": (lambda t, o: {"ends_on": "31.02.2030"}, "ends_on",
                       "Bitte geben Sie das Ende im Format TT.MM.JJJJ an, z. B. 31.03.2027, "
                       "oder lassen Sie das Feld für eine unbefristete Vertretung leer."),
    "no scope": (lambda t, o: {"scope": ""}, "scope", "Bitte wählen Sie den Umfang der Vertretung aus."),
    "oneself": (lambda t, o: {"deputy": t.user_id}, "deputy",
                "Sie können sich nicht selbst vertreten. Bitte wählen Sie eine Kollegin oder einen Kollegen aus."),
    "another organisation": (lambda t, o: {"deputy": o.user_id}, "deputy",
                             "Bitte wählen Sie eine Kollegin oder einen Kollegen aus Ihrer Organisation aus."),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_entries_are_explained_next_to_the_field_and_kept(app, team, other_team, case):
    change, name, message = REFUSALS[case]
    agent = logged_in(app, "uwe@muster.example")
    form = {"deputy": team.colleague_id, "starts_on": day(1), "ends_on": day(5), "scope": "vollstaendig",
            **change(team, other_team)}

    response = agent.submit("/vertretung", form)

    assert response.status_code == 400
    assert error_of(response.text, name) == message
    assert all_delegations(app) == []
    for kept in ("starts_on", "ends_on"):
        assert f'name="{kept}" type="text" value="{form[kept]}"' in response.text
    if form["scope"]:
        assert f'value="{form["scope"]}" checked' in response.text
    if name != "deputy":
        assert f'<option value="{form["deputy"]}" selected>' in response.text


def test_a_user_sets_up_an_open_ended_restricted_delegation(app, team):
    agent = logged_in(app, "uwe@muster.example")
    response = agent.submit("/vertretung", {"deputy": team.colleague_id, "starts_on": day(0), "ends_on": "",
                                            "scope": "postfach", "principal": team.admin_id})
    assert response.status_code == 302
    [delegation] = all_delegations(app)
    # A user cannot name deputies for someone else: the forged field counts for nothing.
    assert (delegation.principal_id, delegation.deputy_id) == (team.user_id, team.colleague_id)
    assert (delegation.starts_on, delegation.ends_on, delegation.scope) == (delegations.today(), None, "postfach")
    page = agent.get("/vertretung?hinweis=eingerichtet").text
    assert "Die Vertretung wurde eingerichtet." in page
    assert "unbefristet" in page and "Nur Postfächer" in page and "Aktiv" in page


def test_an_administrator_names_a_deputy_for_a_user_but_not_for_another_organisation(app, team, other_team):
    agent = logged_in(app, "anna@muster.example")
    form = {"principal": team.user_id, "deputy": team.colleague_id, "starts_on": day(2), "ends_on": day(9),
            "scope": "vollstaendig"}
    assert agent.submit("/vertretung", form).status_code == 302

    forged = agent.submit("/vertretung", {**form, "principal": other_team.user_id})
    assert forged.status_code == 400
    assert error_of(forged.text, "principal") == "Bitte wählen Sie eine Person aus Ihrer Organisation aus."
    same = agent.submit("/vertretung", {**form, "deputy": team.user_id})
    assert error_of(same.text, "deputy") == "Die Vertretung muss eine andere Person sein als die vertretene Person."

    [delegation] = all_delegations(app)
    assert (delegation.principal_id, delegation.deputy_id, delegation.scope) == (team.user_id, team.colleague_id,
                                                                                 "vollstaendig")
    assert "Künftig" in logged_in(app, "uwe@muster.example").get("/vertretung").text


@pytest.mark.parametrize("action, outsiders", [
    # Ending: neither a colleague who is not the principal, nor anyone of another organisation.
    ("beenden", ("karla@muster.example", "anna@andere.example", "uwe@andere.example")),
    # Taking up: nobody but the deputy, not even the principal or an administrator.
    ("wahrnehmen", ("uwe@muster.example", "anna@muster.example", "karla@andere.example")),
])
def test_a_delegation_is_not_found_by_those_it_is_not_for(app, team, other_team, action, outsiders):
    delegation_id = make_delegation(app, team)
    for outsider in outsiders:
        agent = logged_in(app, outsider)
        assert agent.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/{action}").status_code == 404
        assert BANNER not in agent.get("/mein-bereich").text
    assert delegations.state(all_delegations(app)[0]) == "aktiv"


def test_an_administrator_ends_a_users_delegation(app, team):
    delegation_id = make_delegation(app, team)
    admin = logged_in(app, "anna@muster.example")
    url = f"/vertretung/{delegation_id}/beenden"
    assert admin.submit("/vertretung", {}, action=url).status_code == 302
    assert delegations.state(all_delegations(app)[0]) == "beendet"
    again = admin.submit("/vertretung", {}, action=url)
    assert again.status_code == 400 and "Diese Vertretung ist bereits beendet." in again.text


def test_a_future_delegation_cannot_be_taken_up(app, team):
    delegation_id = make_delegation(app, team, starts_in=2)
    deputy = logged_in(app, "karla@muster.example")
    page = deputy.get("/vertretung").text
    assert "Künftig" in page and "Vertretung wahrnehmen</button>" not in page

    response = deputy.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen")

    assert response.status_code == 400
    assert f"Diese Vertretung beginnt erst am {day(2)}." in response.text
    assert BANNER not in deputy.get("/mein-bereich").text


def before_midnight() -> timedelta:
    """How far to move the clock for 23:55 German time today (the login session outlives
    the few minutes into tomorrow)."""
    now = datetime.now(timezone.utc)
    local = now.astimezone(delegations.LOCAL_TIME)
    return local.replace(hour=23, minute=55, second=0, microsecond=0) - local


def test_the_banner_goes_when_the_delegation_expires(app, team):
    timeutil.travel(before_midnight())
    delegation_id = make_delegation(app, team, ends_in=0)
    deputy = logged_in(app, "karla@muster.example")
    assert deputy.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen").status_code == 302
    assert f"{BANNER} <strong>Uwe Nutzer</strong>" in deputy.get("/mein-bereich").text

    timeutil.travel(before_midnight() + timedelta(minutes=10))

    page = deputy.get("/vertretung").text
    assert BANNER not in page and "Abgelaufen" in page
    response = deputy.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen")
    assert response.status_code == 400 and "Diese Vertretung ist abgelaufen." in response.text


def test_the_principal_ending_early_stops_the_deputy_acting(app, team):
    delegation_id = make_delegation(app, team)
    deputy = logged_in(app, "karla@muster.example")
    deputy.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen")
    assert BANNER in deputy.get("/mein-bereich").text

    principal = logged_in(app, "uwe@muster.example")
    assert principal.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/beenden").status_code == 302

    page = deputy.get("/vertretung").text
    assert BANNER not in page and "Beendet" in page and "Vertretung wahrnehmen</button>" not in page


def test_the_page_is_for_organisation_accounts_only(app, team, make_account):
    make_account("erika@example.org")
    citizen = logged_in(app, "erika@example.org")
    assert citizen.get("/vertretung").status_code == 403
    assert 'href="/vertretung"' not in citizen.get("/mein-bereich").text
    assert 'href="/vertretung"' in logged_in(app, "uwe@muster.example").get("/mein-bereich").text
