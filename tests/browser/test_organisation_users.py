""""Benutzer" in the browser (SPEC §6, seed 003): a new user activates by the mailed
link and chooses a password; administrators need a phone number and must be adults;
editing, the e-mail change confirmed at the new address, deletion with a mail; the
last administrator stays."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import (assert_accessible, field, field_error, log_in, log_in_to_mein_bereich, summary,
                                   try_log_in)
from tests.organisations.support import PASSWORD, make_organisation

pytestmark = pytest.mark.browser

ADMIN, USER = "admin@muster.example", "user@muster.example"
NEW_PASSWORD = "Sonnenblume-42"


def open_users(page):
    log_in_to_mein_bereich(page, ADMIN, PASSWORD)
    page.goto("/administration")
    page.get_by_role("main").get_by_role("link", name="Benutzer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzer")


def row(page, email):
    return page.get_by_role("row", name=re.compile(re.escape(email)))


def fill_person(page, given_name="Berta", family_name="Neu", birth_date="", phone="", email="berta@muster.example"):
    field(page, "Vorname").fill(given_name)
    field(page, "Nachname").fill(family_name)
    field(page, "Geburtsdatum").fill(birth_date)
    field(page, "Telefonnummer").fill(phone)
    field(page, "E-Mail-Adresse").fill(email)


def test_new_user_activates_with_a_password_and_logs_in(page, browser, live_server, app, mailbox):
    make_organisation(app)
    open_users(page)
    expect(row(page, ADMIN)).to_contain_text("Ja")
    expect(row(page, ADMIN)).to_contain_text("aktiv")
    assert_accessible(page, "Benutzer")
    page.get_by_role("link", name="Neuer Benutzer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuer Benutzer")
    assert_accessible(page, "Neuer Benutzer")

    # Another administrator needs a phone number ...
    fill_person(page, birth_date="01.01.1990")
    page.get_by_label("Als weiteren Administrator anlegen").check()
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "phone")).to_contain_text("Administratoren müssen telefonisch erreichbar sein")
    expect(field(page, "Nachname")).to_have_value("Neu")
    expect(page.get_by_label("Als weiteren Administrator anlegen")).to_be_checked()
    assert_accessible(page, "Neuer Benutzer with errors")
    # ... and must be an adult.
    field(page, "Telefonnummer").fill("040 1234567")
    field(page, "Geburtsdatum").fill("01.01.2015")
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "birth_date")).to_contain_text("Administratoren müssen volljährig sein")
    # A user needs neither.
    page.get_by_label("Als weiteren Administrator anlegen").uncheck()
    field(page, "Telefonnummer").fill("")
    field(page, "Geburtsdatum").fill("")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Der Benutzer wurde angelegt")
    expect(row(page, "berta@muster.example")).to_contain_text("Nein")
    expect(row(page, "berta@muster.example")).to_contain_text("Aktivierung ausstehend")

    mail = mailbox.wait_for("berta@muster.example", "Ihr Zugang zum Servicekonto Business")
    assert "Muster GmbH" in mail.body and "14 Tage gültig" in " ".join(mail.body.split())
    context = browser.new_context(locale="de-DE", base_url=live_server)
    invited = context.new_page()
    invited.goto(mail.links()[0])
    expect(invited.get_by_role("heading", level=1)).to_have_text("Servicekonto Business aktivieren")
    assert_accessible(invited, "Servicekonto Business aktivieren")
    field(invited, "Passwort").fill("kurz")
    field(invited, "Passwort wiederholen").fill("kurz")
    invited.get_by_role("button", name="Passwort festlegen und aktivieren").click()
    expect(field_error(invited, "password")).to_be_visible()
    assert_accessible(invited, "Servicekonto Business aktivieren with errors")
    field(invited, "Passwort").fill(NEW_PASSWORD)
    field(invited, "Passwort wiederholen").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Passwort festlegen und aktivieren").click()
    expect(invited.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    main = invited.get_by_role("main")
    card = main.locator("section", has=invited.get_by_role("heading", name="Organisation", level=2))
    expect(card).to_contain_text("Muster GmbH")
    expect(card).to_contain_text("Benutzer")
    expect(main.get_by_role("link", name="Administration")).to_have_count(0)
    for citizen_only in ("Upgrade starten", "Verbundene Servicekonten", "Ausweisdaten verwalten"):
        expect(main.get_by_role("link", name=citizen_only)).to_have_count(0)
    assert_accessible(invited, "Mein Bereich of an organisation user")
    # Not an administrator: the administration is closed.
    response = invited.goto("/administration")
    assert response.status == 403
    context.close()

    assert try_log_in(page, "berta@muster.example", NEW_PASSWORD)
    page.goto("/administration/benutzer")
    assert page.get_by_role("heading", level=1).inner_text() == "Kein Zugriff"


def test_editing_a_user_and_the_last_administrator_keeps_the_role(page, app):
    org = make_organisation(app, users=(USER,))
    open_users(page)
    page.get_by_role("link", name="Max Muster", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzer bearbeiten")
    assert_accessible(page, "Benutzer bearbeiten")
    field(page, "Vorname").fill("Moritz")
    field(page, "Telefonnummer").fill("0170 555666")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Daten des Benutzers wurden gespeichert.")
    expect(row(page, USER)).to_contain_text("Moritz Muster")

    page.goto(f"/administration/benutzer/{org.admin_id}")
    page.get_by_label(re.compile("^Administrator:")).uncheck()
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "is_admin")).to_contain_text("mindestens eine aktive Administratorin")
    assert_accessible(page, "Benutzer bearbeiten with errors")
    page.goto("/administration/benutzer")
    expect(row(page, ADMIN)).to_contain_text("Ja")


def test_a_users_new_address_is_confirmed_by_the_user(page, browser, live_server, app, mailbox):
    make_organisation(app, users=(USER,))
    open_users(page)
    page.get_by_role("link", name="Max Muster", exact=True).click()
    page.get_by_role("link", name="E-Mail-Adresse ändern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse ändern")
    assert_accessible(page, "E-Mail-Adresse ändern (Administration)")
    field(page, "Neue E-Mail-Adresse").fill("max.neu@muster.example")
    field(page, "Neue E-Mail-Adresse wiederholen").fill("max.neu@muster.example")
    page.get_by_role("button", name="Bestätigung versenden").click()
    expect(page.get_by_role("status")).to_contain_text("Bestätigungslink an max.neu@muster.example")
    assert_accessible(page, "Bestätigung versendet (Administration)")

    confirmation = mailbox.wait_for("max.neu@muster.example", "Bestätigen Sie Ihre neue E-Mail-Adresse")
    assert "Administration Ihrer Organisation „Muster GmbH“" in " ".join(confirmation.body.split())
    notice = mailbox.wait_for(USER, "Änderung Ihrer E-Mail-Adresse beantragt")
    assert "max.neu@muster.example" in notice.body and notice.links() == []

    context = browser.new_context(locale="de-DE", base_url=live_server)
    user = context.new_page()
    user.goto(confirmation.links()[0])
    field(user, "Bisherige E-Mail-Adresse").fill(USER)
    field(user, "Passwort").fill(PASSWORD)
    user.get_by_role("button", name="Anmelden und bestätigen").click()
    expect(user.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse geändert")
    context.close()
    page.goto("/administration/benutzer")
    expect(row(page, "max.neu@muster.example")).to_be_visible()
    assert try_log_in(page, "max.neu@muster.example", PASSWORD)


def test_deleting_a_user_sends_a_mail(page, app, mailbox):
    make_organisation(app, users=(USER,))
    open_users(page)
    row(page, USER).get_by_role("link", name=re.compile("^Löschen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzer löschen")
    assert_accessible(page, "Benutzer löschen")
    page.get_by_role("button", name="Löschen").click()
    expect(field_error(page, "confirm")).to_be_visible()
    assert_accessible(page, "Benutzer löschen with errors")
    page.get_by_label(f"Ich möchte das Servicekonto {USER} endgültig löschen.").check()
    page.get_by_role("button", name="Löschen").click()
    expect(page.get_by_role("status")).to_contain_text("Der Benutzer wurde gelöscht")
    expect(row(page, USER)).to_have_count(0)
    mail = mailbox.wait_for(USER, "Ihr Servicekonto wurde gelöscht")
    assert "Muster GmbH" in mail.body
    assert not try_log_in(page, USER, PASSWORD)


def test_the_last_administrator_cannot_delete_her_account_but_one_of_two_can(page, app):
    org = make_organisation(app)
    log_in_to_mein_bereich(page, ADMIN, PASSWORD)
    page.get_by_role("link", name="Servicekonto löschen").click()
    page.get_by_label(f"Ich möchte mein Servicekonto {ADMIN} endgültig löschen.").check()
    field(page, "Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Servicekonto löschen").click()
    expect(page.get_by_role("alert")).to_contain_text("Richten Sie zuerst")
    assert_accessible(page, "Servicekonto löschen refused for the last administrator")
    page.goto("/mein-bereich")
    assert summary(page)["E-Mail-Adresse"] == ADMIN

    from tests.organisations.support import add_member
    add_member(app, org.organisation_id, "zweite@muster.example", is_admin=True)
    page.get_by_role("link", name="Servicekonto löschen").click()
    page.get_by_label(f"Ich möchte mein Servicekonto {ADMIN} endgültig löschen.").check()
    field(page, "Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Servicekonto löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto gelöscht")
    log_in(page, "zweite@muster.example", PASSWORD)
    page.goto("/administration/benutzer")
    expect(row(page, ADMIN)).to_have_count(0)
