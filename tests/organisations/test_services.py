"""Online services of organisations (SPEC §6): subscribing and unsubscribing, the
Fachliche Leitstelle's approval or refusal with mails to every administrator, and
direct grants with roles, as the rules and the pages enforce them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.extensions import db
from idp.mail import OutboxMail
from idp.oidc.models import Client
from idp.organisations import entitlements, grants, leitstelle, subscriptions
from idp.organisations.entitlements import Refusal
from idp.organisations.models import (FunctionMailbox, Group, GroupMember, GroupService, Organisation,
                                      ServiceGrant, ServiceSubscription)
from tests.conftest import Browserless
from tests.organisations.support_c import add_user, make_organisation

SERVICES = "/administration/online-dienste"
LEITSTELLE_EMAIL = "leitstelle@behoerde.example"


@pytest.fixture
def org(app):
    organisation_id, admin_id = make_organisation(app)
    user_id = add_user(app, organisation_id, "uwe@muster.example")
    return organisation_id, admin_id, user_id


@pytest.fixture
def services(make_client):
    auto = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung", "Leitung"])
    approved = make_client(name="Fördermittel", audience="both", approval="leitstelle")
    citizens = make_client(name="Wohngeld")
    return auto.client_id, approved.client_id, citizens.client_id


@pytest.fixture
def leitstelle_member(app, make_account, services):
    make_account(email=LEITSTELLE_EMAIL, given_name="Lea", family_name="Leitstelle")
    with app.app_context():
        leitstelle.grant(services[1], LEITSTELLE_EMAIL)
    return LEITSTELLE_EMAIL


def admin_agent(app, email="admin@muster.example") -> Browserless:
    agent = Browserless(app)
    agent.login(email=email)
    return agent


def mails(app, to: str) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == to).order_by(OutboxMail.id)))


def status_of(app, organisation_id, client_id):
    with app.app_context():
        sub = db.session.get(ServiceSubscription, (organisation_id, client_id))
        return (sub.status, sub.reason) if sub else None


def access(app, account_id, client_id):
    with app.app_context():
        return entitlements.access(db.session.get(Account, account_id), db.session.get(Client, client_id))


def subscribe(agent, client_id):
    return agent.submit(SERVICES, {"client_id": client_id}, action=SERVICES + "/abonnieren")


def save_grants(agent, user_id, data):
    return agent.submit(f"{SERVICES}?benutzer={user_id}", data, action=f"{SERVICES}/benutzer/{user_id}")


# -- subscribing ---------------------------------------------------------------------------------
def test_only_administrators_reach_the_page(app, org):
    assert admin_agent(app).get(SERVICES).status_code == 200
    assert admin_agent(app, "uwe@muster.example").get(SERVICES).status_code == 403


def test_subscribing_offers_services_for_organisations_only(app, org, services, leitstelle_member):
    organisation_id = org[0]
    auto, approved, citizens = services
    agent = admin_agent(app)
    page = agent.get(SERVICES).text
    assert "Gewerbeanmeldung" in page and "Fördermittel (Freischaltung durch die Fachliche Leitstelle)" in page
    assert "Wohngeld" not in page

    refused = subscribe(agent, citizens)
    assert refused.status_code == 400
    assert 'id="client_id-fehler"' in refused.text and "Bitte wählen Sie einen Online-Dienst" in refused.text
    assert status_of(app, organisation_id, citizens) is None

    assert subscribe(agent, auto).status_code == 302
    assert status_of(app, organisation_id, auto) == ("active", None)
    assert subscribe(agent, approved).status_code == 302
    assert status_of(app, organisation_id, approved) == ("pending", None)
    page = agent.get(SERVICES).text
    assert "wartet auf Freischaltung durch die Fachliche Leitstelle" in page
    # Subscribed services are no longer offered; subscribing one again is refused.
    assert subscribe(agent, auto).status_code == 400

    request_mail, = mails(app, LEITSTELLE_EMAIL)
    assert "Neue Freischaltungsanfrage" in request_mail.subject
    assert "Muster GmbH" in request_mail.body and "admin@muster.example" not in request_mail.body
    assert mails(app, "admin@muster.example") == []


def test_the_leitstelle_decides_and_every_administrator_hears_of_it(app, org, services, leitstelle_member):
    organisation_id, admin_id, user_id = org
    add_user(app, organisation_id, "zweite@muster.example", is_admin=True)
    add_user(app, organisation_id, "neu@muster.example", is_admin=True, status="pending")
    _, approved, _ = services
    subscribe(admin_agent(app), approved)
    with app.app_context():
        member = db.session.scalar(select(Account).where(Account.email == LEITSTELLE_EMAIL))
        request, = leitstelle.pending_requests(member)
        with pytest.raises(subscriptions.SubscriptionError) as refused:
            leitstelle.decide(member, request, False, "  ")
        assert refused.value.field == "reason"
        leitstelle.decide(member, request, False, "Kein Bezug zur Förderrichtlinie.")
        assert leitstelle.pending_requests(member) == []
    assert status_of(app, organisation_id, approved) == ("refused", "Kein Bezug zur Förderrichtlinie.")
    assert access(app, user_id, approved).refusal is Refusal.SUBSCRIPTION_REFUSED
    for admin in ("admin@muster.example", "zweite@muster.example"):
        refusal, = mails(app, admin)
        assert "nicht freigeschaltet" in refusal.subject and "Kein Bezug zur Förderrichtlinie." in refusal.body
    assert mails(app, "neu@muster.example") == [] and mails(app, "uwe@muster.example") == []
    assert "abgelehnt" in admin_agent(app).get(SERVICES).text

    # Asking again after a refusal goes to the Leitstelle again.
    assert subscribe(admin_agent(app), approved).status_code == 302
    assert status_of(app, organisation_id, approved) == ("pending", None)
    assert len(mails(app, LEITSTELLE_EMAIL)) == 2
    with app.app_context():
        member = db.session.scalar(select(Account).where(Account.email == LEITSTELLE_EMAIL))
        request, = leitstelle.pending_requests(member)
        leitstelle.decide(member, request, True, "")
        with pytest.raises(subscriptions.SubscriptionError, match="bereits entschieden"):
            subscriptions.decide(request.subscription, False, "Doch nicht.", member)
    assert status_of(app, organisation_id, approved) == ("active", None)
    assert "Online-Dienst freigeschaltet" in mails(app, "zweite@muster.example")[-1].subject


# -- the Leitstelle pages ----------------------------------------------------------------------------
def test_leitstelle_pages_are_for_members_and_their_services_only(app, org, services, leitstelle_member,
                                                                   make_account):
    organisation_id = org[0]
    auto, approved, _ = services
    other = Browserless(app)
    make_account(email="buerger@example.org")
    other.login(email="buerger@example.org")
    assert other.get("/leitstelle").status_code == 403
    assert "Fachliche Leitstelle" not in other.get("/mein-bereich").text
    assert admin_agent(app).get("/leitstelle").status_code == 403
    assert Browserless(app).get("/leitstelle").status_code == 302  # to the login

    subscribe(admin_agent(app), approved)
    member = Browserless(app)
    member.login(email=LEITSTELLE_EMAIL)
    assert "Fachliche Leitstelle: Freischaltungen" in member.get("/mein-bereich").text
    listing = member.get("/leitstelle").text
    assert "Muster GmbH" in listing and "Hafenstraße 7, 20457 Hamburg" in listing and "HRB 12345" in listing
    assert other.get(f"/leitstelle/{approved}/{organisation_id}").status_code == 403

    # A request of a service whose Leitstelle the account is not in is not found.
    with app.app_context():
        leitstelle.grant(auto, "buerger@example.org")
    assert other.get(f"/leitstelle/{approved}/{organisation_id}").status_code == 404

    url = f"/leitstelle/{approved}/{organisation_id}"
    refused = member.submit(url, {"decision": "ablehnen", "reason": ""})
    assert refused.status_code == 400 and 'id="reason-fehler"' in refused.text
    assert status_of(app, organisation_id, approved) == ("pending", None)
    assert member.submit(url, {"decision": "freischalten"}).status_code == 302
    assert status_of(app, organisation_id, approved) == ("active", None)
    # Decided: no longer there to decide again.
    assert member.get(url).status_code == 404


def test_leitstelle_staff_do_not_decide_their_own_organisations_request(app, org, services):
    organisation_id, admin_id, _ = org
    _, approved, _ = services
    with app.app_context():
        leitstelle.grant(approved, "uwe@muster.example")
    subscribe(admin_agent(app), approved)
    staff = admin_agent(app, "uwe@muster.example")
    answer = staff.submit(f"/leitstelle/{approved}/{organisation_id}", {"decision": "freischalten"})
    assert answer.status_code == 400 and "eigenen Organisation" in answer.text
    assert status_of(app, organisation_id, approved) == ("pending", None)


def test_leitstelle_membership_needs_a_known_service_and_active_account(app, services, make_account):
    with app.app_context():
        with pytest.raises(leitstelle.LeitstelleError, match="no client"):
            leitstelle.grant("unbekannt", LEITSTELLE_EMAIL)
        with pytest.raises(leitstelle.LeitstelleError, match="no active account"):
            leitstelle.grant(services[1], LEITSTELLE_EMAIL)
    make_account(email=LEITSTELLE_EMAIL)
    with app.app_context():
        leitstelle.grant(services[1], "Leitstelle@Behoerde.example")
        leitstelle.grant(services[1], LEITSTELLE_EMAIL)  # twice is once
        account = db.session.scalar(select(Account).where(Account.email == LEITSTELLE_EMAIL))
        assert leitstelle.services_of(account) == [services[1]]
        assert leitstelle.revoke(services[1], LEITSTELLE_EMAIL) is True
        assert leitstelle.revoke(services[1], LEITSTELLE_EMAIL) is False
        assert not leitstelle.is_member(account)


# -- grants ------------------------------------------------------------------------------------------
def test_direct_grant_with_roles_decides_access(app, org, services):
    organisation_id, admin_id, user_id = org
    auto, approved, _ = services
    agent = admin_agent(app)
    subscribe(agent, auto)
    assert access(app, user_id, auto).refusal is Refusal.NOT_GRANTED

    saved = save_grants(agent, user_id, {"berechtigt": auto, f"rollen-{auto}": ["Leitung"]})
    assert saved.status_code == 302
    assert access(app, user_id, auto).roles == ["Leitung"]
    page = agent.get(f"{SERVICES}?benutzer={user_id}").text
    assert f'id="berechtigt-{auto}" name="berechtigt" value="{auto}" checked' in page
    assert 'value="Leitung" checked' in page and 'value="Sachbearbeitung">' in page

    save_grants(agent, user_id, {"berechtigt": auto, f"rollen-{auto}": ["Sachbearbeitung", "Leitung"]})
    assert access(app, user_id, auto).roles == ["Leitung", "Sachbearbeitung"]
    save_grants(agent, user_id, {})  # "Berechtigt" off
    assert access(app, user_id, auto).refusal is Refusal.NOT_GRANTED


def test_forged_grants_are_refused_and_change_nothing(app, org, services):
    organisation_id, admin_id, user_id = org
    auto, approved, _ = services
    agent = admin_agent(app)
    subscribe(agent, auto)
    subscribe(agent, approved)  # waiting for the Leitstelle
    save_grants(agent, user_id, {"berechtigt": auto, f"rollen-{auto}": ["Leitung"]})

    forged = save_grants(agent, user_id, {"berechtigt": auto, f"rollen-{auto}": ["Leitung", "Superuser"]})
    assert forged.status_code == 400
    assert f'id="rollen-{auto}-fehler"' in forged.text and "bietet der Online-Dienst nicht an" in forged.text
    roles_only = save_grants(agent, user_id, {f"rollen-{auto}": ["Leitung"]})
    assert roles_only.status_code == 400 and "setzen voraus" in roles_only.text
    pending = save_grants(agent, user_id, {"berechtigt": [auto, approved]})
    assert pending.status_code == 400 and "nicht freigeschaltet" in pending.text
    assert access(app, user_id, auto).roles == ["Leitung"]
    with app.app_context():
        assert db.session.get(ServiceGrant, (user_id, approved)) is None


def test_administrators_may_use_granted_services_only_when_allowed(app, org, services):
    organisation_id, admin_id, _ = org
    auto = services[0]
    agent = admin_agent(app)
    subscribe(agent, auto)
    page = agent.get(SERVICES).text
    assert "dürfen zurzeit keine Online-Dienste nutzen" in page
    save_grants(agent, admin_id, {"berechtigt": auto})
    assert access(app, admin_id, auto).refusal is Refusal.ADMINS_MAY_NOT_USE
    with app.app_context():
        db.session.get(Organisation, organisation_id).admins_use_services = True
        db.session.commit()
    assert access(app, admin_id, auto).allowed
    assert "dürfen zurzeit keine Online-Dienste nutzen" not in agent.get(SERVICES).text


# -- unsubscribing -----------------------------------------------------------------------------------
def test_unsubscribing_takes_the_grants_of_this_organisation_only(app, org, services):
    organisation_id, admin_id, user_id = org
    auto = services[0]
    other_id, other_admin = make_organisation(app, name="Andere AG", admin="admin@andere.example")
    other_user = add_user(app, other_id, "olga@andere.example")
    agent, other = admin_agent(app), admin_agent(app, "admin@andere.example")
    for a, u in ((agent, user_id), (other, other_user)):
        subscribe(a, auto)
        save_grants(a, u, {"berechtigt": auto, f"rollen-{auto}": ["Leitung"]})
    with app.app_context():
        group = Group(organisation_id=organisation_id, name="Vertrieb")
        db.session.add(group)
        db.session.flush()
        db.session.add_all([GroupMember(group_id=group.id, account_id=user_id),
                            GroupService(group_id=group.id, client_id=auto, roles=["Sachbearbeitung"]),
                            FunctionMailbox(organisation_id=organisation_id, name="Anträge", client_id=auto)])
        db.session.commit()
    assert access(app, user_id, auto).roles == ["Leitung", "Sachbearbeitung"]

    confirm = agent.get(f"{SERVICES}/{auto}/beenden")
    assert confirm.status_code == 200 and "wirklich beenden" in confirm.text
    assert status_of(app, organisation_id, auto) == ("active", None)
    assert agent.submit(f"{SERVICES}/{auto}/beenden", {}).status_code == 302

    assert status_of(app, organisation_id, auto) is None
    assert access(app, user_id, auto).refusal is Refusal.NOT_SUBSCRIBED
    with app.app_context():
        assert db.session.get(ServiceGrant, (user_id, auto)) is None
        assert db.session.scalars(select(GroupService).where(GroupService.client_id == auto)).all() == []
        assert db.session.scalar(select(FunctionMailbox).where(FunctionMailbox.name == "Anträge")).client_id == auto
    assert access(app, other_user, auto).roles == ["Leitung"]


def test_an_administrator_never_reaches_another_organisations_users_or_subscriptions(app, org, services):
    organisation_id, admin_id, user_id = org
    auto = services[0]
    other_id, _ = make_organisation(app, name="Andere AG", admin="admin@andere.example")
    other_user = add_user(app, other_id, "olga@andere.example")
    other = admin_agent(app, "admin@andere.example")
    subscribe(other, auto)
    agent = admin_agent(app)
    subscribe(agent, auto)

    assert agent.get(f"{SERVICES}?benutzer={other_user}").status_code == 404
    page = agent.get(SERVICES).text
    assert "olga@andere.example" not in page and "uwe@muster.example" in page
    token_page = f"{SERVICES}?benutzer={user_id}"
    forged = agent.submit(token_page, {"berechtigt": auto}, action=f"{SERVICES}/benutzer/{other_user}")
    assert forged.status_code == 404
    assert access(app, other_user, auto).refusal is Refusal.NOT_GRANTED

    agent.submit(f"{SERVICES}/{auto}/beenden", {})
    assert agent.get(f"{SERVICES}/{auto}/beenden").status_code == 404
    assert agent.submit(SERVICES, {}, action=f"{SERVICES}/{auto}/beenden").status_code == 404
    assert status_of(app, other_id, auto) == ("active", None)
    with app.app_context():
        assert grants.user(db.session.get(Organisation, organisation_id), other_user) is None
