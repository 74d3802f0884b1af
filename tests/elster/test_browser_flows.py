"""ELSTER for organisations in the browser, through the ELSTER IdP simulator: the
administrator links the first certificate and the organisation data lock, a user is
refused another company's certificate, registration "Mit ElsterID", login "Mit
ElsterID" at the demo service with the organisation and roles, cancelling at ELSTER
and unlinking."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import elster_links, entitlements
from tests.browser.support import assert_accessible, demo_client_id, field, fill, fill_password, log_in, path_is
from tests.conftest import Browserless
from tests.support.organisations import PASSWORD, grant, make_organisation, subscribe

from .support import link_certificate

pytestmark = pytest.mark.browser

ADMIN, USER = "admin@muster.example", "anna@muster.example"


def pick_at_elster(page: Page, label: str | None) -> None:
    """On the simulator's page: choose a test certificate, or cancel."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden mit ELSTER-Zertifikat (Simulator)")
    if label is None:
        page.get_by_role("button", name="Abbrechen").click()
        return
    page.get_by_label(label).check()
    page.get_by_role("button", name="Anmelden und Daten übermitteln").click()


def link_in_mein_bereich(page: Page, label: str, *, confirm: bool = True) -> None:
    page.goto("/mein-bereich")
    page.get_by_role("link", name="ElsterID-Zertifikat verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ElsterID-Zertifikat verwalten")
    page.get_by_role("button", name="Zertifikat hinterlegen").click()
    pick_at_elster(page, label)
    if confirm:
        expect(page.get_by_role("heading", level=1)).to_have_text("ELSTER-Zertifikat prüfen")
        page.get_by_role("button", name="Bestätigen und hinterlegen").click()


def log_in_at_the_demo_mit_elsterid(page: Page, demo_service: str, label: str) -> None:
    """From the demo service through "Mit ElsterID" and the consent back to it, logged
    in at substanziell."""
    page.goto(demo_service + "/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    page.get_by_role("link", name="Mit ElsterID").click()
    pick_at_elster(page, label)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_text("Sie sind angemeldet.")).to_be_visible()
    expect(page.locator('#id-token [data-claim="loa"]')).to_have_text("substanziell")


