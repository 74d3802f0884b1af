"""Servicekonto Business in English: the registration of an organisation, the
administration (company data, users, groups, function mailboxes, online services), the
Fachliche Leitstelle and Vertretung, with no German of the catalogue left on the page,
and the organisation mails in the language of their reader."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import leitstelle
from idp.organisations.models import FunctionMailbox, Group
from tests.support import languages
from tests.conftest import Browserless
from tests.organisations.support_c import add_user, make_organisation
from tests.support.flows import location

ADMIN = "admin@muster.example"
LEITSTELLE = "leitstelle@behoerde.example"
ORGANISATION = {"name": "Muster GmbH", "legal_form": "", "register_number": "", "register_court": "",
                "street": "Hafenstraße", "house_number": "7", "postal_code": "20457", "city": "Hamburg", "po_box": ""}
ADMINISTRATOR = {"given_name": "Erika", "family_name": "Muster", "birth_date": "24.12.1980", "phone": "040 123456",
                 "email": "erika@muster.example", "password": "Sonnenblume-42", "password_repeat": "Sonnenblume-42"}


def german_in(html: str) -> list[str]:
    return languages.german_in(languages.visible_text(html))


def in_english(agent: Browserless, path: str, found: dict) -> str:
    page = agent.get(path)
    assert page.status_code == 200, path
    assert '<html lang="en"' in page.text, path
    if left := german_in(page.text):
        found[path] = left
    return page.text


def english_agent(app) -> Browserless:
    agent = Browserless(app)
    agent.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")
    return agent


def test_the_registration_of_an_organisation_in_english(app, mailbox, make_client):
    make_client(name="Fördermittel", audience="organisations", approval="leitstelle")
    agent = english_agent(app)
    found: dict[str, list[str]] = {}
    start = "/organisation/registrierung"
    assert "<h1>Register an organisation</h1>" in in_english(agent, start, found)
    refused = agent.submit(start, {**ORGANISATION, "name": "", "postal_code": "2045"})
    assert refused.status_code == 400
    assert "Please enter the name of the organisation." in refused.text
    assert "Step 1 of 4: Details of the organisation" in refused.text
    found.update({"organisation refused": left} if (left := german_in(refused.text)) else {})
    assert location(agent.submit(start, ORGANISATION)) == f"{start}/administrator"

    in_english(agent, f"{start}/administrator", found)
    refused = agent.submit(f"{start}/administrator", {**ADMINISTRATOR, "phone": "", "action": "weiter"})
    assert refused.status_code == 400 and "Administrators must be reachable by phone." in refused.text
    found.update({"administrator refused": left} if (left := german_in(refused.text)) else {})
    agent.submit(f"{start}/administrator", {**ADMINISTRATOR, "action": "weiter"})

    services = in_english(agent, f"{start}/online-dienste", found)
    assert "usable after approval by the service control centre" in services
    agent.submit(f"{start}/online-dienste", {"action": "weiter"})
    in_english(agent, f"{start}/uebersicht", found)
    refused = agent.submit(f"{start}/uebersicht", {"action": "anlegen"})
    assert refused.status_code == 400 and "Please consent to the data processing" in refused.text
    assert location(agent.submit(f"{start}/uebersicht", {"consent": "ja", "action": "anlegen"})) == f"{start}/gesendet"
    in_english(agent, f"{start}/gesendet", found)

    # The administrator registered in English: the mail is in English too.
    mail = mailbox.wait_for(ADMINISTRATOR["email"], "Activate your Servicekonto Business")
    assert mail.body.startswith("Dear Erika Muster,") and "Muster GmbH" in mail.body
    link = next(link for link in mail.links() if "/organisation/registrierung/aktivieren/" in link)
    in_english(agent, "/" + link.split("://", 1)[1].split("/", 1)[1], found)
    failed = Browserless(app)
    failed.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")
    failed = failed.submit(f"{start}/aktivieren/unbekannt", {})
    assert failed.status_code == 400 and "This activation link is invalid." in failed.text
    found.update({"activation failed": left} if (left := german_in(failed.text)) else {})
    assert not found, f"German left on English pages: {found}"


def _with_everything(app, make_client, make_account) -> dict[str, str]:
    """An organisation with a user, a group, a function mailbox, a subscribed service
    with roles and one waiting for its Leitstelle, whose member reads English."""
    organisation_id, admin_id = make_organisation(app)
    user_id = add_user(app, organisation_id, "uwe@muster.example")
    auto = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung"])
    waiting = make_client(name="Fördermittel", audience="organisations", approval="leitstelle")
    make_account(email=LEITSTELLE, given_name="Lea", family_name="Leitstelle")
    with app.app_context():
        leitstelle.grant(waiting.client_id, LEITSTELLE)
        for email in (LEITSTELLE, ADMIN):
            db.session.scalar(select(Account).where(Account.email == email)).locale = "en"
        db.session.commit()
    agent = english_agent(app)
    agent.login(email=ADMIN)
    for client in (auto, waiting):
        agent.submit("/administration/online-dienste", {"client_id": client.client_id},
                     action="/administration/online-dienste/abonnieren")
    agent.submit("/administration/gruppen/neu", {"name": "Zulassung", "description": ""})
    agent.submit("/administration/funktionspostfaecher/neu", {"name": "Poststelle", "description": "",
                                                              "client_id": auto.client_id})
    with app.app_context():
        group_id = db.session.scalar(select(Group.id))
        mailbox_id = db.session.scalar(select(FunctionMailbox.id))
    return {"agent": agent, "organisation": organisation_id, "admin": admin_id, "user": user_id,
            "group": group_id, "mailbox": mailbox_id, "auto": auto.client_id, "waiting": waiting.client_id}


def test_the_administration_in_english(app, make_client, make_account):
    built = _with_everything(app, make_client, make_account)
    agent, found = built["agent"], {}
    for path in ("/administration", "/administration/unternehmensdaten", "/administration/unternehmensdaten/loeschen",
                 "/administration/benutzer", "/administration/benutzer/neu",
                 f"/administration/benutzer/{built['user']}", f"/administration/benutzer/{built['user']}/e-mail",
                 f"/administration/benutzer/{built['user']}/loeschen",
                 "/administration/gruppen", "/administration/gruppen/neu",
                 f"/administration/gruppen/{built['group']}", f"/administration/gruppen/{built['group']}/benutzer",
                 f"/administration/gruppen/{built['group']}/online-dienste",
                 f"/administration/gruppen/{built['group']}/loeschen",
                 "/administration/funktionspostfaecher", "/administration/funktionspostfaecher/neu",
                 f"/administration/funktionspostfaecher/{built['mailbox']}",
                 f"/administration/funktionspostfaecher/{built['mailbox']}/loeschen",
                 f"/administration/online-dienste?benutzer={built['user']}",
                 f"/administration/online-dienste/{built['auto']}/beenden", "/vertretung"):
        in_english(agent, path, found)
    services = agent.get("/administration/online-dienste").text
    assert "awaiting approval by the service control centre" in services
    refused = agent.submit("/administration/gruppen/neu", {"name": "Zulassung", "description": "<b>"})
    assert refused.status_code == 400
    assert "There already is a group “Zulassung”. Please choose another designation." in unescape(refused.text)
    # The message is escaped like any text, the < of the rule included.
    assert "“Description” must not contain the characters &lt; and &gt;." in refused.text.replace("&#34;", '"')
    # The same scan finds the German of a German page.
    german = Browserless(app)
    german.login(email="uwe@muster.example")
    assert "Ich vertrete" in german_in(german.get("/vertretung", headers={"Accept-Language": "de"}).text)
    refused = agent.submit("/vertretung", {"deputy": "", "starts_on": "gestern", "ends_on": "", "scope": ""})
    assert refused.status_code == 400 and "Please choose a deputy." in refused.text
    found.update({"delegation refused": left} if (left := german_in(refused.text)) else {})
    assert not found, f"German left on English pages: {found}"


def test_the_leitstelle_decides_in_english_and_the_administrators_read_their_language(app, make_client,
                                                                                      make_account, mailbox):
    built = _with_everything(app, make_client, make_account)
    found: dict[str, list[str]] = {}
    request_mail = mailbox.wait_for(LEITSTELLE, "New approval request for Fördermittel")
    assert "the organisation “Muster GmbH” would like to use the online service “Fördermittel”" in request_mail.body
    member = english_agent(app)
    member.login(email=LEITSTELLE)
    in_english(member, "/leitstelle", found)
    request = f"/leitstelle/{built['waiting']}/{built['organisation']}"
    assert "<h1>Approval for Muster GmbH</h1>" in in_english(member, request, found)
    refused = member.submit(request, {"decision": "ablehnen", "reason": ""})
    assert refused.status_code == 400 and "Please give a reason for the refusal." in refused.text
    member.submit(request, {"decision": "ablehnen", "reason": "Kein Bezug."})
    mail = mailbox.wait_for(ADMIN, "Online service not approved: Fördermittel")
    assert "the service control centre has not approved the online service “Fördermittel”" in mail.body
    assert "Kein Bezug." in mail.body
    assert not found, f"German left on English pages: {found}"


@pytest.mark.parametrize("language, subject, greeting", [
    ("en", "Your access to the Servicekonto Business", "Dear Berta Neu,"),
    ("de", "Ihr Zugang zum Servicekonto Business", "Guten Tag Berta Neu,"),
])
def test_an_invited_user_is_first_written_to_in_the_language_of_the_inviting_administrator(
        app, mailbox, language, subject, greeting):
    make_organisation(app)
    admin = Browserless(app)
    admin.submit("/", {"sprache": language, "zurueck": "/"}, action="/sprache")
    admin.login(email=ADMIN)
    invited = admin.submit("/administration/benutzer/neu", {"given_name": "Berta", "family_name": "Neu",
                                                            "birth_date": "", "phone": "",
                                                            "email": "berta@muster.example"})
    assert invited.status_code == 302
    mail = mailbox.wait_for("berta@muster.example", subject)
    assert mail.body.startswith(greeting) and "Muster GmbH" in mail.body
    if language == "en":
        assert languages.german_in(mail.body) == []
