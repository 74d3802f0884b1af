"""Changing the e-mail address (the username) in the browser, with the mails read
from the SMTP server (SPEC §3 "Account self-service")."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import ACCOUNT_PASSWORD, assert_accessible, field, log_in_to_mein_bereich, summary, try_log_in

pytestmark = pytest.mark.browser

OLD, NEW = "erika@example.org", "erika.neu@example.org"


def request_change(page, new: str, repeat: str | None = None):
    page.goto("/mein-bereich")
    page.get_by_role("link", name="E-Mail-Adresse ändern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse ändern")
    field(page, "Neue E-Mail-Adresse").fill(new)
    field(page, "Neue E-Mail-Adresse wiederholen").fill(new if repeat is None else repeat)
    page.get_by_role("button", name="Bestätigung versenden").click()


def can_log_in(browser, base_url: str, email: str, password: str = ACCOUNT_PASSWORD) -> bool:
    """Whether a login with these credentials works, tried in a browser of its own."""
    context = browser.new_context(locale="de-DE", base_url=base_url)
    try:
        return try_log_in(context.new_page(), email, password)
    finally:
        context.close()


def test_email_change_with_confirmation_by_the_old_address(page, browser, live_server, make_account, mailbox):
    make_account(email=OLD)
    log_in_to_mein_bereich(page, OLD)
    page.get_by_role("link", name="E-Mail-Adresse ändern").click()
    expect(page.get_by_role("main")).to_contain_text(f"Derzeit: {OLD}")
    assert_accessible(page, "E-Mail-Adresse ändern")

    request_change(page, NEW)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigung versendet")
    expect(page.get_by_role("status")).to_contain_text(f"an {NEW} gesendet")
    expect(page.get_by_role("status")).to_contain_text(OLD)
    assert_accessible(page, "Bestätigung versendet")

    confirmation = mailbox.wait_for(NEW, "Bestätigen Sie Ihre neue E-Mail-Adresse")
    notice = mailbox.wait_for(OLD, "Änderung Ihrer E-Mail-Adresse beantragt")
    assert "Bis dahin melden Sie sich wie gewohnt mit dieser Adresse an" in " ".join(notice.body.split())
    assert notice.links() == []  # the old mailbox gets no link that could confirm
    link = confirmation.links()[0]

    # Until the confirmation the old address is the username.
    page.get_by_role("link", name="Zurück zu Mein Bereich").click()
    expect(page.get_by_role("main")).to_contain_text(f"Die Änderung Ihrer E-Mail-Adresse auf {NEW} wartet")
    assert_accessible(page, "Mein Bereich with a pending e-mail change")
    page.get_by_role("link", name="E-Mail-Adresse ändern").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Eine Änderung auf {NEW} wartet auf Bestätigung. Eine neue Änderung ersetzt sie.")
    assert can_log_in(browser, live_server, OLD)
    assert not can_log_in(browser, live_server, NEW)

    # The link leads to a login with the old address and the password, in any browser.
    context = browser.new_context(locale="de-DE", base_url=live_server)
    other = context.new_page()
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Neue E-Mail-Adresse bestätigen")
    expect(other.get_by_role("main")).to_contain_text(f"Danach ist {NEW} Ihr Benutzername")
    assert_accessible(other, "Neue E-Mail-Adresse bestätigen")
    field(other, "Bisherige E-Mail-Adresse").fill(NEW)
    field(other, "Passwort").fill(ACCOUNT_PASSWORD)
    other.get_by_role("button", name="Anmelden und bestätigen").click()
    expect(other.get_by_role("alert")).to_have_text("E-Mail-Adresse oder Passwort ist nicht korrekt.")
    assert_accessible(other, "Neue E-Mail-Adresse bestätigen with an error")
    field(other, "Bisherige E-Mail-Adresse").fill(OLD)
    field(other, "Passwort").fill(ACCOUNT_PASSWORD)
    other.get_by_role("button", name="Anmelden und bestätigen").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse geändert")
    expect(other.get_by_role("status")).to_contain_text(f"{NEW} ist ab sofort Ihr Benutzername")
    assert_accessible(other, "E-Mail-Adresse geändert")
    other.get_by_role("link", name="Zu Mein Bereich").click()
    assert summary(other)["E-Mail-Adresse"] == NEW
    done = mailbox.wait_for(NEW, "Ihre E-Mail-Adresse wurde geändert")
    assert OLD in done.body

    # The link works once.
    other.goto(link)
    expect(other.get_by_role("alert")).to_have_text(
        "Dieser Bestätigungslink wurde bereits verwendet oder durch eine neuere Änderung ersetzt.")
    assert_accessible(other, "link failed (e-mail)")
    context.close()

    assert can_log_in(browser, live_server, NEW)
    assert not can_log_in(browser, live_server, OLD)
    page.goto("/mein-bereich")
    expect(page.get_by_role("main")).not_to_contain_text("wartet auf Ihre Bestätigung")


def test_new_address_must_be_repeated_and_differ(page, make_account, mailbox):
    make_account(email=OLD)
    log_in_to_mein_bereich(page, OLD)
    request_change(page, NEW, repeat="erika.neu@example.com")
    expect(field(page, "Neue E-Mail-Adresse wiederholen")).to_have_accessible_description(
        re.compile("Die E-Mail-Adressen stimmen nicht überein."))
    expect(field(page, "Neue E-Mail-Adresse")).to_have_value(NEW)
    assert_accessible(page, "E-Mail-Adresse ändern with errors")
    request_change(page, OLD.upper())
    expect(field(page, "Neue E-Mail-Adresse")).to_have_accessible_description(
        re.compile("Das ist bereits Ihre E-Mail-Adresse."))


def test_address_of_another_account_is_not_revealed(page, browser, live_server, make_account, mailbox):
    make_account(email=OLD)
    make_account(email="belegt@example.org", given_name="Max")
    log_in_to_mein_bereich(page, OLD)
    # Addresses are compared without regard to case.
    request_change(page, "Belegt@Example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigung versendet")
    # The owner learns of the attempt; no confirmation link goes anywhere.
    attempt = mailbox.wait_for("belegt@example.org", "für ein anderes Servicekonto angegeben")
    assert not attempt.links()
    mailbox.wait_for(OLD, "Änderung Ihrer E-Mail-Adresse beantragt")
    assert sorted(m.to[0] for m in mailbox.mails) == sorted(["belegt@example.org", OLD])
    assert can_log_in(browser, live_server, "belegt@example.org")


def test_address_taken_before_the_confirmation_is_refused(page, browser, live_server, make_account, mailbox):
    make_account(email=OLD)
    log_in_to_mein_bereich(page, OLD)
    request_change(page, NEW)
    link = mailbox.wait_for(NEW, "Bestätigen Sie Ihre neue E-Mail-Adresse").links()[0]
    # Meanwhile someone else registers the address.
    make_account(email=NEW, given_name="Max")

    page.goto(link)
    field(page, "Bisherige E-Mail-Adresse").fill(OLD)
    field(page, "Passwort").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="Anmelden und bestätigen").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Diese E-Mail-Adresse kann nicht verwendet werden. Bitte wählen Sie eine andere E-Mail-Adresse.")
    assert can_log_in(browser, live_server, OLD)
    page.goto("/mein-bereich")
    assert summary(page)["E-Mail-Adresse"] == OLD
