"""Upgrade to Servicekonto Plus at a registration office (SPEC §3): the citizen asks
for it in Mein Bereich, a clerk with the role Meldebehörde confirms or refuses, and
the citizen learns the outcome by mail."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from idp.accounts.models import Account
from idp.extensions import db
from tests.browser.support import (assert_accessible, field, log_in_to_mein_bereich, log_in_with_card, read_card,
                                   submit_login_form, summary, upgrade_with_card)

pytestmark = pytest.mark.browser

CLERK = "sachbearbeitung@meldeamt.example"


def clerk_context(app, browser, live_server, make_account):
    """A clerk whose account has the Online-Ausweisfunktion set up (the upgrade with
    the card logs out); returns the page, logged out."""
    make_account(email=CLERK, given_name="Sabine", family_name="Amt")
    with app.app_context():
        db.session.query(Account).filter_by(email=CLERK).one().role = "meldebehoerde"
        db.session.commit()
    context = browser.new_context(locale="de-DE", base_url=live_server)
    context.set_default_timeout(15000)
    page = context.new_page()
    log_in_to_mein_bereich(page, CLERK)
    upgrade_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    return context, page


@pytest.fixture
def clerk_page(app, browser, live_server, make_account):
    """The clerk at work: logged in with the ID card (level hoch)."""
    context, page = clerk_context(app, browser, live_server, make_account)
    log_in_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    yield page
    context.close()


def request_upgrade(page, birth_date="00.00.1945", house_number="12a-c") -> str:
    log_in_to_mein_bereich(page)
    page.get_by_role("link", name="Upgrade starten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade auf Servicekonto Plus")
    assert_accessible(page, "Upgrade starten")
    page.get_by_role("link", name="Upgrade bei der Meldebehörde beantragen").click()
    field(page, "Geburtsdatum").fill(birth_date)
    field(page, "Straße").fill("Heidestraße")
    field(page, "Hausnummer").fill(house_number)
    field(page, "Postleitzahl").fill("51147")
    field(page, "Ort").fill("Köln")
    page.get_by_role("button", name="Antrag stellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag gestellt")
    assert_accessible(page, "Antrag gestellt")
    return page.locator(".case-number").inner_text()


def open_case(clerk_page, case_number):
    clerk_page.get_by_role("link", name="Meldebehörde: Upgrade-Anträge prüfen").click()
    assert_accessible(clerk_page, "Meldebehörde search")
    clerk_page.get_by_label("Vorgangsnummer").fill(case_number)
    clerk_page.get_by_role("button", name="Suchen").click()
    clerk_page.get_by_role("link", name=re.compile(re.escape(case_number))).click()
    expect(clerk_page.get_by_role("heading", level=1)).to_have_text(f"Vorgang {case_number}")


def test_confirmed_upgrade_makes_the_account_plus(page, clerk_page, make_account, mailbox, demo_service):
    make_account()
    log_in_to_mein_bereich(page)
    page.goto("/mein-bereich/upgrade/meldebehoerde")
    field(page, "Hausnummer").fill("12 a")
    page.get_by_role("button", name="Antrag stellen").click()
    rejected = page.locator("#house_number-fehler")
    expect(rejected).to_contain_text("keine Leerzeichen")
    expect(page.locator("#birth_date-fehler")).to_contain_text("Bitte geben Sie „Geburtsdatum“ an.")
    assert_accessible(page, "Upgrade form with errors")

    case_number = request_upgrade(page)
    assert re.fullmatch(r"MB-[A-HJ-NP-Z2-9]{8}", case_number)

    open_case(clerk_page, case_number)
    expect(clerk_page.locator(".summary")).to_contain_text("00.00.1945")
    expect(clerk_page.locator(".summary")).to_contain_text("Heidestraße 12a-c, 51147 Köln")
    assert_accessible(clerk_page, "Vorgang")
    clerk_page.get_by_role("button", name="Bestätigen").click()
    expect(clerk_page.locator("#document_checked-fehler")).to_contain_text("Ausweisdokument geprüft")
    clerk_page.get_by_label(re.compile("amtliches Ausweisdokument")).check()
    clerk_page.get_by_role("button", name="Bestätigen").click()
    expect(clerk_page.get_by_role("status")).to_contain_text(f"Vorgang {case_number} ist entschieden")

    mail = mailbox.wait_for("erika@example.org", "jetzt ein Servicekonto Plus")
    assert "Melden Sie sich neu an" in mail.body
    page.goto("/mein-bereich")
    assert summary(page)["Kontoart"] == "Servicekonto Plus"
    page.goto("/mein-bereich/profil")
    for label in ("Vorname", "Nachname", "Geburtsdatum", "Straße", "Ort"):
        expect(field(page, label)).to_be_disabled()

    # A new password login of a Plus account is worth substanziell to an online service.
    page.get_by_role("button", name="Abmelden").click()
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.locator("#id-token [data-claim=loa]")).to_have_text("substanziell")


def test_refused_upgrade_tells_the_reason(page, clerk_page, make_account, mailbox):
    make_account()
    case_number = request_upgrade(page)
    open_case(clerk_page, case_number)
    clerk_page.get_by_role("button", name="Ablehnen").click()
    expect(clerk_page.locator("#reason-fehler")).to_contain_text("Bitte geben Sie einen Grund")
    assert_accessible(clerk_page, "Vorgang with error")
    clerk_page.get_by_label("Grund der Ablehnung").fill("Die Anschrift im Ausweis weicht ab.")
    clerk_page.get_by_role("button", name="Ablehnen").click()
    expect(clerk_page.get_by_role("status")).to_contain_text("entschieden")

    mail = mailbox.wait_for("erika@example.org", "abgelehnt")
    assert "Die Anschrift im Ausweis weicht ab." in mail.body
    page.goto("/mein-bereich")
    assert summary(page)["Kontoart"] == "Servicekonto"
    # The case is closed: the clerk cannot decide it again.
    clerk_page.goto(f"/meldebehoerde/vorgang/{case_number}")
    expect(clerk_page.get_by_role("button", name="Bestätigen")).to_have_count(0)


def test_clerk_logged_in_by_password_logs_in_again_with_the_card(app, browser, live_server, make_account):
    context, page = clerk_context(app, browser, live_server, make_account)
    try:
        log_in_to_mein_bereich(page, CLERK)
        page.goto("/meldebehoerde")
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung mit Online-Ausweisfunktion erforderlich")
        expect(page.get_by_role("status")).to_contain_text("Ihre aktuelle Anmeldung hat das Vertrauensniveau")
        assert_accessible(page, "Meldebehörde step-up")
        page.get_by_role("link", name="Mit Online-Ausweisfunktion anmelden").click()
        read_card(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade-Anträge prüfen")
    finally:
        context.close()


def test_search_by_name_and_birth_date_and_only_for_clerks(page, clerk_page, make_account):
    make_account()
    case_number = request_upgrade(page, birth_date="24.12.1980")
    clerk_page.goto("/meldebehoerde?nachname=mustermann&geburtsdatum=24.12.1980")
    expect(clerk_page.get_by_role("link", name=re.compile(case_number))).to_be_visible()
    clerk_page.goto("/meldebehoerde?nachname=Mustermann")
    expect(clerk_page.get_by_role("main")).to_contain_text("Kein offener Vorgang passt")

    page.goto("/meldebehoerde")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kein Zugriff")
    assert_accessible(page, "Kein Zugriff")
    response = page.request.post(f"/meldebehoerde/vorgang/{case_number}", form={"decision": "bestaetigen"})
    assert response.status in (400, 403)
    page.goto("/mein-bereich")
    assert summary(page)["Kontoart"] == "Servicekonto"


def test_a_clerk_cannot_confirm_their_own_case(app, clerk_page):
    from idp.accounts.models import UpgradeRequest

    # A case the clerk opened before the card made the account Plus.
    with app.app_context():
        clerk = db.session.query(Account).filter_by(email=CLERK).one()
        db.session.add(UpgradeRequest(id="MB-EIGEN234", account_id=clerk.id, data={
            "given_name": "Sabine", "family_name": "Amt", "birth_date": "01.02.1970", "street": "Amtsweg",
            "house_number": "1", "postal_code": "10115", "city": "Berlin"}))
        db.session.commit()
    clerk_page.goto("/meldebehoerde/vorgang/MB-EIGEN234")
    clerk_page.get_by_label(re.compile("amtliches Ausweisdokument")).check()
    clerk_page.get_by_role("button", name="Bestätigen").click()
    expect(clerk_page.get_by_role("alert")).to_contain_text("nicht selbst entscheiden")


def test_service_asking_for_substanziell_offers_the_upgrade(page, make_account, make_client):
    from urllib.parse import urlencode

    from tests.conftest import pkce_pair

    make_account()
    client = make_client(name="Wohngeld", min_loa="substanziell")
    log_in_to_mein_bereich(page)
    _, challenge = pkce_pair()
    page.goto("/authorize?" + urlencode({
        "client_id": client.client_id, "redirect_uri": client.redirect_uri, "response_type": "code",
        "scope": "openid", "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256"}))
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    expect(page.get_by_role("main")).to_contain_text("Servicekonto Plus")
    assert_accessible(page, "step-up page offering the upgrade")
    page.get_by_role("link", name="Upgrade starten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade auf Servicekonto Plus")
