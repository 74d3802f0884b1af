"""Who reads which Postfach in an organisation — a function mailbox in person or through
a group, the general mailbox as administrator, the principal's Postfach only while
acting as deputy — and the folder lists: filter, sort and pages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import delegation as delegations
from idp.organisations import groups
from idp.organisations.models import DelegationEvent, Organisation
from idp.postfach import folders
from idp.postfach import case as cases
from idp.postfach.folders import Box
from idp.postfach.models import Case, Message
from tests.conftest import Browserless
from tests.organisations.support_f import PASSWORD
from tests.postfach.pages_support import Office, add_service, karla_names_uwe_deputy, make_office, send
from tests.support.pages import error_of


@pytest.fixture
def office(app) -> Office:
    return make_office(app)


def agent_for(app, email: str) -> Browserless:
    agent = Browserless(app)
    assert agent.login(email, PASSWORD).status_code == 302
    return agent


def test_a_group_member_reads_the_function_mailbox_but_not_another(app, office):
    uwe = agent_for(app, "uwe@muster.example")
    inbox = uwe.get("/postfach/").text
    assert "Funktionspostfach „Buchhaltung“ (1" in inbox and "Personal" not in inbox
    accounting = uwe.get(f"/postfach/?postfach=funktion:{office.accounting_box}")
    assert accounting.status_code == 200 and "Bitte Rechnung prüfen" in accounting.text
    assert uwe.get(f"/postfach/vorgang/{office.accounting.case_id}").status_code == 200

    assert uwe.get(f"/postfach/?postfach=funktion:{office.personnel_box}").status_code == 404
    assert uwe.get(f"/postfach/vorgang/{office.personnel.case_id}").status_code == 404
    assert uwe.get(f"/postfach/?postfach=organisation:{office.team.organisation_id}").status_code == 404
    assert uwe.get(f"/postfach/vorgang/{office.general.case_id}").status_code == 404


def test_leaving_the_group_ends_the_access(app, office):
    with app.app_context():
        organisation = db.session.get(Organisation, office.team.organisation_id)
        groups.set_members(groups.groups_of(organisation)[0].group, organisation, set())
    uwe = agent_for(app, "uwe@muster.example")
    assert uwe.get(f"/postfach/vorgang/{office.accounting.case_id}").status_code == 404


def test_an_entitled_person_reads_the_mailbox_in_person(app, office):
    karla = agent_for(app, "karla@muster.example")
    assert "Vertrauliche Personalsache" in karla.get(f"/postfach/?postfach=funktion:{office.personnel_box}").text
    assert karla.get(f"/postfach/vorgang/{office.accounting.case_id}").status_code == 404


def test_administrators_read_the_general_mailbox(app, office):
    anna = agent_for(app, "anna@muster.example")
    page = anna.get(f"/postfach/?postfach=organisation:{office.team.organisation_id}")
    assert page.status_code == 200 and "An die Organisation" in page.text and "Bitte Rechnung prüfen" not in page.text
    assert anna.get(f"/postfach/vorgang/{office.accounting.case_id}").status_code == 404


def test_a_deputy_reads_the_principals_mailboxes_only_while_acting(app, office):
    delegation_id = karla_names_uwe_deputy(app, office)
    uwe = agent_for(app, "uwe@muster.example")
    personnel = f"/postfach/vorgang/{office.personnel.case_id}"
    assert uwe.get(personnel).status_code == 404

    assert uwe.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen").status_code == 302
    inbox = uwe.get("/postfach/").text
    assert "Postfach von Karla Kollegin" in inbox
    assert "Funktionspostfach „Personal“ (Vertretung für Karla Kollegin) (1" in inbox
    assert "Vertrauliche Personalsache" in uwe.get(personnel).text
    uwe.get(personnel)  # read once: recorded once

    uwe.submit("/vertretung", {}, action="/vertretung/zurueck")
    assert uwe.get(personnel).status_code == 404
    with app.app_context():
        actions = list(db.session.execute(select(DelegationEvent.action, DelegationEvent.subject)
                                          .order_by(DelegationEvent.id)).tuples())
    assert actions == [(delegations.TAKEN_UP, None), (delegations.CASE_READ, "Lohnsteuer"),
                       (delegations.GIVEN_UP, None)]


def test_the_header_counts_everything_the_person_reads_as_themselves(app, office, app_ctx):
    team = office.team
    send(office.service, account_id=team.admin_id, reference="A-1")
    assert folders.unread_for(team.user_id) == 1  # Buchhaltung
    assert folders.unread_for(team.colleague_id) == 1  # Personal
    assert folders.unread_for(team.admin_id) == 2  # own Postfach and the general mailbox


# -- filter, sort, pages -------------------------------------------------------------------------------
@pytest.fixture
def citizen(app, app_ctx, make_account):
    account_id = make_account()
    return {"id": account_id, "box": Box(f"konto:{account_id}", "Mein Postfach"),
            "wohngeld": add_service("Wohngeld"), "bafoeg": add_service("BAföG")}


def subjects(box: Box, folder: str = folders.EINGANG, **args) -> list[str]:
    chosen = folders.filters(args)
    assert not chosen.errors, chosen.errors
    return [row.message.subject for row in folders.listing(box, folder, chosen).rows]


def test_newest_first_and_sorted_by_service_or_subject(citizen):
    timeutil.travel(timedelta(days=-3))
    send(citizen["wohngeld"], account_id=citizen["id"], reference="1", subject="Bescheid")
    timeutil.travel(timedelta(days=-2))
    send(citizen["bafoeg"], account_id=citizen["id"], reference="2", subject="Anhörung")
    timeutil.travel(None)
    send(citizen["wohngeld"], account_id=citizen["id"], reference="3", subject="Zahlung")
    box = citizen["box"]
    assert subjects(box) == ["Zahlung", "Anhörung", "Bescheid"]
    assert subjects(box, sortierung="aelteste") == ["Bescheid", "Anhörung", "Zahlung"]
    assert subjects(box, sortierung="dienst") == ["Anhörung", "Zahlung", "Bescheid"]
    assert subjects(box, sortierung="betreff") == ["Anhörung", "Bescheid", "Zahlung"]
    assert subjects(box, sortierung="unbekannt") == ["Zahlung", "Anhörung", "Bescheid"]


def test_filter_by_unread_service_and_period(citizen):
    timeutil.travel(timedelta(days=-10))
    old = send(citizen["wohngeld"], account_id=citizen["id"], reference="1", subject="Alt")
    timeutil.travel(None)
    send(citizen["bafoeg"], account_id=citizen["id"], reference="2", subject="Neu")
    db.session.get(Message, old.message_id).read_at = timeutil.utcnow()
    db.session.commit()
    box = citizen["box"]
    today = delegations.today()  # the local calendar day the filter speaks of
    assert subjects(box, ungelesen="ja") == ["Neu"]
    assert subjects(box, dienst=citizen["wohngeld"]) == ["Alt"]
    assert subjects(box, von=(today - timedelta(days=1)).strftime("%d.%m.%Y")) == ["Neu"]
    assert subjects(box, bis=(today - timedelta(days=2)).isoformat()) == ["Alt"]
    assert subjects(box, von=(today - timedelta(days=11)).isoformat(), bis=today.isoformat()) == ["Neu", "Alt"]


def test_a_wrong_period_is_explained_next_to_the_field(app, citizen):
    agent = Browserless(app)
    agent.login()
    page = agent.get("/postfach/?von=31.02.2026&bis=")
    assert page.status_code == 400
    assert error_of(page.text, "von").startswith("Bitte geben Sie ein gültiges Datum")
    turned = agent.get("/postfach/?von=2026-03-10&bis=2026-03-01")
    assert turned.status_code == 400
    assert "Das Ende des Zeitraums darf nicht vor dem Beginn liegen." in turned.text
    assert 'value="2026-03-10"' in turned.text


def test_a_long_eingang_comes_in_pages(citizen):
    for number in range(folders.PAGE_SIZE + 5):
        timeutil.travel(timedelta(minutes=number))
        send(citizen["wohngeld"], account_id=citizen["id"], reference=f"R-{number}", subject=f"Nachricht {number:02d}")
    first = folders.listing(citizen["box"], folders.EINGANG, folders.filters({}))
    second = folders.listing(citizen["box"], folders.EINGANG, folders.filters({"seite": "2"}))
    assert (len(first.rows), first.has_next, len(second.rows), second.has_next) == (folders.PAGE_SIZE, True, 5, False)
    assert first.rows[0].message.subject == "Nachricht 24" and second.rows[-1].message.subject == "Nachricht 00"


def test_the_folders_keep_their_messages_apart(citizen):
    sent = send(citizen["wohngeld"], account_id=citizen["id"], subject="Frage", reply_allowed=True)
    who = folders.Viewer(db.session.get(Account, citizen["id"]), [citizen["box"]])
    case = db.session.get(Case, sent.case_id)
    cases.open_case(who, citizen["box"], case)
    assert cases.send_reply(who, citizen["box"], case, case.messages[0], {"subject": "AW: Frage", "text": "Ja"}).sent
    assert subjects(citizen["box"]) == ["Frage"]
    assert subjects(citizen["box"], folders.GESENDET) == ["AW: Frage"]
    assert subjects(citizen["box"], folders.PAPIERKORB) == []
    assert cases.trash(who, citizen["box"], case) is None
    assert subjects(citizen["box"]) == [] and subjects(citizen["box"], folders.GESENDET) == []
    assert sorted(subjects(citizen["box"], folders.PAPIERKORB)) == ["AW: Frage", "Frage"]
