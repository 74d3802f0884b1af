"""The citizen's pages in English and on KERN UX, as a person meets them: English by the
service's `ui_locales` and by the switch, no German left on an English page (checked
against the message catalogue), axe-core in both languages and at 200 % zoom, and
registration and login with the keyboard alone."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, authorization_url, path_is
from tests.support.languages import check_english, switch_to

pytestmark = pytest.mark.browser

PASSWORD = "Sonnenblume-42"


def fill_registration_in_english(page: Page, email: str) -> None:
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))


def test_english_by_ui_locales_through_registration_consent_and_mein_bereich(page: Page, mailbox, make_client):
    rp = make_client(name="Wohngeld online")
    found: dict[str, list[str]] = {}
    page.goto(authorization_url(rp, ui_locales="en"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_english(page, "login for a service", found)

    page.locator("main").get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a Servicekonto")
    expect(page.locator(".steps")).to_have_text("Step 1 of 2: Your details")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#given_name-fehler")).to_have_text("Error: Please enter your first name.")
    check_english(page, "registration with errors", found)

    fill_registration_in_english(page, "erika@example.org")
    expect(page.locator(".steps")).to_have_text("Step 2 of 2: Overview and consent")
    check_english(page, "overview", found)
    page.get_by_label(re.compile("I consent to the data processing")).check()
    page.get_by_role("button", name="Create Servicekonto").click()
    expect(page).to_have_url(path_is("/registrierung/gesendet"))
    check_english(page, "mail sent", found)

    mail = mailbox.wait_for("erika@example.org", "Activate your Servicekonto")
    assert mail.body.startswith("Dear Erika Mustermann,")
    page.goto(next(link for link in mail.links() if "/registrierung/aktivieren/" in link))
    check_english(page, "activation", found)
    page.get_by_role("button", name="Activate Servicekonto").click()
    expect(page.get_by_role("button", name="Agree")).to_be_visible()
    check_english(page, "consent", found)

    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    check_english(page, "Mein Bereich", found)
    for path in ("/mein-bereich/profil", "/mein-bereich/passwort", "/mein-bereich/e-mail",
                 "/mein-bereich/datenzugriff", "/mein-bereich/loeschen", "/mein-bereich/upgrade",
                 "/mein-bereich/upgrade/meldebehoerde"):
        page.goto(path)
        check_english(page, path, found)
    assert not found, f"German left on English pages: {found}"


def test_english_by_the_switch_is_remembered(page: Page, make_account):
    make_account()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Servicekonto")
    switch_to(page, "English")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your Servicekonto")
    expect(page).to_have_url(path_is("/"))

    page.get_by_role("link", name="Log in", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("E-mail address", exact=True).fill("erika@example.org")
    page.get_by_label("Password", exact=True).fill("ABab1234")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.locator("dl.summary")).to_contain_text("low")

    switch_to(page, "Deutsch")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_anonymous_pages_in_english_have_no_german_and_pass_axe(browser, live_server):
    # The browser asks for English (Accept-Language).
    context = browser.new_context(locale="en-GB", base_url=live_server)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for path in ("/", "/anmelden", "/registrierung", "/registrierung?mit=ausweis", "/passwort-vergessen",
                     "/sitzung-abgelaufen", "/gibt-es-nicht", "/registrierung/aktivieren/unbekannt",
                     "/passwort-vergessen/neu/unbekannt", "/authorize?client_id=unbekannt&response_type=code"):
            page.goto(path)
            check_english(page, path, found)
        page.goto("/anmelden")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("alert")).to_have_text("Please correct the marked entries.")
        check_english(page, "login with errors", found)
    finally:
        context.close()
    assert not found, f"German left on English pages: {found}"


@pytest.mark.parametrize("locale", ["de-DE", "en-GB"])
def test_pages_at_200_percent_zoom(browser, live_server, make_account, locale):
    """A 640-px-wide window is a 1280-px screen at 200 % (BITV 2.0 / WCAG 1.4.4)."""
    make_account()
    context = browser.new_context(locale=locale, base_url=live_server, viewport={"width": 640, "height": 800})
    page = context.new_page()
    try:
        for path in ("/", "/anmelden", "/registrierung", "/passwort-vergessen"):
            page.goto(path)
            assert_accessible(page, f"{path} at 640 px ({locale})")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        page.goto("/anmelden")
        page.locator("#email").fill("erika@example.org")
        page.locator("#password").fill("ABab1234")
        page.locator("#password").press("Enter")
        expect(page).to_have_url(path_is("/mein-bereich"))
        for path in ("/mein-bereich", "/mein-bereich/profil", "/mein-bereich/datenzugriff"):
            page.goto(path)
            assert_accessible(page, f"{path} at 640 px ({locale})")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    finally:
        context.close()


def tab_to(page: Page, locator, limit: int = 40) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never got the focus with Tab")


def test_registration_and_login_with_the_keyboard_alone(page: Page, mailbox):
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Registrieren").first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_is("/registrierung"))
    for label, text in (("Vorname", "Erika"), ("Nachname", "Mustermann"), ("E-Mail-Adresse", "tasten@example.org"),
                        ("Passwort", PASSWORD), ("Passwort wiederholen", PASSWORD)):
        tab_to(page, page.get_by_label(label, exact=True))
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    consent = page.get_by_label(re.compile("Datenverarbeitung"))
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Servicekonto anlegen"))
    page.keyboard.press("Space")
    expect(page).to_have_url(path_is("/registrierung/gesendet"))

    mail = mailbox.wait_for("tasten@example.org", "Aktivieren")
    page.goto(next(link for link in mail.links() if "/registrierung/aktivieren/" in link))
    tab_to(page, page.get_by_role("button", name="Servicekonto aktivieren"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    tab_to(page, page.get_by_role("button", name="Abmelden"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("abgemeldet|Abmelden"))
    if page.get_by_role("heading", level=1, name="Abmelden").count():
        tab_to(page, page.get_by_role("button", name="Abmelden").last)
        page.keyboard.press("Enter")

    page.goto("/anmelden")
    tab_to(page, page.get_by_label("E-Mail-Adresse", exact=True))
    page.keyboard.type("tasten@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Anmelden", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")


def test_progress_is_shown_while_the_ausweisapp_works(page: Page):
    """The eID-Client answers the browser only when the card has been read, so the page
    stays; meanwhile it shows KERN's loader and says what happens (a live region)."""
    # "No content" keeps the browser on the page, as the waiting AusweisApp does.
    page.route(re.compile(r"/anmelden/eid"), lambda route: route.fulfill(status=204))
    page.goto("/anmelden")
    progress = page.locator("#eid-fortschritt")
    expect(progress).to_be_hidden()
    page.get_by_role("link", name="Mit Online-Ausweisfunktion").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("AusweisApp wird gestartet"))
    expect(progress.locator(".kern-loader")).to_be_visible()
    assert_accessible(page, "Anmelden, AusweisApp gestartet")
