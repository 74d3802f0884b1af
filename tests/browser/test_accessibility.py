"""axe-core (WCAG 2.1 A and AA rules) finds nothing on the IdP's pages, in the states a
user meets them: empty, with errors, logged in and logged out."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from idp import timeutil
from tests.browser.support import (assert_accessible, authorization_url, create_account_on_overview, fill_registration,
                                   log_in, path_is, submit_login_form)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path, heading", [
    ("/", "Ihr Servicekonto"),
    ("/anmelden", "Anmelden"),
    ("/registrierung", "Servicekonto registrieren"),
    ("/passwort-vergessen", "Passwort vergessen?"),
    ("/anmelden/servicekonto", "Mit anderem Servicekonto anmelden"),
    ("/sitzung-abgelaufen", "Sitzung abgelaufen"),
    ("/gibt-es-nicht", "Seite nicht gefunden"),
    ("/registrierung/aktivieren/unbekannt", "Servicekonto aktivieren"),
    ("/authorize?client_id=unbekannt&response_type=code&scope=openid", "Die Anfrage des Online-Dienstes ist ungültig"),
])
def test_anonymous_pages(page: Page, path, heading):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page, heading)


def test_login_page_with_errors(page: Page):
    page.goto("/anmelden")
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.locator("#email-fehler")).to_be_visible()
    assert_accessible(page, "Anmelden mit leeren Feldern")

    submit_login_form(page, "niemand@example.org", "Falsch-1234")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "Anmelden mit falschem Passwort")


def test_registration_pages(page: Page, mailbox):
    page.goto("/registrierung")
    fill_registration(page, given_name="", email="kaputt@", password="kurz", repeat="anders")
    expect(page.locator("#given_name-fehler")).to_be_visible()
    expect(page.locator("#email-fehler")).to_be_visible()
    expect(page.locator("#password-fehler")).to_be_visible()
    assert_accessible(page, "Registrierung mit Fehlern")

    fill_registration(page, password="Sonnenblume-42", repeat="Sonnenblume-43")
    expect(page.locator("#password_repeat-fehler")).to_be_visible()
    assert_accessible(page, "Registrierung mit abweichender Wiederholung")

    fill_registration(page, salutation="Divers", title="Dr.")
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    assert_accessible(page, "Übersicht")

    page.get_by_role("button", name="Servicekonto anlegen").click()
    expect(page.locator("#consent-fehler")).to_be_visible()
    assert_accessible(page, "Übersicht ohne Einwilligung")

    page.get_by_role("button", name="Zurück").click()
    expect(page.get_by_text("Sie haben bereits ein Passwort festgelegt.")).to_be_visible()
    assert_accessible(page, "Registrierung nach „Zurück“")

    page.get_by_role("button", name="Weiter").click()
    create_account_on_overview(page)
    assert_accessible(page, "E-Mail gesendet")

    mail = mailbox.wait_for("erika@example.org", "Aktivieren")
    link = next(link for link in mail.links() if "/registrierung/aktivieren/" in link)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto aktivieren")
    assert_accessible(page, "Aktivierung")

    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("status")).to_contain_text("aktiviert")
    assert_accessible(page, "Mein Bereich nach der Aktivierung")

    page.goto(link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivierung nicht möglich")
    assert_accessible(page, "Aktivierung nicht möglich")


def test_logged_in_pages(page: Page, make_account, make_client):
    make_account(given_name="Jürgen", family_name="Groß")
    rp = make_client(name="Wohngeld online")
    strict = make_client(name="Führungszeugnis online", redirect_uri="http://127.0.0.1:9/strict",
                         min_loa="substanziell")

    # The login page as an online service sends the browser to it.
    page.goto(authorization_url(rp))
    expect(page).to_have_url(path_is("/anmelden"))
    expect(page.get_by_text("Der Online-Dienst „Wohngeld online“ bittet Sie")).to_be_visible()
    assert_accessible(page, "Anmelden für einen Online-Dienst")

    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page).to_have_url(re.compile(r"/anfrage/[^/]+/zustimmung$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Wohngeld online“")
    expect(page.locator("table.kern-table")).to_contain_text("Jürgen")
    assert_accessible(page, "Zustimmung")

    page.goto(authorization_url(strict))
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    assert_accessible(page, "Höheres Vertrauensniveau")

    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    assert_accessible(page, "Mein Bereich")

    page.goto("/abmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Abmelden")
    assert_accessible(page, "Abmelden bestätigen")

    # RP-initiated logout without id_token_hint asks first, naming the service.
    page.goto("/logout?" + urlencode({"client_id": rp.client_id}))
    expect(page.get_by_role("main")).to_contain_text("Der Online-Dienst „Wohngeld online“ möchte Sie abmelden.")
    assert_accessible(page, "Abmelden auf Wunsch eines Online-Dienstes")
    page.get_by_role("main").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")
    expect(page.get_by_role("status")).to_contain_text("„Wohngeld online“")
    assert_accessible(page, "Abgemeldet")


def test_session_expired_page_after_timeout(page: Page, make_account):
    make_account()
    log_in(page)
    timeutil.travel(timedelta(minutes=25))
    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitzung abgelaufen")
    assert_accessible(page, "Sitzung abgelaufen")


def test_the_check_itself_finds_violations(page: Page):
    """Guard for the tests above: the axe run sees what it is meant to see."""
    from tests.browser.support import axe_violations

    page.goto("/anmelden")
    page.evaluate("""() => {
        const input = document.createElement('input');
        input.type = 'text';
        document.querySelector('main').appendChild(input);
        const low = document.createElement('p');
        low.textContent = 'kaum lesbar';
        low.style.color = '#bbbbbb';
        document.querySelector('main').appendChild(low);
    }""")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "color-contrast"} <= found, found


LONG_EMAIL = "erika.mustermann.schmidt.langername@stadtverwaltung.beispielhausen.example.org"


def test_pages_reflow_at_320_css_pixels(browser, live_server, make_account, make_client):
    """WCAG 2.1 SC 1.4.10 (which axe cannot check): at 320 CSS pixels wide nothing
    needs scrolling sideways, even with a long e-mail address on the page."""
    make_account(email=LONG_EMAIL)
    rp = make_client(name="Wohngeld online")
    context = browser.new_context(locale="de-DE", base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = []

    def check(what):
        # After a form post only the URL is awaited; measure once the stylesheet applies.
        page.wait_for_load_state("load")
        scroll_width, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > width:
            too_wide.append(f"{what}: {scroll_width}px content in a {width}px window")

    try:
        for path in ("/", "/anmelden", "/registrierung", "/passwort-vergessen", "/sitzung-abgelaufen",
                     "/gibt-es-nicht"):
            page.goto(path)
            check(path)
        page.goto("/registrierung")
        fill_registration(page, email=LONG_EMAIL + "x", password="kurz")
        check("Registrierung mit Fehlern")
        fill_registration(page, email="neu." + LONG_EMAIL)
        expect(page).to_have_url(path_is("/registrierung/uebersicht"))
        check("Übersicht")
        log_in(page, LONG_EMAIL, "ABab1234")
        expect(page).to_have_url(path_is("/mein-bereich"))
        check("Mein Bereich")
        page.goto(authorization_url(rp))
        expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
        check("Zustimmung")
        page.goto("/abmelden")
        check("Abmelden")
    finally:
        context.close()
    assert not too_wide, "\n".join(too_wide)


def test_login_with_the_keyboard_alone(page: Page, make_account):
    """WCAG 2.1.1 and 2.4.7, which axe cannot check: the skip link comes first and
    shows when focused, focus is visible, and the form works without a mouse."""
    make_account()
    page.goto("/anmelden")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"skip link off screen when focused: {box}"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    email = page.get_by_label("E-Mail-Adresse", exact=True)
    expect(email).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("erika@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passwort", exact=True)).to_be_focused()
    page.keyboard.type("ABab1234")
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_is("/mein-bereich"))
