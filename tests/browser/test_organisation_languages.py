"""Servicekonto Business in English in the browser: the registration of an
organisation and the main pages of the administration pass axe-core and show no German
of the catalogue (the rules per page: tests/organisations/test_languages.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import path_is
from tests.organisations.support import PASSWORD
from tests.organisations.support_c import add_user, make_organisation
from tests.support.languages import check_english

pytestmark = pytest.mark.browser


@pytest.fixture
def english(browser, live_server):
    context = browser.new_context(locale="en-GB", base_url=live_server)
    yield context.new_page()
    context.close()


def test_registration_of_an_organisation_in_english(english, make_client):
    make_client(name="Fördermittel", audience="organisations", approval="leitstelle")
    page, found = english, {}
    page.goto("/organisation/registrierung")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an organisation")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#name-fehler")).to_have_text("Error: Please enter the name of the organisation.")
    check_english(page, "organisation with errors", found)
    for label, value in (("Name of the organisation", "Muster GmbH"), ("Street", "Hafenstraße"),
                         ("House number", "7"), ("Postcode", "20457"), ("Town", "Hamburg")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is("/organisation/registrierung/administrator"))
    check_english(page, "administrator", found)
    page.goto("/organisation/registrierung/online-dienste")
    check_english(page, "online services", found)
    assert not found, f"German left on English pages: {found}"


def test_administration_pages_in_english(english, app, make_client):
    organisation_id, _admin = make_organisation(app)
    add_user(app, organisation_id, "uwe@muster.example")
    make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung"])
    page, found = english, {}
    page.goto("/anmelden")
    page.get_by_label("E-mail address", exact=True).fill("admin@muster.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    page.goto("/administration/gruppen/neu")
    page.get_by_label("Designation").fill("Zulassung")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group “Zulassung”")
    check_english(page, "group", found)
    for path in ("/administration", "/administration/unternehmensdaten", "/administration/benutzer",
                 "/administration/benutzer/neu", "/administration/gruppen", "/administration/funktionspostfaecher/neu",
                 "/administration/online-dienste", "/vertretung"):
        page.goto(path)
        check_english(page, path, found)
    assert not found, f"German left on English pages: {found}"
