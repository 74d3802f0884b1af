"""The EUDI-Wallet in the browser, through the wallet simulator's pages: login,
registration of a Servicekonto Plus, the upgrade to it (which a 15-year-old cannot
make) and the step-up to hoch, each on the same device and across devices (a second
browser reads the QR code); every broken answer refused with its German message and
the flow kept; "Daten mit EUDI-Wallet synchronisieren" of a Plus account."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (ACCOUNT_PASSWORD, PASSWORD, assert_accessible, create_account_on_overview, field,
                                   log_in_to_mein_bereich, path_is, submit_login_form, summary)
from wallet_connector.messages import MESSAGES
from wallet_connector.simulator import ADULT, UNDER_16, Defect

from .support import DEFECT_REASONS, moved_away

pytestmark = pytest.mark.browser

PID_LABELS = {ADULT: "Erika Mustermann", UNDER_16: "Jonas Mustermann (15 Jahre)"}


def open_wallet_login(page: Page) -> None:
    page.goto("/anmelden")
    page.get_by_role("link", name="Mit EUDI-Wallet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit EUDI-Wallet")


def answer_in_wallet(page: Page, pid_id: str = ADULT, defect: Defect = Defect.NONE, check: bool = False) -> None:
    """On the wallet simulator: see who asks, pick the PID and the defect, consent."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Anfrage von 127.0.0.1")
    if check:
        assert_accessible(page, "the wallet simulator's consent page")
    page.get_by_label(PID_LABELS[pid_id], exact=True).check()
    page.get_by_label("Fehler in der Antwort (zum Testen)").select_option(defect.value)
    page.get_by_role("button", name="Zustimmen und senden").click()


def test_log_in_with_the_wallet_on_the_same_device(page: Page, make_account, link_pid):
    link_pid(make_account(), ADULT)
    open_wallet_login(page)
    assert_accessible(page, "the wallet page with link and QR code")
    expect(page.get_by_role("img", name="QR-Code für die EUDI-Wallet")).to_be_visible()
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page, check=True)
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_log_in_with_the_wallet_on_another_device(browser, page: Page, live_server, make_account, link_pid):
    link_pid(make_account(), ADULT)
    open_wallet_login(page)
    qr_content = page.get_by_role("link", name="Inhalt des QR-Codes als Link").get_attribute("href")
    phone = browser.new_context(locale="de-DE")
    try:
        wallet = phone.new_page()
        wallet.goto(qr_content)
        answer_in_wallet(wallet)
        expect(wallet.get_by_role("status")).to_contain_text("Kehren Sie zum Browser zurück")
        assert_accessible(wallet, "the wallet simulator's done page")
    finally:
        phone.close()
    # The first browser's poll notices the answer and goes on by itself.
    expect(page).to_have_url(path_is("/mein-bereich"))


@pytest.mark.parametrize("defect", list(DEFECT_REASONS), ids=lambda defect: defect.value)
def test_a_broken_answer_is_refused_with_its_message_and_can_be_retried(page: Page, make_account, link_pid, defect):
    link_pid(make_account(), ADULT)
    open_wallet_login(page)
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page, defect=defect)
    expect(page.get_by_role("alert")).to_have_text(str(MESSAGES[DEFECT_REASONS[defect]]))
    if defect is Defect.WRONG_NONCE:
        assert_accessible(page, "the wallet page with a refusal")
    page.get_by_role("button", name="Erneut versuchen").click()
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page)
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_a_15_year_old_cannot_upgrade_to_plus_with_the_wallet_but_an_adult_can(page: Page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    page.goto("/mein-bereich/upgrade")
    assert_accessible(page, "the upgrade page with the wallet")
    page.get_by_role("button", name="Mit EUDI-Wallet").click()
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page, UNDER_16)
    expect(page.get_by_role("alert")).to_contain_text("mindestens 16 Jahre alt")
    assert_accessible(page, "the wallet refusal page")
    page.get_by_role("link", name="Erneut versuchen").click()
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page, ADULT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    # Logged out; the wallet now logs in to the Plus account.
    open_wallet_login(page)
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page)
    expect(page).to_have_url(path_is("/mein-bereich"))
    shown = summary(page)
    assert shown["Kontoart"] == "Servicekonto Plus" and shown["Vorname"] == "ERIKA"
    assert shown["Vertrauensniveau dieser Anmeldung"] == "hoch"
    page.goto("/mein-bereich/upgrade")
    assert_accessible(page, "the upgrade page of a Plus account with the wallet")
    page.get_by_role("button", name="Anmeldung mit EUDI-Wallet deaktivieren").click()
    expect(page.get_by_role("status").first).to_contain_text("Die Anmeldung mit der EUDI-Wallet ist deaktiviert.")


