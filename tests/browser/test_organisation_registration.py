"""Registration of an organisation in the browser (SPEC §6): from the login page through
the three steps, the overview and consent to the activation mail, and from its link to
the administration; refusals keep what was entered; every page passes axe."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations.models import Organisation, ServiceSubscription
from tests.browser.support import PASSWORD, assert_accessible, field, field_error, fill, fill_password, log_in, path_is

pytestmark = pytest.mark.browser

ORGANISATION = {"Name der Organisation": "Muster & Söhne GmbH", "Rechtsform": "GmbH",
                "Handelsregisternummer": "HRB 12345", "Registergericht": "Amtsgericht Hamburg",
                "Straße": "Hafenstraße", "Hausnummer": "12a", "Postleitzahl": "20457", "Ort": "Hamburg",
                "Postfach": "123456789012345"}
ADMINISTRATOR = {"Vorname": "Erika", "Nachname": "Muster", "Geburtsdatum": "24.12.1980",
                 "Telefonnummer": "040 123456", "E-Mail-Adresse": "erika@muster.example"}


def expect_values(page: Page, values: dict[str, str]) -> None:
    for label, value in values.items():
        expect(field(page, label)).to_have_value(value)


def heading_is(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def back(page: Page) -> None:
    page.get_by_role("button", name="Zurück").click()


def seventeen_years_old() -> str:
    today = date.today()
    return f"01.01.{today.year - 17}"


@pytest.fixture
def services(make_client):
    return {"auto": make_client(name="Gewerbeanzeige", audience="organisations"),
            "leitstelle": make_client(name="Zollauskunft", audience="organisations", approval="leitstelle")}


def test_register_an_organisation_and_activate_it(page: Page, mailbox, services, app):
    page.goto("/anmelden")
    page.get_by_role("main").get_by_role("link", name="Organisation registrieren").click()
    expect(page).to_have_url(path_is("/organisation/registrierung"))
    heading_is(page, "Organisation registrieren")
    assert_accessible(page, "Schritt 1: Organisation")

    # Step 1: refusals are explained next to the field, entries are kept.
    fill(page, {**ORGANISATION, "Name der Organisation": "Muster <GmbH>", "Postfach": "123"})
    next_step(page)
    expect(field_error(page, "name")).to_contain_text('Der Name der Organisation darf die Zeichen " < > { } [ ] nicht')
    expect(field_error(page, "po_box")).to_contain_text("Die Postfachnummer besteht aus 4 bis 20 Ziffern.")
    expect(field(page, "Name der Organisation")).to_have_attribute("aria-invalid", "true")
    expect_values(page, {**ORGANISATION, "Name der Organisation": "Muster <GmbH>", "Postfach": "123"})
    assert_accessible(page, "Schritt 1 mit Fehlern")
    fill(page, ORGANISATION)
    next_step(page)

    # Step 2: the administrator must be an adult, reachable by phone, with an address
    # without umlauts and a password of the policy.
    expect(page).to_have_url(path_is("/organisation/registrierung/administrator"))
    expect(page.locator(".steps")).to_have_text(re.compile("Schritt 2 von 4"))
    assert_accessible(page, "Schritt 2: Administrator")
    refused = {**ADMINISTRATOR, "Geburtsdatum": seventeen_years_old(), "Telefonnummer": "",
               "E-Mail-Adresse": "jürgen@muster.example"}
    fill(page, refused)
    fill_password(page, "kurz")
    next_step(page)
    expect(field_error(page, "birth_date")).to_contain_text("Administratoren müssen volljährig sein")
    expect(field_error(page, "phone")).to_contain_text("Bitte geben Sie eine Telefonnummer an.")
    expect(field_error(page, "email")).to_contain_text("keine Umlaute")
    expect(field_error(page, "password")).to_contain_text("mindestens 8 Zeichen")
    expect_values(page, refused)
    assert_accessible(page, "Schritt 2 mit Fehlern")
    fill(page, ADMINISTRATOR)
    fill_password(page)
    next_step(page)

    # Step 3: the services for organisations, each with how it is released.
    expect(page).to_have_url(path_is("/organisation/registrierung/online-dienste"))
    expect(page.get_by_text("sofort nutzbar (automatische Freischaltung)")).to_be_visible()
    expect(page.get_by_text("nutzbar nach Freischaltung durch die Fachliche Leitstelle")).to_be_visible()
    assert_accessible(page, "Schritt 3: Online-Dienste")
    page.get_by_label("Gewerbeanzeige").check()
    page.get_by_label("Zollauskunft").check()
    next_step(page)

    # Overview: the entries, never the password; no consent, no Servicekonto Business.
    expect(page).to_have_url(path_is("/organisation/registrierung/uebersicht"))
    heading_is(page, "Angaben prüfen")
    main = page.get_by_role("main")
    for text in [*ORGANISATION.values(), *ADMINISTRATOR.values(), "Gewerbeanzeige", "Zollauskunft",
                 "wird nicht angezeigt"]:
        expect(main).to_contain_text(text)
    assert PASSWORD not in page.content()
    assert_accessible(page, "Übersicht")
    page.get_by_role("button", name="Servicekonto Business anlegen").click()
    expect(field_error(page, "consent")).to_contain_text("Bitte stimmen Sie der Datenverarbeitung zu")
    assert_accessible(page, "Übersicht ohne Einwilligung")
    assert mailbox.mails == []
    page.get_by_label(re.compile("Datenverarbeitung")).check()
    page.get_by_role("button", name="Servicekonto Business anlegen").click()

    expect(page).to_have_url(path_is("/organisation/registrierung/gesendet"))
    expect(page.get_by_role("status")).to_contain_text("24 Stunden")
    assert_accessible(page, "E-Mail gesendet")

    mail = mailbox.wait_for("erika@muster.example", "Servicekonto Business")
    link = next(link for link in mail.links() if "/organisation/registrierung/aktivieren/" in link)
    page.goto(link)
    heading_is(page, "Servicekonto Business aktivieren")
    assert_accessible(page, "Aktivieren")
    page.get_by_role("button", name="Servicekonto Business aktivieren").click()

    # Logged in as administrator of the now active organisation.
    expect(page).to_have_url(path_is("/administration"))
    expect(page.get_by_role("status")).to_have_text("Ihr Servicekonto Business ist aktiviert. Willkommen!")
    expect(page.get_by_role("main")).to_contain_text("Muster & Söhne GmbH")
    assert_accessible(page, "Administration nach der Aktivierung")
    with app.app_context():
        organisation = db.session.scalar(select(Organisation))
        administrator = db.session.scalar(select(Account).where(Account.email == "erika@muster.example"))
        assert (organisation.status, administrator.status, administrator.kind) == ("active", "active", "organisation")
        assert organisation.po_box == "123456789012345"
        subscriptions = {s.client_id: s.status for s in db.session.scalars(select(ServiceSubscription))}
        assert subscriptions == {services["auto"].client_id: "active", services["leitstelle"].client_id: "pending"}

    # Later logins use the e-mail address and the password.
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    log_in(page, "erika@muster.example", PASSWORD)
    expect(page.get_by_role("navigation").get_by_role("link", name="Administration")).to_be_visible()


def test_going_back_keeps_every_entry(page: Page, services):
    page.goto("/registrierung")
    page.get_by_role("main").get_by_role("link", name="Organisation registrieren").click()
    fill(page, ORGANISATION)
    next_step(page)
    fill(page, ADMINISTRATOR)
    fill_password(page)
    back(page)

    expect(page).to_have_url(path_is("/organisation/registrierung"))
    expect_values(page, ORGANISATION)
    next_step(page)
    expect_values(page, ADMINISTRATOR)
    # Passwords are never written back into a page; the one given is kept instead.
    expect(page.get_by_text("Sie haben bereits ein Passwort festgelegt.")).to_be_visible()
    expect(page.get_by_label("Passwort (optional)", exact=True)).to_have_value("")
    next_step(page)

    page.get_by_label("Zollauskunft").check()
    next_step(page)
    expect(page).to_have_url(path_is("/organisation/registrierung/uebersicht"))
    back(page)
    expect(page).to_have_url(path_is("/organisation/registrierung/online-dienste"))
    expect(page.get_by_label("Zollauskunft")).to_be_checked()
    expect(page.get_by_label("Gewerbeanzeige")).not_to_be_checked()
    back(page)
    expect(page).to_have_url(path_is("/organisation/registrierung/administrator"))
    expect_values(page, ADMINISTRATOR)
    back(page)
    expect_values(page, ORGANISATION)

    # Forward again without typing anything: the overview shows all of it.
    next_step(page)
    next_step(page)
    next_step(page)
    expect(page).to_have_url(path_is("/organisation/registrierung/uebersicht"))
    expect(page.get_by_role("main")).to_contain_text("Zollauskunft")
    expect(page.get_by_role("main")).to_contain_text("erika@muster.example")


def test_activation_link_problems(page: Page):
    page.goto("/organisation/registrierung/aktivieren/unbekannt")
    page.get_by_role("button", name="Servicekonto Business aktivieren").click()
    heading_is(page, "Aktivierung nicht möglich")
    expect(page.get_by_role("alert")).to_contain_text("Dieser Aktivierungslink ist ungültig.")
    expect(page.get_by_role("main").get_by_role("link", name="Organisation registrieren")).to_be_visible()
    assert_accessible(page, "Aktivierung nicht möglich")


def test_services_step_without_services(page: Page):
    page.goto("/organisation/registrierung")
    fill(page, ORGANISATION)
    next_step(page)
    fill(page, ADMINISTRATOR)
    fill_password(page)
    next_step(page)
    expect(page.get_by_text("Derzeit werden keine Online-Dienste für Organisationen angeboten.")).to_be_visible()
    assert_accessible(page, "Schritt 3 ohne Online-Dienste")
