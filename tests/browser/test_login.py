"""Login, logout and the ends of a session as the user sees them (SPEC §2, §3)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from idp import timeutil
from idp.loa import Level
from tests.browser.support import assert_accessible, field_error, log_in, path_is, submit_login_form

pytestmark = pytest.mark.browser

WRONG = "E-Mail-Adresse oder Passwort ist nicht korrekt."


def nav(page: Page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def expect_logged_out(page: Page) -> None:
    expect(nav(page).get_by_role("link", name="Anmelden")).to_be_visible()
    expect(nav(page).get_by_role("button", name="Abmelden")).to_have_count(0)
    page.goto("/mein-bereich")
    expect(page).to_have_url(path_is("/anmelden"))


def test_login_page_offers_what_the_spec_names(page: Page):
    page.goto("/anmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_be_visible()
    expect(page.get_by_label("Passwort", exact=True)).to_have_attribute("type", "password")
    main = page.get_by_role("main")
    for link in ("Passwort vergessen?", "Mit Online-Ausweisfunktion", "Mit anderem Servicekonto anmelden",
                 "Registrieren", "Organisation registrieren"):
        expect(main.get_by_role("link", name=link, exact=True)).to_be_visible()


def test_login_and_logout(page: Page, make_account):
    make_account()
    log_in(page, "Erika@Example.org", "ABab1234")
    expect(page).to_have_url(path_is("/mein-bereich"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    expect(page.locator("dl.summary")).to_contain_text("erika@example.org")
    expect(page.locator("dl.summary")).to_contain_text("niedrig")

    nav(page).get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")
    expect(page.get_by_role("status")).to_contain_text("Ihre Sitzung wurde beendet")
    expect_logged_out(page)


def test_logout_link_asks_before_ending_the_session(page: Page, make_account):
    make_account()
    log_in(page)
    page.goto("/abmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Abmelden")
    page.get_by_role("link", name="Angemeldet bleiben").click()
    expect(page).to_have_url(path_is("/mein-bereich"))

    page.goto("/abmelden")
    page.get_by_role("main").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")
    expect_logged_out(page)


def test_protected_page_returns_after_login(page: Page, make_account):
    make_account()
    page.goto("/mein-bereich")
    expect(page).to_have_url(path_is("/anmelden"))
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page).to_have_url(path_is("/mein-bereich"))


@pytest.mark.parametrize("email", ["erika@example.org", "niemand@example.org"])
def test_wrong_password_shows_a_clear_message(page: Page, make_account, email):
    make_account()
    page.goto("/anmelden")
    submit_login_form(page, email, "Falsch-1234")

    expect(page).to_have_url(path_is("/anmelden"))
    alert = page.get_by_role("alert")
    # The same words whether or not the address has an account (SPEC §3).
    expect(alert).to_have_text(WRONG)
    # The message stands right before the login form, inside the main content.
    assert page.locator("main .kern-alert + .cards form").count() == 1
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    expect(page.get_by_label("Passwort", exact=True)).to_have_value("")
    expect_logged_out(page)


def test_empty_login_form_asks_for_each_field(page: Page):
    page.goto("/anmelden")
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(field_error(page, "email")).to_have_text(re.compile("Bitte geben Sie Ihre E-Mail-Adresse ein."))
    expect(field_error(page, "password")).to_have_text(re.compile("Bitte geben Sie Ihr Passwort ein."))
    expect(page.get_by_label("Passwort", exact=True)).to_have_attribute("aria-invalid", "true")


def test_repeated_failures_make_an_unknown_browser_wait(page: Page, make_account):
    make_account()
    page.goto("/anmelden")
    for _ in range(5):
        submit_login_form(page, "erika@example.org", "Falsch-1234")
        expect(page.get_by_role("alert")).to_have_text(WRONG)
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page.get_by_role("alert")).to_contain_text(re.compile(
        r"Zu viele fehlgeschlagene Anmeldeversuche\. .* ab \d\d:\d\d Uhr wieder möglich \(in 1 Minute\)"))
    expect_logged_out(page)

    timeutil.travel(timedelta(minutes=2))
    log_in(page)
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_inactive_session_ends_on_sitzung_abgelaufen(page: Page, make_account):
    make_account()
    log_in(page)
    expect(page).to_have_url(path_is("/mein-bereich"))

    # Activity keeps the session: 2 × 15 minutes with a page in between.
    timeutil.travel(timedelta(minutes=15))
    page.goto("/mein-bereich")
    timeutil.travel(timedelta(minutes=30))
    page.reload()
    expect(page).to_have_url(path_is("/mein-bereich"))

    # 20 minutes without activity end it (SPEC §2).
    timeutil.travel(timedelta(minutes=51))
    page.goto("/mein-bereich")
    expect(page).to_have_url(path_is("/sitzung-abgelaufen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitzung abgelaufen")
    expect(page.get_by_role("status")).to_contain_text("automatisch abgemeldet")
    expect(nav(page).get_by_role("link", name="Anmelden")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Erneut anmelden").click()
    expect(page).to_have_url(path_is("/anmelden"))
    expect(nav(page).get_by_role("button", name="Abmelden")).to_have_count(0)
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_substanziell_session_ends_after_two_hours_despite_activity(page: Page, make_account):
    make_account(level=Level.SUBSTANZIELL)
    log_in(page)
    expect(page.locator("dl.summary")).to_contain_text("Servicekonto Plus")
    expect(page.locator("dl.summary")).to_contain_text("substanziell")

    # Active every 15 minutes, the last time just before 2 h (SPEC §2: substanziell 2 h total).
    for minutes in (15, 30, 45, 60, 75, 90, 105, 119):
        timeutil.travel(timedelta(minutes=minutes))
        page.goto("/mein-bereich")
        expect(page).to_have_url(path_is("/mein-bereich"))
    timeutil.travel(timedelta(minutes=121))
    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitzung abgelaufen")


def test_expired_session_keeps_nothing_half_submitted(page: Page, make_account, make_client):
    """A consent page left open past the limit: "Zustimmen" leads to "Sitzung
    abgelaufen", and no consent is stored."""
    make_account()
    rp = make_client(name="Bürgerbüro online")
    log_in(page)
    page.goto("/authorize?" + "&".join([
        "response_type=code", f"client_id={rp.client_id}", f"redirect_uri={rp.redirect_uri}",
        "scope=openid%20email", "state=abc", "nonce=n"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Bürgerbüro online“")

    timeutil.travel(timedelta(minutes=21))
    page.get_by_role("button", name="Zustimmen").click()
    expect(page).to_have_url(path_is("/sitzung-abgelaufen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitzung abgelaufen")

    page.get_by_role("main").get_by_role("link", name="Erneut anmelden").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.goto("/authorize?" + "&".join([
        "response_type=code", f"client_id={rp.client_id}", f"redirect_uri={rp.redirect_uri}",
        "scope=openid%20email", "state=abc", "nonce=n"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Bürgerbüro online“")


def test_plus_account_gets_substanziell_at_online_service(page: Page, make_account, demo_service):
    make_account(email="max@example.org", given_name="Max", level=Level.SUBSTANZIELL)
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    expect(page).to_have_url(path_is("/anmelden"))
    submit_login_form(page, "max@example.org", "ABab1234")
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Demo-Online-Dienst“")
    expect(page.locator("table.kern-table")).to_contain_text("substanziell")
    page.get_by_role("button", name="Zustimmen").click()

    expect(page).to_have_url(demo_service + "/")
    expect(page.locator("#id-token [data-claim=loa]")).to_have_text("substanziell")
    expect(page.locator("#id-token [data-claim=acr]")).to_have_text("http://eidas.europa.eu/LoA/substantial")
    expect(page.locator("#userinfo [data-claim=given_name]")).to_have_text("Max")
    expect(page.locator("#userinfo [data-claim=email]")).to_have_text("max@example.org")

    page.get_by_role("button", name="Beim Online-Dienst abmelden").click()
    expect(page).to_have_url(demo_service + "/")
    page.goto("/")
    expect_logged_out(page)


def test_declining_consent_tells_the_online_service(page: Page, make_account, demo_service):
    make_account()
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Ablehnen").click()
    expect(page).to_have_url(re.compile("^" + re.escape(demo_service) + r"/\?error=access_denied"))
    expect(page.get_by_role("alert")).to_contain_text("access_denied")
    expect(page.locator("#id-token")).to_have_count(0)


def test_cancelling_the_login_tells_the_online_service(page: Page, demo_service):
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    expect(page).to_have_url(path_is("/anmelden"))
    expect(page.get_by_role("main")).to_contain_text(
        "Der Online-Dienst „Demo-Online-Dienst“ bittet Sie, sich mit Ihrem Servicekonto anzumelden.")
    assert_accessible(page, "login page for an online service")
    page.get_by_role("button", name="Abbrechen und zurück zum Online-Dienst").click()
    expect(page).to_have_url(re.compile("^" + re.escape(demo_service) + r"/\?error=access_denied"))
    expect(page.get_by_role("alert")).to_contain_text("access_denied")
    expect(page.locator("#id-token")).to_have_count(0)


def test_service_requiring_hoch_shows_step_up(page: Page, make_account, demo_service):
    make_account()
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Anmelden mit Vertrauensniveau „hoch“").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page).to_have_url(re.compile(r"/anfrage/[^/]+/vertrauensniveau$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    expect(page.get_by_role("status")).to_contain_text("„hoch“")
    expect(page.get_by_role("status")).to_contain_text("„niedrig“")
    expect(page.get_by_role("main")).to_contain_text("Online-Ausweisfunktion")
    page.get_by_role("button", name="Zurück zum Online-Dienst").click()
    expect(page).to_have_url(re.compile("^" + re.escape(demo_service) + r"/\?error=unmet_authentication_requirements"))