def on_the_other_device(browser, link: str, pid_id: str = ADULT) -> None:
    """Open the QR code's content in another browser (the phone) and answer there."""
    phone = browser.new_context(locale="de-DE")
    try:
        wallet = phone.new_page()
        wallet.goto(link)
        answer_in_wallet(wallet, pid_id)
        expect(wallet.get_by_role("status")).to_contain_text("Kehren Sie zum Browser zurück")
    finally:
        phone.close()


def through_the_wallet(browser, page: Page, device: str, pid_id: str = ADULT) -> None:
    """Answer the wallet page's request on this device (its link) or on another (its QR code)."""
    if device == "same device":
        page.get_by_role("link", name="Wallet öffnen").click()
        answer_in_wallet(page, pid_id)
    else:
        on_the_other_device(browser, page.get_by_role("link", name="Inhalt des QR-Codes als Link").get_attribute("href"),
                            pid_id)


DEVICES = ["same device", "other device"]


@pytest.mark.parametrize("device", DEVICES)
def test_register_plus_with_the_wallet_and_log_in_with_it(browser, page: Page, mailbox, device):
    page.goto("/registrierung")
    page.get_by_role("link", name="Mit EUDI-Wallet registrieren").click()
    expect(field(page, "Vorname")).to_have_count(0)
    assert_accessible(page, "registration with the EUDI-Wallet")
    field(page, "E-Mail-Adresse").fill("erika@example.org")
    field(page, "Passwort").fill(PASSWORD)
    field(page, "Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Weiter mit EUDI-Wallet").click()
    through_the_wallet(browser, page, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Angaben prüfen")
    data = page.locator("#ausweisdaten")
    expect(data).to_contain_text("ERIKA")
    expect(data).to_contain_text("GABLER")
    assert_accessible(page, "overview with the PID's data")
    create_account_on_overview(page)
    link = next(x for x in mailbox.wait_for("erika@example.org", "Aktivieren").links()
                if "/registrierung/aktivieren/" in x)
    page.goto(link)
    page.get_by_role("button", name=re.compile("aktivieren", re.I)).click()
    shown = summary(page)
    assert shown["Kontoart"] == "Servicekonto Plus" and shown["Vorname"] == "ERIKA"


@pytest.mark.parametrize("device", DEVICES)
def test_step_up_to_hoch_with_the_wallet_inside_an_online_services_request(browser, page: Page, make_account, link_pid,
                                                                             demo_service, device):
    link_pid(make_account(), ADULT)
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Anmelden mit Vertrauensniveau „hoch“").click()
    submit_login_form(page, "erika@example.org", ACCOUNT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    assert_accessible(page, "the step-up page with the wallet")
    page.get_by_role("link", name="Mit EUDI-Wallet fortfahren").click()
    through_the_wallet(browser, page, device)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.locator("#id-token [data-claim=loa]")).to_have_text("hoch")
    expect(page.locator("#id-token [data-claim=amr]")).to_contain_text("eudi_wallet")
    expect(page.locator("#userinfo [data-claim=verified_claims]")).to_contain_text("EUDI-Wallet")


def test_upgrade_to_plus_with_the_wallet_on_another_device(browser, page: Page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    page.goto("/mein-bereich/upgrade")
    page.get_by_role("button", name="Mit EUDI-Wallet").click()
    through_the_wallet(browser, page, "other device")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")


def test_a_plus_account_synchronises_its_data_with_the_wallet_and_stays_logged_in(app, page: Page, make_account,
                                                                                   link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    moved_away(app, account_id)
    log_in_to_mein_bereich(page)
    assert summary(page)["Anschrift"] == "ALTE GASSE 3, 10115 BERLIN"
    page.goto("/mein-bereich/upgrade")
    assert_accessible(page, "the upgrade page of a Plus account with the wallet linked")
    page.get_by_role("button", name="Daten mit EUDI-Wallet synchronisieren").click()
    page.get_by_role("link", name="Wallet öffnen").click()
    answer_in_wallet(page)
    expect(page).to_have_url(path_is("/mein-bereich/upgrade"))
    expect(page.get_by_role("status").first).to_contain_text("Ihre Daten wurden mit Ihrer EUDI-Wallet synchronisiert.")
    assert_accessible(page, "the upgrade page after the sync with the wallet")
    page.get_by_role("link", name="Zurück zu Mein Bereich").click()
    shown = summary(page)
    assert shown["Anschrift"] == "HEIDESTRASSE 17, 51147 KÖLN" and shown["Kontoart"] == "Servicekonto Plus"