def test_the_administrator_links_the_first_certificate_and_the_company_data_lock(app, page: Page):
    make_organisation(app)
    log_in(page, ADMIN, PASSWORD)
    page.goto("/mein-bereich/elster")
    assert_accessible(page, "ElsterID-Zertifikat verwalten")
    link_in_mein_bereich(page, "Musterbau GmbH – Anna Berger", confirm=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSTER-Zertifikat prüfen")
    expect(page.get_by_role("status")).to_contain_text("erste ELSTER-Zertifikat Ihrer Organisation")
    expect(page.get_by_role("main")).to_contain_text("HRB 123456")
    assert_accessible(page, "ELSTER-Zertifikat prüfen")
    page.get_by_role("button", name="Bestätigen und hinterlegen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr ELSTER-Zertifikat ist hinterlegt")
    expect(page.get_by_role("button", name="ELSTER-Verknüpfung lösen")).to_be_visible()
    assert_accessible(page, "ElsterID-Zertifikat hinterlegt")

    page.goto("/administration/unternehmensdaten")
    expect(page.get_by_label("Name der Organisation")).to_have_value("Musterbau GmbH")
    expect(page.get_by_label("Name der Organisation")).to_be_disabled()
    expect(page.get_by_label("Postleitzahl")).to_have_value("20457")
    expect(page.get_by_text("aus ELSTER übernommen").first).to_be_visible()
    assert_accessible(page, "Unternehmensdaten aus ELSTER")


def test_a_user_is_refused_a_certificate_of_another_company(app, page: Page):
    business = make_organisation(app)
    admin = Browserless(app)
    admin.login(ADMIN, PASSWORD)
    link_certificate(admin, "musterbau-berger")
    log_in(page, USER, PASSWORD)
    link_in_mein_bereich(page, "Nordlicht Handels KG – Clara Vogt", confirm=False)
    expect(page.get_by_role("alert")).to_contain_text("gehört zu einer anderen Organisation")
    assert_accessible(page, "ElsterID nicht möglich")
    with app.app_context():
        assert elster_links.link_of(business.accounts[USER]) is None


def test_a_newcomer_registers_mit_elsterid_and_logs_in_to_the_demo_with_it(app, page: Page, mailbox,
                                                                           demo_service):
    page.goto("/organisation/registrierung")
    page.get_by_role("button", name="Mit ElsterID registrieren").click()
    pick_at_elster(page, "Musterbau GmbH – Anna Berger")
    expect(page).to_have_url(path_is("/organisation/registrierung"))
    name = page.get_by_label("Name der Organisation")
    expect(name).to_have_value("Musterbau GmbH")
    expect(name).to_be_disabled()
    expect(page.get_by_label("Handelsregisternummer")).to_have_value("HRB 123456")
    expect(page.get_by_label("Handelsregisternummer")).to_be_disabled()
    assert_accessible(page, "Organisation registrieren mit ElsterID")
    page.get_by_role("button", name="Weiter").click()

    expect(field(page, "Vorname")).to_have_value("Anna")
    expect(field(page, "Nachname")).to_have_value("Berger")
    fill(page, {"Geburtsdatum": "12.04.1980", "Telefonnummer": "040 123456",
                "E-Mail-Adresse": "anna.berger@musterbau.example"})
    fill_password(page)
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("main")).to_contain_text("Musterbau GmbH")
    page.get_by_label(re.compile("Datenverarbeitung")).check()
    page.get_by_role("button", name="Servicekonto Business anlegen").click()
    mail = mailbox.wait_for("anna.berger@musterbau.example", "Servicekonto Business")
    page.goto(next(link for link in mail.links() if "/organisation/registrierung/aktivieren/" in link))
    page.get_by_role("button", name="Servicekonto Business aktivieren").click()
    expect(page).to_have_url(path_is("/administration"))

    # What the administration pages do (tested elsewhere): may use the demo service.
    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.email == "anna.berger@musterbau.example"))
        organisation = entitlements.membership(admin.id).organisation
        organisation.admins_use_services = True
        db.session.commit()
        admin_id, organisation_id = admin.id, organisation.id
    subscribe(app, organisation_id, demo_client_id(app))
    grant(app, admin_id, demo_client_id(app), roles=["Freigabe"])
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()

    log_in_at_the_demo_mit_elsterid(page, demo_service, "Musterbau GmbH – Anna Berger")
    expect(page.locator('[data-organisation="name"]')).to_have_text("Musterbau GmbH")
    expect(page.locator('[data-organisation="roles"]')).to_have_text("Freigabe")


def test_login_mit_elsterid_reaches_the_demo_with_organisation_and_roles(app, page: Page, demo_service):
    business = make_organisation(app, name="Musterbau GmbH")
    client_id = demo_client_id(app)
    subscribe(app, business.organisation_id, client_id)
    grant(app, business.accounts[USER], client_id, roles=["Sachbearbeitung"])
    for email, certificate in ((ADMIN, "musterbau-berger"), (USER, "musterbau-krueger")):
        agent = Browserless(app)
        agent.login(email, PASSWORD)
        link_certificate(agent, certificate)

    log_in_at_the_demo_mit_elsterid(page, demo_service, "Musterbau GmbH – Ben Krüger")
    expect(page.locator('#id-token [data-claim="amr"]')).to_have_text(re.compile(r"swk.*pwd"))
    expect(page.locator('[data-organisation="name"]')).to_have_text("Musterbau GmbH")
    expect(page.locator('[data-organisation="legal_form"]')).to_have_text("GmbH")
    expect(page.locator('[data-organisation="roles"]')).to_have_text("Sachbearbeitung")


def test_cancelling_at_elster_and_unlinking(app, page: Page):
    make_organisation(app)
    log_in(page, ADMIN, PASSWORD)
    link_in_mein_bereich(page, "Musterbau GmbH – Anna Berger")
    page.get_by_role("button", name="ELSTER-Verknüpfung lösen").click()
    expect(page.get_by_role("status")).to_contain_text("Die ELSTER-Verknüpfung ist gelöst")
    page.goto("/administration/unternehmensdaten")
    expect(page.get_by_label("Name der Organisation")).to_be_enabled()

    page.goto("/anmelden")
    page.get_by_role("link", name="Mit ElsterID").click()
    pick_at_elster(page, None)
    expect(page.get_by_role("alert")).to_contain_text("Die Anmeldung bei ELSTER wurde abgebrochen")
    assert_accessible(page, "Anmeldung mit ElsterID abgebrochen")
