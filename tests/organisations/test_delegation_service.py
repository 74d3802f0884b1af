"""The delegation rules without pages: acting_for(), record() and taking up, giving up
and ending a delegation."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from idp import timeutil
from idp.authn import sessions
from idp.extensions import db
from idp.i18n import force_locale
from idp.loa import Level
from idp.organisations import delegation as delegations
from idp.organisations.models import Delegation, DelegationEvent, OrganisationMember
from tests.organisations.support_f import make_team


@pytest.fixture
def team(app, app_ctx):
    return make_team(app)


def delegate(team, starts_on=None, ends_on=None, scope="vollstaendig", principal=None, deputy=None) -> Delegation:
    delegation = Delegation(organisation_id=team.organisation_id, principal_id=principal or team.user_id,
                            deputy_id=deputy or team.colleague_id, starts_on=starts_on or delegations.today(),
                            ends_on=ends_on, scope=scope)
    db.session.add(delegation)
    db.session.commit()
    return delegation


def login_of(account_id):
    login, _ = sessions.create(account_id, Level.NIEDRIG, "password", ("pwd",))
    db.session.commit()
    return login


def actions(delegation) -> list[str]:
    """The record of the delegation as a German reader sees it, oldest first."""
    return [delegations.Entry(e.at, e.action, e.subject, delegation).text for e in db.session.scalars(
        db.select(DelegationEvent).where(DelegationEvent.delegation_id == delegation.id).order_by(DelegationEvent.id))]


def test_a_session_acts_for_no_one_until_it_takes_a_delegation_up(team):
    delegation = delegate(team)
    login = login_of(team.colleague_id)
    assert delegations.acting_for(None) is None
    assert delegations.acting_for(login) is None

    assert delegations.start_acting(login, delegation) is None

    assert delegations.acting_for(login) is delegation
    assert actions(delegation) == ["Vertretung übernommen"]


def test_record_notes_what_the_deputy_did_for_the_principal_to_see(team, app):
    delegation = delegate(team)
    login = login_of(team.colleague_id)
    delegations.start_acting(login, delegation)

    delegations.record(delegation, delegations.LOGGED_IN, "Gewerbeanzeige")
    db.session.commit()
    assert delegations.record_if_acting(login, delegations.CASE_READ, "Lohnsteuer") is delegation
    db.session.commit()
    delegations.stop_acting(login)

    assert delegations.acting_for(login) is None
    assert actions(delegation) == ["Vertretung übernommen", "Anmeldung beim Online-Dienst „Gewerbeanzeige“",
                                   "Vorgang „Lohnsteuer“ gelesen", "Vertretung beendet"]
    principal = db.session.get(OrganisationMember, team.user_id).account
    entries = delegations.events_for(principal)
    assert [e.action for e in entries] == [delegations.GIVEN_UP, delegations.CASE_READ, delegations.LOGGED_IN,
                                           delegations.TAKEN_UP]
    # Stored as codes, the record is said in the language of whoever reads it.
    with force_locale("en"):
        assert [e.text for e in entries] == ["Delegation ended", "Case “Lohnsteuer” read",
                                             "Login to the online service “Gewerbeanzeige”", "Delegation taken up"]
    assert {e.delegation.deputy_id for e in entries} == {team.colleague_id}
    assert delegations.events_for(db.session.get(OrganisationMember, team.colleague_id).account) == []


def test_nothing_is_recorded_for_a_session_that_acts_as_itself(team):
    delegate(team)
    login = login_of(team.colleague_id)
    assert delegations.record_if_acting(login, "Nachricht gelesen") is None
    db.session.commit()
    assert db.session.scalars(db.select(DelegationEvent)).all() == []


def test_only_the_deputy_can_take_a_delegation_up(team):
    delegation = delegate(team)
    for someone in (team.user_id, team.admin_id):
        login = login_of(someone)
        assert delegations.start_acting(login, delegation) == "Diese Vertretung ist nicht für Sie eingerichtet."
        assert login.delegation_id is None


def test_a_session_marked_for_someone_elses_delegation_acts_for_no_one(team):
    delegation = delegate(team)
    login = login_of(team.admin_id)
    login.delegation_id = delegation.id
    db.session.commit()
    assert delegations.acting_for(login) is None


def test_a_future_delegation_cannot_be_taken_up(team):
    starts = delegations.today() + timedelta(days=3)
    delegation = delegate(team, starts_on=starts)
    login = login_of(team.colleague_id)
    assert delegations.state(delegation) == "künftig"
    assert delegations.start_acting(login, delegation) == f"Diese Vertretung beginnt erst am {starts:%d.%m.%Y}."
    assert login.delegation_id is None


def test_acting_stops_when_the_delegation_expires(team):
    delegation = delegate(team, ends_on=delegations.today() + timedelta(days=1))
    login = login_of(team.colleague_id)
    delegations.start_acting(login, delegation)
    timeutil.travel(timedelta(days=1))
    assert delegations.acting_for(login) is delegation

    timeutil.travel(timedelta(days=2))

    assert delegations.state(delegation) == "abgelaufen"
    assert delegations.acting_for(login) is None
    delegations.stop_acting(login)
    assert delegations.start_acting(login, delegation) == "Diese Vertretung ist abgelaufen."


def test_ending_a_delegation_early_stops_every_session_acting_under_it(team):
    delegation = delegate(team)
    first, second = login_of(team.colleague_id), login_of(team.colleague_id)
    delegations.start_acting(first, delegation)
    delegations.start_acting(second, delegation)

    assert delegations.end(delegation) is None

    db.session.expire_all()
    assert first.delegation_id is None and second.delegation_id is None
    assert delegations.state(delegation) == "beendet"
    assert delegations.end(delegation) == "Diese Vertretung ist bereits beendet."
    assert delegations.start_acting(first, delegation) == "Diese Vertretung wurde beendet."


@pytest.mark.parametrize("who", ["principal", "deputy"])
def test_a_delegation_stops_when_someone_leaves_the_organisation_or_is_deactivated(team, who):
    delegation = delegate(team)
    login = login_of(team.colleague_id)
    delegations.start_acting(login, delegation)
    account_id = team.user_id if who == "principal" else team.colleague_id
    member = db.session.get(OrganisationMember, account_id)
    member.account.status = "pending"
    db.session.commit()
    assert delegations.acting_for(login) is None

    member.account.status = "active"
    db.session.delete(member)
    db.session.commit()
    assert delegations.acting_for(login) is None
    assert delegations.start_acting(login, delegation) == "Diese Vertretung kann nicht mehr wahrgenommen werden."


def test_taking_up_another_delegation_gives_up_the_first(team):
    first = delegate(team)
    second = delegate(team, principal=team.admin_id)
    login = login_of(team.colleague_id)
    delegations.start_acting(login, first)
    delegations.start_acting(login, second)
    assert delegations.acting_for(login) is second
    assert actions(first) == ["Vertretung übernommen", "Vertretung beendet"]
    assert actions(second) == ["Vertretung übernommen"]


def test_the_day_is_the_german_calendar_day(app_ctx):
    now = timeutil.utcnow()
    late_evening = datetime(now.year, now.month, now.day, 23, 30)
    timeutil.travel(late_evening - now)
    assert delegations.today() == late_evening.date() + timedelta(days=1)


def test_dates_are_read_as_tt_mm_jjjj():
    assert delegations.parse_date("01.03.2027") == date(2027, 3, 1)
    assert delegations.parse_date("31.02.2027") is None
    assert delegations.parse_date("2027-03-01") is None
    assert delegations.parse_date("1.3.2027") is None
