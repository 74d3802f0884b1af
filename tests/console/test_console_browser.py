"""The operator console in a browser: the demo's operator logs in with the test card,
finds "Betrieb" in the header and works through the sections; an operator logged in
by password is sent to the ID card first. Every page passes axe."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from eid_connector.simulator import cards
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.devserver import DEMO_OPERATOR_CARD, DEMO_OPERATOR_EMAIL, demo_operator
from idp.extensions import db
from tests.browser.support import ACCOUNT_PASSWORD, assert_accessible, field, field_error, log_in

pytestmark = pytest.mark.browser


def read_operator_card(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Ausweisdaten übermitteln")
    page.get_by_label(cards.card(DEMO_OPERATOR_CARD).label).check()
    page.get_by_label("PIN", exact=True).fill(cards.TEST_PIN)
    page.get_by_role("button", name="Übermitteln").click()


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Betrieb").get_by_role("link", name=name).click()


def test_the_demo_operator_works_in_the_console(app, page, eid_simulators, make_client):
    make_client(name="Wohngeld")
    demo_operator(app, eid_simulators)
    page.goto("/anmelden")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion").click()
    read_operator_card(page)
    heading(page, "Mein Bereich")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Betrieb").click()
    heading(page, "Betrieb")
    assert_accessible(page, "Betrieb")

    section(page, "Online-Dienste")
    heading(page, "Online-Dienste")
    assert_accessible(page, "Online-Dienste")
    page.get_by_role("link", name="Online-Dienst hinzufügen").click()
    field(page, "Weiterleitungsadressen (Redirect-URIs)").fill("http://dienst.example/cb")
    page.get_by_label("Mindestvertrauensniveau").select_option("substanziell")
    page.get_by_role("button", name="Online-Dienst hinzufügen").click()
    expect(field_error(page, "name")).to_contain_text("Bitte geben Sie den Namen des Online-Dienstes an.")
    expect(field_error(page, "redirect_uris")).to_contain_text("http nur für 127.0.0.1 oder localhost")
    expect(page.get_by_label("Mindestvertrauensniveau")).to_have_value("substanziell")
    assert_accessible(page, "Online-Dienst hinzufügen, refused")
    field(page, "Name des Online-Dienstes").fill("Kita-Anmeldung")
    field(page, "Weiterleitungsadressen (Redirect-URIs)").fill("https://kita.example/cb")
    page.get_by_role("button", name="Online-Dienst hinzufügen").click()
    heading(page, "Online-Dienst hinzugefügt")
    expect(page.locator("#client-secret")).not_to_be_empty()
    assert_accessible(page, "Online-Dienst hinzugefügt")
    page.get_by_role("link", name="Zum Online-Dienst").click()
    heading(page, "Kita-Anmeldung")
    assert_accessible(page, "Online-Dienst bearbeiten")
    page.get_by_role("button", name="Deaktivieren").click()
    expect(page.get_by_role("status")).to_have_text("Der Online-Dienst ist deaktiviert. Seine Tokens wurden widerrufen.")
    page.get_by_role("button", name="Neues Secret erzeugen").click()
    heading(page, "Neues Client-Secret")

    section(page, "Föderationspartner")
    heading(page, "Föderationspartner")
    page.get_by_role("button", name="Föderationspartner hinzufügen").click()
    expect(field_error(page, "source")).to_be_visible()
    assert_accessible(page, "Föderationspartner, refused")

    section(page, "Signaturschlüssel")
    heading(page, "Signaturschlüssel")
    assert_accessible(page, "Signaturschlüssel")
    page.get_by_role("button", name="Schlüssel rotieren").click()
    expect(page.get_by_role("status")).to_have_text("Die Schlüssel wurden rotiert.")

    section(page, "Rollen")
    heading(page, "Rollen")
    page.get_by_label("E-Mail-Adresse des Kontos").first.fill(DEMO_OPERATOR_EMAIL)
    page.get_by_role("button", name="Rolle Meldebehörde vergeben").click()
    expect(page.get_by_role("status")).to_have_text("Die Rolle Meldebehörde wurde vergeben.")
    assert_accessible(page, "Rollen")

    section(page, "Protokoll")
    heading(page, "Protokoll")
    page.get_by_label("Ereignis", exact=True).select_option(label="Betrieb (alle)")
    page.get_by_role("button", name="Suchen").click()
    table = page.locator("table.audit-log")
    expect(table).to_contain_text("Rolle vergeben oder entzogen")
    assert_accessible(page, "Protokoll")
    field(page, "Von (Datum)").fill("gestern")
    page.get_by_role("button", name="Suchen").click()
    expect(field_error(page, "von")).to_contain_text("Bitte geben Sie ein Datum als TT.MM.JJJJ an.")
    assert_accessible(page, "Protokoll, refused")


def test_an_operator_logged_in_by_password_continues_with_the_card(app, page, eid_simulators):
    demo_operator(app, eid_simulators)
    with app.app_context():
        account = db.session.query(Account).filter_by(email=DEMO_OPERATOR_EMAIL).one()
        account.password_hash = hash_password(ACCOUNT_PASSWORD)
        db.session.commit()
    log_in(page, DEMO_OPERATOR_EMAIL)
    page.goto("/betrieb/rollen")
    heading(page, "Anmeldung mit Online-Ausweisfunktion erforderlich")
    expect(page.get_by_role("status")).to_contain_text("Den Betrieb des Servicekontos verwalten Sie nur nach")
    assert_accessible(page, "Betrieb step-up")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion anmelden").click()
    read_operator_card(page)
    heading(page, "Rollen")
    expect(page).to_have_url(re.compile(r"/betrieb/rollen$"))
