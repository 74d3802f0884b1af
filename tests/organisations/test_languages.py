"""Servicekonto Business in English: the registration of an organisation, the
administration (company data, users, groups, function mailboxes, online services), the
Fachliche Leitstelle and Vertretung, with no German of the catalogue left on the page,
and the organisation mails in the language of their reader."""
from __future__ import annotations

from html import unescape

import pytest

from idp.extensions import db
from idp.organisations import delegation as delegations
from idp.organisations.models import Delegation
from tests.support import languages
from tests.conftest import Browserless
from tests.organisations.support_c import ADMIN, LEITSTELLE, add_user, furnished_organisation, make_organisation
from tests.support.flows import location

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
    """The furnished organisation, its administrator and Leitstelle member reading English."""
    agent = english_agent(app)
    return {"agent": agent, **furnished_organisation(app, make_client, make_account, agent, locale="en")}


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


def test_the_record_of_a_delegation_in_english(app):
    """Kept as codes, what a deputy did reads in the language of the page."""
    organisation_id, _ = make_organisation(app)
    principal = add_user(app, organisation_id, "uwe@muster.example")
    deputy = add_user(app, organisation_id, "karla@muster.example", given_name="Karla", family_name="Kollegin")
    with app.app_context():
        delegation = Delegation(organisation_id=organisation_id, principal_id=principal, deputy_id=deputy,
                                starts_on=delegations.today(), scope="vollstaendig")
        db.session.add(delegation)
        db.session.flush()
        delegations.record(delegation, delegations.TAKEN_UP)
        delegations.record(delegation, delegations.LOGGED_IN, "Gewerbeanmeldung")
        delegations.record(delegation, delegations.CASE_REPLIED, "Umsatzsteuer 2026")
        db.session.commit()
    found: dict[str, list[str]] = {}
    for email in ("uwe@muster.example", ADMIN):
        agent = english_agent(app)
        agent.login(email=email)
        text = unescape(in_english(agent, "/vertretung", found))
        assert "Delegation taken up" in text
        assert "Login to the online service “Gewerbeanmeldung”" in text
        assert "Reply sent in case “Umsatzsteuer 2026”" in text
    assert not found, f"German left on English pages: {found}"
