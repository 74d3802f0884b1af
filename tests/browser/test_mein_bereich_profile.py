""""Mein Profil" in the browser: view and edit, the rules for birth date and house
number, and the locked fields of a Servicekonto Plus (SPEC §3)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from idp.loa import Level
from tests.browser.support import assert_accessible, field, log_in_to_mein_bereich, summary

pytestmark = pytest.mark.browser

PROFILE_FIELDS = ("Anrede", "Titel", "Vorname", "Nachname", "Geburtsdatum", "Straße", "Hausnummer",
                  "Postleitzahl", "Ort")


def open_profile(page):
    page.get_by_role("link", name="Profil bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Profil")


def test_profile_is_shown_edited_and_saved(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    assert_accessible(page, "Mein Bereich")
    before = summary(page)
    assert before["Vorname"] == "Erika" and before["Nachname"] == "Mustermann"
    assert before["E-Mail-Adresse"] == "erika@example.org" and before["Kontoart"] == "Servicekonto"
    assert "Geburtsdatum" not in before and "Anschrift" not in before

    open_profile(page)
    assert_accessible(page, "Mein Profil")
    for label in PROFILE_FIELDS:
        expect(field(page, label)).to_be_enabled()
    expect(field(page, "Vorname")).to_have_value("Erika")
    field(page, "Anrede").select_option("Frau")
    field(page, "Titel").fill("Dr.")
    field(page, "Nachname").fill("Gabler")
    field(page, "Geburtsdatum").fill("00.00.1945")
    field(page, "Straße").fill("Heidestraße")
    field(page, "Hausnummer").fill("12a-c")
    field(page, "Postleitzahl").fill("51147")
    field(page, "Ort").fill("Köln")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("status")).to_have_text("Ihre Daten wurden gespeichert.")
    after = summary(page)
    assert after["Anrede"] == "Frau" and after["Titel"] == "Dr."
    assert after["Nachname"] == "Gabler"
    assert after["Geburtsdatum"] == "00.00.1945"
    assert after["Anschrift"] == "Heidestraße 12a-c, 51147 Köln"

    # The form shows what was saved; the next visit starts from it.
    open_profile(page)
    expect(field(page, "Anrede")).to_have_value("Frau")
    expect(field(page, "Hausnummer")).to_have_value("12a-c")
    expect(field(page, "Geburtsdatum")).to_have_value("00.00.1945")


def test_profile_rules_are_explained_and_entries_kept(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    open_profile(page)
    field(page, "Nachname").fill("Neu")
    field(page, "Geburtsdatum").fill("05.00.1945")
    field(page, "Straße").fill("Heidestraße")
    field(page, "Hausnummer").fill("12 a")
    field(page, "Postleitzahl").fill("5114")
    field(page, "Ort").fill("Köln <b>")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("alert")).to_contain_text("Bitte korrigieren Sie die markierten Angaben.")
    assert_accessible(page, "Mein Profil with errors")
    problems = {
        "Geburtsdatum": "Ist der Monat unbekannt (00), muss auch der Tag 00 sein.",
        "Hausnummer": "Die Hausnummer darf keine Leerzeichen enthalten, z. B. 12a-c oder 48-50.",
        "Postleitzahl": "Bitte geben Sie eine Postleitzahl aus fünf Ziffern an.",
        "Ort": "Das Feld „Ort“ darf die Zeichen < und > nicht enthalten.",
    }
    for label, message in problems.items():
        box = field(page, label)
        expect(box).to_have_attribute("aria-invalid", "true")
        # The message is tied to its field for screen readers.
        expect(box).to_have_accessible_description(re.compile(re.escape(message)))
    expect(field(page, "Nachname")).not_to_have_attribute("aria-invalid", "true")
    # Nothing typed is lost.
    expect(field(page, "Nachname")).to_have_value("Neu")
    expect(field(page, "Hausnummer")).to_have_value("12 a")

    # An address without a house number asks for 0; a date with an unknown day is fine.
    field(page, "Geburtsdatum").fill("00.05.1945")
    field(page, "Hausnummer").fill("")
    field(page, "Postleitzahl").fill("51147")
    field(page, "Ort").fill("Köln")
    page.get_by_role("button", name="Speichern").click()
    expect(field(page, "Hausnummer")).to_have_accessible_description(
        re.compile("Gibt es keine, tragen Sie 0 ein."))
    expect(field(page, "Geburtsdatum")).not_to_have_attribute("aria-invalid", "true")

    field(page, "Hausnummer").fill("0")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Ihre Daten wurden gespeichert.")
    assert summary(page)["Anschrift"] == "Heidestraße 0, 51147 Köln"
    assert summary(page)["Geburtsdatum"] == "00.05.1945"
    assert summary(page)["Nachname"] == "Neu"


def test_house_number_longer_than_eleven_characters_is_refused(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    open_profile(page)
    house_number = field(page, "Hausnummer")
    # The field takes no more than 11 characters ...
    house_number.press_sequentially("123456789abc")
    expect(house_number).to_have_value("123456789ab")
    # ... and the server refuses more even when the browser is talked out of it.
    house_number.evaluate("el => { el.removeAttribute('maxlength'); el.value = '123456789abc'; }")
    field(page, "Straße").fill("Heidestraße")
    field(page, "Postleitzahl").fill("51147")
    field(page, "Ort").fill("Köln")
    page.get_by_role("button", name="Speichern").click()
    expect(house_number).to_have_accessible_description(
        re.compile("Die Hausnummer darf höchstens 11 Zeichen lang sein."))
    page.get_by_role("link", name="Abbrechen").click()
    assert "Anschrift" not in summary(page)


def test_plus_account_shows_locked_fields_disabled(page, make_account):
    make_account(level=Level.HOCH)
    log_in_to_mein_bereich(page)
    assert summary(page)["Kontoart"] == "Servicekonto Plus"
    open_profile(page)
    expect(page.get_by_role("note")).to_contain_text("Diese Felder sind gesperrt")
    assert_accessible(page, "Mein Profil of a Servicekonto Plus")
    for label in PROFILE_FIELDS:
        expect(field(page, label)).to_be_disabled()
    expect(field(page, "Vorname")).to_have_value("Erika")


def test_locked_fields_cannot_be_changed_by_a_forged_post(page, make_account):
    make_account(level=Level.HOCH)
    log_in_to_mein_bereich(page)
    open_profile(page)
    # What a user could do with the developer tools: enable the fields and post.
    page.locator("input:disabled, select:disabled").evaluate_all(
        "els => els.forEach(el => el.removeAttribute('disabled'))")
    field(page, "Vorname").fill("Mallory")
    field(page, "Geburtsdatum").fill("01.01.1990")
    field(page, "Straße").fill("Fälscherweg")
    field(page, "Hausnummer").fill("1")
    field(page, "Postleitzahl").fill("10115")
    field(page, "Ort").fill("Berlin")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("alert")).to_have_text("Bitte korrigieren Sie die markierten Angaben.")
    assert_accessible(page, "Mein Profil of a Servicekonto Plus after a forged POST")
    for label in ("Vorname", "Geburtsdatum", "Straße", "Ort"):
        expect(field(page, label)).to_have_accessible_description(
            re.compile("nur mit „Daten mit Ausweis synchronisieren“ geändert werden"))
        expect(field(page, label)).to_be_disabled()
    expect(field(page, "Vorname")).to_have_value("Erika")
    expect(field(page, "Straße")).to_have_value("")

    # A forged POST without the page (same cookies and CSRF token) fares no better.
    token = page.locator("main input[name=csrf_token]").get_attribute("value")
    response = page.request.post("/mein-bereich/profil", form={
        "csrf_token": token, "given_name": "Mallory", "family_name": "Mustermann"}, max_redirects=0)
    assert response.status == 400
    assert "Daten mit Ausweis synchronisieren" in response.text()

    page.goto("/mein-bereich")
    shown = summary(page)
    assert shown["Vorname"] == "Erika" and "Geburtsdatum" not in shown and "Anschrift" not in shown
