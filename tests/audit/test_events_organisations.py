"""An organisation's life in the audit log, as its administrators and the Fachliche
Leitstelle act through the pages: registration to deletion, users and their rights,
groups, delegations, subscriptions and the Leitstelle's decision."""
from __future__ import annotations

import re
from urllib.parse import urlparse

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import delegation as delegations
from idp.organisations import leitstelle
from idp.organisations.models import Organisation
from tests.audit.support import assert_no_personal_data, events, summary
from tests.conftest import Browserless, csrf_from
from tests.organisations.support_c import PASSWORD, add_user, make_organisation

START = "/organisation/registrierung"
ORGANISATION = {"name": "Muster & Söhne GmbH", "legal_form": "GmbH", "register_number": "HRB 12345",
                "register_court": "Amtsgericht Hamburg", "street": "Hafenstraße", "house_number": "12a",
                "postal_code": "20457", "city": "Hamburg", "po_box": ""}
ADMINISTRATOR = {"given_name": "Erika", "family_name": "Muster", "birth_date": "24.12.1980",
                 "phone": "040 123456", "email": "erika@muster.example", "password": "Sonnenblume-42",
                 "password_repeat": "Sonnenblume-42"}
PERSONAL = ("erika@muster.example", "berta@muster.example", "Erika", "Berta", "Bertha", "Muster & Söhne",
            "Hafenstraße", "Anna", "Uwe", "Karla", "Lea")


def agent_of(app, email, password=PASSWORD) -> Browserless:
    agent = Browserless(app)
    assert agent.login(email=email, password=password).status_code == 302
    return agent


