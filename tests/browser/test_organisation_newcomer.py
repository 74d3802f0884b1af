"""What a newcomer does with `make run` (issue "Servicekonto Business", done-when): register
an organisation, add a user, subscribe the demo service, grant it to the user with a role,
and log in to the demo service as that user, which shows the organisation and the role.
Only the pages are used, nothing is seeded."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PASSWORD, field, path_is

pytestmark = pytest.mark.browser

ADMIN = "erika@muster.example"
USER = "uwe@muster.example"
USER_PASSWORD = "Sonnenblume-42!"


def register_organisation(page: Page, mailbox) -> None:
    page.goto("/anmelden")
    page.get_by_role("main").get_by_role("link", name="Organisation registrieren").click()
    for label, value in {"Name der Organisation": "Muster GmbH", "Rechtsform": "GmbH", "Straße": "Hafenstraße",
                         "Hausnummer": "12", "Postleitzahl": "20457", "Ort": "Hamburg"}.items():
        field(page, label).fill(value)
    page.get_by_role("button", name="Weiter").click()
    for label, value in {"Vorname": "Erika", "Nachname": "Muster", "Geburtsdatum": "24.12.1980",
                         "Telefonnummer": "040 123456", "E-Mail-Adresse": ADMIN}.items():
        field(page, label).fill(value)
    field(page, "Passwort").fill(PASSWORD)
    field(page, "Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label("Demo-Online-Dienst").check()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label(re.compile("Datenverarbeitung")).check()
    page.get_by_role("button", name="Servicekonto Business anlegen").click()
    mail = mailbox.wait_for(ADMIN, "Servicekonto Business")
    page.goto(next(link for link in mail.links() if "/aktivieren/" in link))
    page.get_by_role("button", name="Servicekonto Business aktivieren").click()
    expect(page).to_have_url(path_is("/administration"))


def add_user(page: Page) -> None:
    page.get_by_role("main").get_by_role("link", name="Benutzer").click()
    page.get_by_role("link", name="Neuer Benutzer").click()
    field(page, "Vorname").fill("Uwe")
    field(page, "Nachname").fill("Nutzer")
    field(page, "E-Mail-Adresse").fill(USER)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Der Benutzer wurde angelegt")


def grant_demo(page: Page) -> None:
    page.goto("/administration")
    page.get_by_role("main").get_by_role("link", name="Online-Dienste verwalten").click()
    # Chosen at registration, released at once (automatic approval).
    expect(page.locator("tr", has=page.get_by_text("Demo-Online-Dienst", exact=True)).first).to_contain_text(
        "freigeschaltet")
    page.get_by_label("Benutzer", exact=True).select_option(label=f"Uwe Nutzer ({USER})")
    page.get_by_role("button", name="Anzeigen").click()
    page.get_by_label("Demo-Online-Dienst: Berechtigt").check()
    page.locator("tr", has=page.get_by_text("Demo-Online-Dienst", exact=True)).last.get_by_label("Freigabe").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Berechtigungen wurden gespeichert.")


def test_newcomer_registers_adds_a_user_and_the_user_uses_the_demo(page: Page, browser, live_server, mailbox,
                                                                    demo_service):
    register_organisation(page, mailbox)
    add_user(page)
    grant_demo(page)

    context = browser.new_context(locale="de-DE", base_url=live_server)
    user = context.new_page()
    mail = mailbox.wait_for(USER, "Servicekonto Business")
    user.goto(mail.links()[0])
    field(user, "Passwort").fill(USER_PASSWORD)
    field(user, "Passwort wiederholen").fill(USER_PASSWORD)
    user.get_by_role("button", name="Passwort festlegen und aktivieren").click()
    expect(user.get_by_role("heading", level=1)).to_have_text("Mein Bereich")

    user.goto(demo_service + "/login")
    expect(user.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Demo-Online-Dienst“")
    user.get_by_role("button", name="Zustimmen").click()
    expect(user.get_by_text("Sie sind angemeldet.")).to_be_visible()
    expect(user.locator('[data-organisation="name"]')).to_have_text("Muster GmbH")
    expect(user.locator('[data-organisation="roles"]')).to_have_text("Freigabe")
    context.close()
