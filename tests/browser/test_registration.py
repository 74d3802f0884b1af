"""Registration through the pages, as a citizen does it (SPEC §3): form → overview →
consent → "Servicekonto anlegen" → activation mail → activation → logged in; then the
new account is used at the demo online service and logged out again."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (PASSWORD, create_account_on_overview, field_error, fill_registration, log_in,
                                   path_is)

pytestmark = pytest.mark.browser


def activation_link(mailbox, address: str) -> str:
    mail = mailbox.wait_for(address, "Aktivieren")
    links = [link for link in mail.links() if "/registrierung/aktivieren/" in link]
    assert len(links) == 1, mail.body
    return links[0]


def test_register_activate_use_online_service_and_log_out(page: Page, mailbox, demo_service, live_server):
    address = "Erika.Neu@example.org"
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto registrieren")

    fill_registration(page, salutation="Frau", title="Dr.", given_name="Erika", family_name="Neumann",
                      email=address)

    # The overview shows the entries but never the password.
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Angaben prüfen")
    summary = page.locator("dl.summary")
    for text in ("Frau", "Dr.", "Erika", "Neumann", address):
        expect(summary).to_contain_text(text)
    expect(summary).to_contain_text("wird nicht angezeigt")
    assert PASSWORD not in page.content()

    create_account_on_overview(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")
    expect(page.get_by_role("status")).to_contain_text("24 Stunden")

    link = activation_link(mailbox, address)
    assert link.startswith(live_server + "/")

    # Before the link is used the account cannot log in.
    log_in(page, address, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht korrekt.")

    # Opening the link only shows a button (mail scanners must not activate).
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto aktivieren")
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()
    page.get_by_role("button", name="Servicekonto aktivieren").click()

    # Activation logs the user in and lands in "Mein Bereich".
    expect(page).to_have_url(path_is("/mein-bereich"))
    expect(page.get_by_role("status")).to_have_text("Ihr Servicekonto ist aktiviert. Willkommen!")
    data = page.locator("dl.summary")
    for text in ("Frau", "Dr.", "Erika", "Neumann", address, "niedrig"):
        expect(data).to_contain_text(text)
    expect(page.get_by_role("navigation").get_by_role("button", name="Abmelden")).to_be_visible()

    # Log into the online service through the IdP; the session is reused, consent asked.
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    expect(page).to_have_url(re.compile(r"/anfrage/[^/]+/zustimmung$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Demo-Online-Dienst“")
    consent_table = page.locator("table.kern-table")
    expect(consent_table).to_contain_text("Erika")
    expect(consent_table).to_contain_text(address)
    page.get_by_role("button", name="Zustimmen").click()

    expect(page).to_have_url(demo_service + "/")
    id_token = page.locator("#id-token")
    expect(id_token.locator("[data-claim=loa]")).to_have_text("niedrig")
    expect(id_token.locator("[data-claim=acr]")).to_have_text("http://eidas.europa.eu/LoA/low")
    expect(id_token.locator("[data-claim=iss]")).to_have_text(live_server)
    userinfo = page.locator("#userinfo")
    expect(userinfo.locator("[data-claim=email]")).to_have_text(address)
    expect(userinfo.locator("[data-claim=given_name]")).to_have_text("Erika")
    expect(userinfo.locator("[data-claim=family_name]")).to_have_text("Neumann")

    # RP-initiated logout through the IdP ends the session there too.
    page.get_by_role("button", name="Beim Online-Dienst abmelden").click()
    expect(page).to_have_url(demo_service + "/")
    expect(page.get_by_role("link", name="Mit Servicekonto anmelden")).to_be_visible()
    expect(page.locator("#id-token")).to_have_count(0)

    page.goto("/mein-bereich")
    expect(page).to_have_url(path_is("/anmelden"))
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("button", name="Abmelden")).to_have_count(0)

    # Logging into the service again needs the password at the IdP; consent is remembered.
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    expect(page).to_have_url(path_is("/anmelden"))
    expect(page.get_by_text(
        "Der Online-Dienst „Demo-Online-Dienst“ bittet Sie, sich mit Ihrem Servicekonto anzumelden.")).to_be_visible()
    page.get_by_label("E-Mail-Adresse", exact=True).fill(address.lower())
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page).to_have_url(demo_service + "/")
    expect(page.locator("#id-token [data-claim=amr]")).to_contain_text("pwd")
    expect(page.locator("#userinfo [data-claim=email]")).to_have_text(address)


def test_activation_link_works_once(page: Page, mailbox):
    page.goto("/registrierung")
    fill_registration(page, email="einmal@example.org")
    create_account_on_overview(page)
    link = activation_link(mailbox, "einmal@example.org")

    page.goto(link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page).to_have_url(path_is("/mein-bereich"))
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")

    page.goto(link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivierung nicht möglich")
    expect(page.get_by_role("alert")).to_contain_text("bereits verwendet")
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()


def test_overview_requires_consent(page: Page, mailbox):
    page.goto("/registrierung")
    fill_registration(page, email="ohne.zustimmung@example.org")
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    page.get_by_role("button", name="Servicekonto anlegen").click()

    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    expect(field_error(page, "consent")).to_contain_text("Bitte stimmen Sie der Datenverarbeitung zu")
    checkbox = page.get_by_label(re.compile("Datenverarbeitung"))
    expect(checkbox).to_have_attribute("aria-invalid", "true")
    expect(page.locator("dl.summary")).to_contain_text("ohne.zustimmung@example.org")
    assert mailbox.mails == []

    checkbox.check()
    page.get_by_role("button", name="Servicekonto anlegen").click()
    expect(page).to_have_url(path_is("/registrierung/gesendet"))
    activation_link(mailbox, "ohne.zustimmung@example.org")


def test_back_from_overview_keeps_entries(page: Page, mailbox):
    page.goto("/registrierung")
    fill_registration(page, salutation="Herr", title="Prof.", given_name="Max", family_name="Mustermann",
                      email="max@example.org")
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    page.get_by_role("button", name="Zurück").click()

    expect(page).to_have_url(path_is("/registrierung"))
    expect(page.get_by_label("Anrede")).to_have_value("Herr")
    expect(page.get_by_label("Titel")).to_have_value("Prof.")
    expect(page.get_by_label("Vorname")).to_have_value("Max")
    expect(page.get_by_label("Nachname")).to_have_value("Mustermann")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value("max@example.org")
    # Passwords are never written back into a page; the one given is kept instead.
    # (the fields become optional: empty means "keep it")
    expect(page.get_by_label("Passwort (optional)", exact=True)).to_have_value("")
    expect(page.get_by_label("Passwort wiederholen (optional)", exact=True)).to_have_value("")
    expect(page.get_by_text("Sie haben bereits ein Passwort festgelegt.")).to_be_visible()
    assert PASSWORD not in page.content()

    # Change one entry, leave the passwords empty, and go on.
    page.get_by_label("Vorname").fill("Moritz")
    page.get_by_role("button", name="Weiter").click()
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("Moritz")
    expect(summary).to_contain_text("Prof.")
    expect(summary).to_contain_text("max@example.org")

    # The kept password is the one the account gets.
    create_account_on_overview(page)
    page.goto(activation_link(mailbox, "max@example.org"))
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.locator("dl.summary")).to_contain_text("Moritz")
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    log_in(page, "max@example.org", PASSWORD)
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_invalid_email_is_explained_next_to_the_field(page: Page):
    page.goto("/registrierung")
    fill_registration(page, given_name="Erika", family_name="Mustermann", email="erika@beispiel", title="Dr.")

    expect(page).to_have_url(path_is("/registrierung"))
    expect(page.get_by_role("alert")).to_contain_text("Bitte korrigieren Sie die markierten Angaben.")
    email = page.get_by_label("E-Mail-Adresse", exact=True)
    expect(field_error(page, "email")).to_have_text(
        re.compile("Bitte geben Sie eine gültige E-Mail-Adresse ein"))
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bemail-fehler\b"))
    # Entries are kept.
    expect(email).to_have_value("erika@beispiel")
    expect(page.get_by_label("Vorname")).to_have_value("Erika")
    expect(page.get_by_label("Nachname")).to_have_value("Mustermann")
    expect(page.get_by_label("Titel")).to_have_value("Dr.")
    # Only the field in error is marked.
    expect(field_error(page, "given_name")).to_have_count(0)
    expect(field_error(page, "password")).to_have_count(0)

    # Correcting it (passwords again, they are not sent back) leads to the overview.
    fill_registration(page, email="erika@beispiel.de")
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))


@pytest.mark.parametrize("email, message", [
    ("erika<b>@example.org", "Die E-Mail-Adresse darf die Zeichen < und > nicht enthalten."),
    ("", "Bitte geben Sie Ihre E-Mail-Adresse ein."),
])
def test_other_email_problems(page: Page, email, message):
    page.goto("/registrierung")
    fill_registration(page, email=email)
    expect(field_error(page, "email")).to_have_text(re.compile(re.escape(message)))
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)


@pytest.mark.parametrize("password, message", [
    ("kurz1", "Das Passwort muss mindestens 8 Zeichen lang sein."),
    ("nurkleinbuchstaben", "mindestens zwei der drei Bedingungen"),
    ("Passwort123", "Dieses Passwort ist zu verbreitet."),
    ("Mit Leer 12", "Das Passwort darf keine Leerzeichen enthalten."),
    ("xx-erika@example.org-1", "Das Passwort darf Ihre E-Mail-Adresse nicht enthalten."),
])
def test_weak_password_is_explained_next_to_the_field(page: Page, password, message):
    page.goto("/registrierung")
    fill_registration(page, email="erika@example.org", password=password)

    expect(page).to_have_url(path_is("/registrierung"))
    expect(field_error(page, "password")).to_contain_text(message)
    expect(page.get_by_label("Passwort", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Passwort", exact=True)).to_have_value("")
    expect(page.get_by_text("Sie haben bereits ein Passwort festgelegt.")).to_have_count(0)
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value("erika@example.org")
    expect(page.get_by_label("Vorname")).to_have_value("Erika")
    expect(page.get_by_label("Nachname")).to_have_value("Mustermann")


def test_mismatched_repetition_is_explained_next_to_the_field(page: Page):
    page.goto("/registrierung")
    fill_registration(page, given_name="Erika", family_name="Mustermann", email="erika@example.org",
                      password=PASSWORD, repeat=PASSWORD + "x")

    expect(page).to_have_url(path_is("/registrierung"))
    expect(field_error(page, "password_repeat")).to_have_text(re.compile("Die Passwörter stimmen nicht überein."))
    expect(page.get_by_label("Passwort wiederholen")).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "password")).to_have_count(0)
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value("erika@example.org")
    expect(page.get_by_label("Vorname")).to_have_value("Erika")
    expect(page.get_by_label("Nachname")).to_have_value("Mustermann")

    # The mismatched password was not taken: going on without passwords is refused.
    page.get_by_role("button", name="Weiter").click()
    expect(page).to_have_url(path_is("/registrierung"))
    expect(field_error(page, "password")).to_be_visible()


def test_missing_names_are_asked_for(page: Page):
    page.goto("/registrierung")
    fill_registration(page, given_name="", family_name="  ")
    expect(field_error(page, "given_name")).to_have_text(re.compile("Bitte geben Sie Ihren Vornamen ein."))
    expect(field_error(page, "family_name")).to_have_text(re.compile("Bitte geben Sie Ihren Nachnamen ein."))
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value("erika@example.org")


def test_registering_a_taken_address_looks_the_same(page: Page, mailbox, make_account):
    """Nothing on the page tells a stranger that the address has an account (SPEC §3);
    only its owner learns it by mail."""
    make_account(email="erika@example.org")
    page.goto("/registrierung")
    fill_registration(page, email="ERIKA@example.org")
    create_account_on_overview(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")
    mail = mailbox.wait_for("ERIKA@example.org", "Registrierung mit Ihrer E-Mail-Adresse")
    assert not [link for link in mail.links() if "/aktivieren/" in link]

    # The existing account is unchanged: its own password still works, the new one does not.
    log_in(page, "erika@example.org", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht korrekt.")
    log_in(page, "erika@example.org", "ABab1234")
    expect(page).to_have_url(path_is("/mein-bereich"))


def test_activation_link_expires_after_24_hours(page: Page, mailbox):
    from datetime import timedelta

    from idp import timeutil

    page.goto("/registrierung")
    fill_registration(page, email="spaet@example.org")
    create_account_on_overview(page)
    link = activation_link(mailbox, "spaet@example.org")

    timeutil.travel(timedelta(hours=24, minutes=1))
    page.goto(link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivierung nicht möglich")
    expect(page.get_by_role("alert")).to_contain_text("abgelaufen")
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()


def test_overview_without_entries_leads_to_the_form(page: Page):
    page.goto("/registrierung/uebersicht")
    expect(page).to_have_url(path_is("/registrierung"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto registrieren")


def test_registering_again_sends_a_fresh_link_and_the_old_one_says_so(page: Page, mailbox):
    """Re-registering an unactivated address sends a fresh link (SPEC §3). Whoever opens
    the older mail afterwards must be told how to go on, not to log in with an account
    that is not active yet."""
    page.goto("/registrierung")
    fill_registration(page, email="zweimal@example.org")
    create_account_on_overview(page)
    old_link = activation_link(mailbox, "zweimal@example.org")
    mailbox.clear()

    page.goto("/registrierung")
    fill_registration(page, email="zweimal@example.org", given_name="Erika Maria")
    create_account_on_overview(page)
    new_link = activation_link(mailbox, "zweimal@example.org")
    assert new_link != old_link

    page.goto(old_link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivierung nicht möglich")
    expect(page.get_by_role("alert")).to_contain_text("neuesten E-Mail")

    page.goto(new_link)
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page).to_have_url(path_is("/mein-bereich"))
    expect(page.locator("dl.summary")).to_contain_text("Erika Maria")