def register_organisation(user_agent, mailbox, client_ids) -> None:
    """The four steps, "Servicekonto Business anlegen", and the activation link."""
    user_agent.submit(START, ORGANISATION)
    user_agent.submit(START + "/administrator", {**ADMINISTRATOR, "action": "weiter"})
    page = user_agent.get(START + "/online-dienste")
    user_agent.post(START + "/online-dienste", data={"csrf_token": csrf_from(page.text), "services": client_ids,
                                                     "action": "weiter"})
    created = user_agent.submit(START + "/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert created.headers["Location"] == START + "/gesendet"
    link = next(link for link in mailbox.wait_for("erika@muster.example", "Servicekonto Business").links()
                if "/aktivieren/" in link)
    assert user_agent.submit(urlparse(link).path, {}).status_code == 302


def test_an_organisation_from_registration_to_deletion(app, user_agent, mailbox, make_client):
    service = make_client(name="Gewerbeanzeige", audience="organisations").client_id
    register_organisation(user_agent, mailbox, [service])
    with app.app_context():
        organisation_id = db.session.query(Organisation).one().id
        admin_id = db.session.query(Account).filter_by(email="erika@muster.example").one().id

    changed = user_agent.submit("/administration/unternehmensdaten",
                                {**ORGANISATION, "city": "Lübeck", "admins_use_services": "ja"})
    assert changed.status_code == 302
    added = user_agent.submit("/administration/benutzer/neu", {"given_name": "Berta", "family_name": "Neu",
                                                               "birth_date": "", "phone": "",
                                                               "email": "berta@muster.example"})
    assert added.status_code == 302
    with app.app_context():
        berta_id = db.session.query(Account).filter_by(email="berta@muster.example").one().id
    edited = user_agent.submit(f"/administration/benutzer/{berta_id}", {
        "given_name": "Bertha", "family_name": "Neu", "birth_date": "01.01.1990", "phone": "040 1234567",
        "is_admin": "ja"})
    assert edited.status_code == 302
    removed = user_agent.submit(f"/administration/benutzer/{berta_id}/loeschen", {"confirm": "ja"})
    assert removed.status_code == 302
    gone = user_agent.submit("/administration/unternehmensdaten/loeschen",
                             {"confirm": "ja", "password": ADMINISTRATOR["password"]})
    assert gone.status_code == 302

    found = events(app, "organisation.", "account.")
    assert summary(found) == [
        ("organisation.registered", True, {"services": 1}),
        ("organisation.activated", True, {}),
        ("organisation.changed", True, {"fields": ["city", "admins_use_services"]}),
        ("organisation.member_added", True, {"admin": False}),
        ("account.changed", True, {"fields": ["given_name", "birth_date", "phone"]}),
        ("organisation.roles_changed", True, {"what": "grant", "which": "admin"}),
        ("account.deleted", True, {}),
        ("organisation.member_removed", True, {}),
        ("account.deleted", True, {}),
        ("organisation.deleted", True, {"accounts": 1}),
    ]
    assert [e.account_id for e in found] == [admin_id, admin_id, None, berta_id, berta_id, berta_id, berta_id,
                                             berta_id, admin_id, None]
    assert {e.organisation_id for e in found if e.event.startswith("organisation.")} == {organisation_id}
    assert [e.email for e in found][:2] == ["erika@muster.example"] * 2
    assert found[3].email == "berta@muster.example"
    # The subscription chosen at registration is part of the activation, not an administrator's act.
    assert events(app, "organisation.subscription") == []
    assert_no_personal_data(events(app), *PERSONAL, "Lübeck", "1990", "1234567")


def test_rights_delegations_subscriptions_and_the_leitstelle(app, make_account, make_client):
    organisation_id, admin_id = make_organisation(app)
    uwe = add_user(app, organisation_id, "uwe@muster.example")
    karla = add_user(app, organisation_id, "karla@muster.example", given_name="Karla")
    auto = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Leitung"]).client_id
    approved = make_client(name="Fördermittel", audience="organisations", approval="leitstelle").client_id
    lea = make_account(email="lea@behoerde.example", given_name="Lea", family_name="Leitstelle")
    with app.app_context():
        leitstelle.grant(approved, "lea@behoerde.example")

    admin = agent_of(app, "admin@muster.example")
    services = "/administration/online-dienste"
    for client_id in (auto, approved):
        admin.submit(services, {"client_id": client_id}, action=services + "/abonnieren")
    decided = agent_of(app, "lea@behoerde.example", "ABab1234").submit(
        f"/leitstelle/{approved}/{organisation_id}", {"decision": "freischalten"})
    assert decided.status_code == 302
    admin.submit(f"{services}?benutzer={uwe}", {"berechtigt": auto, f"rollen-{auto}": ["Leitung"]},
                 action=f"{services}/benutzer/{uwe}")
    group_page = admin.submit("/administration/gruppen/neu", {"name": "Team Nord", "description": ""})
    group_id = int(re.search(r"/gruppen/(\d+)/", group_page.headers["Location"]).group(1))
    admin.submit(f"/administration/gruppen/{group_id}/benutzer", {"benutzer": [uwe]})
    admin.submit(f"/administration/gruppen/{group_id}/online-dienste", {"dienst": [approved]})
    today = delegations.today().strftime("%d.%m.%Y")
    admin.submit("/vertretung", {"principal": uwe, "deputy": karla, "starts_on": today, "ends_on": "",
                                 "scope": "postfach"})
    [delegation_id] = {e.details["delegation"] for e in events(app, "organisation.delegation")}
    admin.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/beenden")
    admin.submit(f"{services}/{auto}/beenden", {})
    mailbox = admin.submit("/administration/funktionspostfaecher/neu", {
        "name": "Poststelle", "description": "", "client_id": "", "gruppe": [str(group_id)], "person": [karla]})
    mailbox_id = mailbox.headers["Location"].split("/funktionspostfaecher/", 1)[1].split("?", 1)[0]

    found = events(app, "organisation.")
    assert [(e.event, e.account_id, e.client_id, e.actor, e.details) for e in found] == [
        ("organisation.subscription", None, auto, None, {"what": "add", "status": "active"}),
        ("organisation.subscription", None, approved, None, {"what": "add", "status": "pending"}),
        ("organisation.approval", None, approved, f"leitstelle:{lea}", {"decision": "approved"}),
        ("organisation.roles_changed", uwe, None, None, {"what": "services", "which": [auto]}),
        ("organisation.roles_changed", uwe, None, None, {"what": "group_joined", "group": group_id}),
        ("organisation.roles_changed", None, None, None, {"what": "group_services", "group": group_id,
                                                          "which": [approved]}),
        ("organisation.delegation", uwe, None, f"admin:{admin_id}", {"what": "set", "delegation": delegation_id,
                                                                     "scope": "postfach"}),
        ("organisation.delegation", uwe, None, f"admin:{admin_id}", {"what": "ended",
                                                                     "delegation": delegation_id,
                                                                     "scope": "postfach"}),
        ("organisation.subscription", None, auto, None, {"what": "remove"}),
        ("organisation.roles_changed", karla, None, None, {"what": "mailbox_granted", "mailbox": mailbox_id}),
        ("organisation.roles_changed", None, None, None, {"what": "mailbox_groups", "mailbox": mailbox_id,
                                                          "which": [group_id]}),
    ]
    assert {e.organisation_id for e in found} == {organisation_id}
    assert_no_personal_data(events(app), *PERSONAL)
