""""Passwort vergessen?" and "Passwort ändern" in the browser (SPEC §3 "Login,
logout, password"), with the mails read from the SMTP server."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from idp import timeutil
from tests.browser.relying_party import check_logout_token, code_flow
from tests.browser.support import ACCOUNT_PASSWORD, assert_accessible, field, log_in_to_mein_bereich, try_log_in

pytestmark = pytest.mark.browser

EMAIL = "erika@example.org"
NEW_PASSWORD = "Neu!Pass99"
SENT = ("Wenn zu {} ein Servicekonto besteht, haben wir einen Link zum Zurücksetzen des Passworts an diese "
        "Adresse gesendet. Der Link ist eine Stunde gültig und kann nur einmal verwendet werden.")


@pytest.fixture
def second_browser(browser, live_server):
    """Another browser (its own cookies) of the same person."""
    context = browser.new_context(locale="de-DE", base_url=live_server)
    yield context.new_page()
    context.close()


def request_reset_link(page, email: str) -> None:
    page.goto("/anmelden")
    page.get_by_role("link", name="Passwort vergessen?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort vergessen?")
    field(page, "E-Mail-Adresse").fill(email)
    page.get_by_role("button", name="Link anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")


def set_new_password(page, password: str, repeat: str | None = None, button: str = "Passwort speichern") -> None:
    field(page, "Neues Passwort").fill(password)
    field(page, "Neues Passwort wiederholen").fill(password if repeat is None else repeat)
    page.get_by_role("button", name=button).click()


def test_password_reset_by_mail_ends_every_other_session(page, second_browser, make_account, mailbox):
    make_account()
    log_in_to_mein_bereich(second_browser)

    request_reset_link(page, EMAIL)
    expect(page.get_by_role("status")).to_have_text(SENT.format(EMAIL))
    assert_accessible(page, "Passwort vergessen: sent")
    mail = mailbox.wait_for(EMAIL, "Passwort zurücksetzen")
    assert "Der Link ist 60 Minuten gültig" in " ".join(mail.body.split())
    page.goto(mail.links()[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Neues Passwort festlegen")
    assert_accessible(page, "Neues Passwort festlegen")

    # The password policy applies.
    set_new_password(page, "kurz")
    expect(field(page, "Neues Passwort")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Bitte korrigieren Sie die markierten Angaben.")
    assert_accessible(page, "Neues Passwort festlegen with errors")
    set_new_password(page, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    expect(field(page, "Neues Passwort wiederholen")).to_have_accessible_description(
        re.compile("Die Passwörter stimmen nicht überein."))

    set_new_password(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort geändert")
    expect(page.get_by_role("status")).to_contain_text("Alle anderen Sitzungen Ihres Servicekontos wurden beendet.")
    assert_accessible(page, "Passwort geändert")
    mailbox.wait_for(EMAIL, "Ihr Passwort wurde geändert")

    # The other browser is logged out.
    second_browser.reload()
    expect(second_browser.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(second_browser.get_by_role("link", name="Mein Bereich")).to_have_count(0)

    assert not try_log_in(page, EMAIL, ACCOUNT_PASSWORD)
    assert try_log_in(page, EMAIL, NEW_PASSWORD)


def test_reset_link_works_only_once(page, make_account, mailbox):
    make_account()
    request_reset_link(page, EMAIL)
    link = mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links()[0]
    page.goto(link)
    set_new_password(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort geändert")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort zurücksetzen")
    expect(page.get_by_role("alert")).to_have_text(
        "Dieser Link wurde bereits verwendet. Fordern Sie bei Bedarf einen neuen Link an.")
    assert_accessible(page, "link failed (password reset)")
    expect(page.get_by_role("button", name="Passwort speichern")).to_have_count(0)
    page.get_by_role("link", name="Neuen Link anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort vergessen?")
    assert try_log_in(page, EMAIL, NEW_PASSWORD)


def test_reset_link_expires_after_one_hour(page, make_account, mailbox):
    make_account()
    request_reset_link(page, EMAIL)
    link = mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links()[0]

    timeutil.travel(timedelta(minutes=59))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Neues Passwort festlegen")

    timeutil.travel(timedelta(hours=1, seconds=1))
    set_new_password(page, NEW_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(
        "Dieser Link ist abgelaufen: Er ist nur eine Stunde gültig. Bitte fordern Sie einen neuen Link an.")
    assert not try_log_in(page, EMAIL, NEW_PASSWORD)
    assert try_log_in(page, EMAIL, ACCOUNT_PASSWORD)


def test_a_newer_reset_link_replaces_the_older_one(page, make_account, mailbox):
    make_account()
    request_reset_link(page, EMAIL)
    first = mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links()[0]
    mailbox.clear()
    request_reset_link(page, EMAIL)
    second = mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links()[0]
    assert first != second
    page.goto(first)
    expect(page.get_by_role("alert")).to_contain_text("bereits verwendet")
    page.goto(second)
    expect(page.get_by_role("heading", level=1)).to_have_text("Neues Passwort festlegen")


def test_unknown_address_gets_the_same_answer_and_no_mail(page, make_account, mailbox):
    make_account()
    page.goto("/passwort-vergessen")
    assert_accessible(page, "Passwort vergessen?")
    request_reset_link(page, "niemand@example.org")
    unknown = page.get_by_role("main").inner_text()
    request_reset_link(page, EMAIL)
    known = page.get_by_role("main").inner_text()
    assert unknown.replace("niemand@example.org", EMAIL) == known
    expect(page.get_by_role("status")).to_have_text(SENT.format(EMAIL))
    # Mail leaves the outbox in order: had the unknown address got one, it came first.
    mailbox.wait_for(EMAIL, "Passwort zurücksetzen")
    assert [m.to for m in mailbox.mails] == [[EMAIL]]


def test_reset_request_checks_the_address_syntax(page):
    page.goto("/passwort-vergessen")
    field(page, "E-Mail-Adresse").fill("erika.example.org")
    page.get_by_role("button", name="Link anfordern").click()
    expect(field(page, "E-Mail-Adresse")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "E-Mail-Adresse")).to_have_value("erika.example.org")
    assert_accessible(page, "Passwort vergessen? with errors")


def test_password_change_needs_the_current_password_and_ends_other_sessions(
        page, second_browser, make_account, mailbox):
    make_account()
    log_in_to_mein_bereich(second_browser)
    log_in_to_mein_bereich(page)
    page.get_by_role("link", name="Passwort ändern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort ändern")
    assert_accessible(page, "Passwort ändern")

    field(page, "Aktuelles Passwort").fill("Falsch!123")
    set_new_password(page, NEW_PASSWORD, button="Passwort ändern")
    expect(field(page, "Aktuelles Passwort")).to_have_accessible_description(
        re.compile("Das Passwort ist nicht korrekt."))
    assert_accessible(page, "Passwort ändern with errors")
    # Password fields are never filled in again.
    expect(field(page, "Neues Passwort")).to_have_value("")

    field(page, "Aktuelles Passwort").fill(ACCOUNT_PASSWORD)
    set_new_password(page, NEW_PASSWORD, button="Passwort ändern")
    expect(page.get_by_role("status")).to_have_text(
        "Ihr Passwort wurde geändert. Alle anderen Sitzungen wurden beendet.")
    mailbox.wait_for(EMAIL, "Ihr Passwort wurde geändert")

    # This browser stays logged in, the other one is logged out.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    second_browser.goto("/mein-bereich")
    expect(second_browser.get_by_role("heading", level=1)).to_have_text("Anmelden")

    assert not try_log_in(second_browser, EMAIL, ACCOUNT_PASSWORD)
    assert try_log_in(second_browser, EMAIL, NEW_PASSWORD)


def test_password_reset_logs_the_other_sessions_out_of_online_services(
        page, second_browser, live_server, make_account, make_client, relying_party, mailbox):
    make_account()
    client = make_client(relying_party.redirect_uri, backchannel_logout_uri=relying_party.backchannel_logout_uri)
    log_in_to_mein_bereich(second_browser)
    tokens = code_flow(second_browser, live_server, client, relying_party)

    request_reset_link(page, EMAIL)
    page.goto(mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links()[0])
    set_new_password(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort geändert")

    check_logout_token(relying_party.wait_for_logout(), live_server, client.client_id, tokens.id_claims)


def test_password_change_keeps_the_services_of_this_session(
        page, second_browser, live_server, make_account, make_client, relying_party):
    make_account()
    client = make_client(relying_party.redirect_uri, backchannel_logout_uri=relying_party.backchannel_logout_uri)
    log_in_to_mein_bereich(page)
    mine = code_flow(page, live_server, client, relying_party)
    log_in_to_mein_bereich(second_browser)
    other = code_flow(second_browser, live_server, client, relying_party, consent=False)

    page.goto("/mein-bereich/passwort")
    field(page, "Aktuelles Passwort").fill(ACCOUNT_PASSWORD)
    set_new_password(page, NEW_PASSWORD, button="Passwort ändern")
    expect(page.get_by_role("status")).to_contain_text("Ihr Passwort wurde geändert.")

    # The logout tokens are sent before the page answers: only the other session's.
    check_logout_token(relying_party.wait_for_logout(), live_server, client.client_id, other.id_claims)
    assert len(relying_party.logouts) == 1
    assert requests.get(live_server + "/userinfo", headers={"Authorization": f"Bearer {mine.access_token}"},
                        timeout=5).status_code == 200
