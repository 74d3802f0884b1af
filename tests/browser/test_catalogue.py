"""The catalogue "Online-Dienste" in the browser (SPEC §5): found from the page header,
searched with the form alone (no JavaScript) and with suggestions while typing, and
accessible for visitors and logged-in users."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, log_in, path_is
from tests.catalogue.support import list_service

pytestmark = pytest.mark.browser


@pytest.fixture
def services(app):
    return {
        "fuehrerschein": list_service(app, "Führerschein umtauschen", start_url="https://fs.example.de/start",
                                      authority="Fahrerlaubnisbehörde Musterstadt", min_loa="substanziell",
                                      description="Tauschen Sie Ihren alten Führerschein gegen einen neuen.",
                                      fees="25,30 Euro"),
        "gewerbe": list_service(app, "Gewerbeanmeldung", start_url="https://gewerbe.example.de/start",
                                authority="Gewerbeamt Musterstadt", keywords=["Betrieb"], audience="both"),
        "register": list_service(app, "Unternehmensregister", audience="organisations", min_loa="hoch"),
    }


def entry(page, name: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name, level=3))


def test_search_without_javascript(browser, live_server, services):
    context = browser.new_context(locale="de-DE", base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("navigation").get_by_role("link", name="Online-Dienste").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Online-Dienste")
        expect(page.get_by_role("heading", level=3)).to_have_count(3)
        page.get_by_label("Online-Dienst suchen").fill("gewerbe")
        page.get_by_role("button", name="Suchen").click()
        expect(page).to_have_url(re.compile(r"/online-dienste\?q=gewerbe$"))
        expect(page.get_by_role("heading", level=3)).to_have_text(["Gewerbeanmeldung"])
        found = entry(page, "Gewerbeanmeldung")
        expect(found).to_contain_text("Gewerbeamt Musterstadt")
        expect(found.get_by_role("link", name="Hier starten")).to_have_attribute(
            "href", "https://gewerbe.example.de/start")
        expect(page.get_by_label("Online-Dienst suchen")).to_have_value("gewerbe")
    finally:
        context.close()


def test_suggestions_while_typing_lead_to_the_service(page, services):
    page.goto("/online-dienste")
    field = page.get_by_role("combobox", name="Online-Dienst suchen")
    field.press_sequentially("führ")
    option = page.get_by_role("option", name=re.compile("^Führerschein umtauschen"))
    expect(option).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status")).to_have_text(re.compile("1 Vorschlag"))
    assert_accessible(page, "Online-Dienste with suggestions open")

    option.click()
    expect(page).to_have_url(path_is("/online-dienste"))
    expect(page.get_by_role("heading", level=3)).to_have_text(["Führerschein umtauschen"])
    expect(entry(page, "Führerschein umtauschen")).to_contain_text("Fahrerlaubnisbehörde Musterstadt")

    # The keyboard works the same way: arrow down to the suggestion, Enter.
    field = page.get_by_role("combobox", name="Online-Dienst suchen")
    field.fill("")
    field.press_sequentially("betrieb")
    expect(page.get_by_role("option", name=re.compile("^Gewerbeanmeldung"))).to_be_visible()
    field.press("ArrowDown")
    expect(page.get_by_role("option", name=re.compile("^Gewerbeanmeldung"))).to_have_attribute("aria-selected", "true")
    field.press("Enter")
    expect(page.get_by_role("heading", level=3)).to_have_text(["Gewerbeanmeldung"])
    # Escape closes the list.
    field = page.get_by_role("combobox", name="Online-Dienst suchen")
    field.fill("")
    field.press_sequentially("umtau")
    expect(page.get_by_role("listbox")).to_be_visible()
    field.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(field).to_have_attribute("aria-expanded", "false")


def test_the_page_is_accessible_for_visitors_and_logged_in_users(page, services, make_account):
    page.goto("/online-dienste")
    assert_accessible(page, "Online-Dienste (logged out)")

    make_account()
    log_in(page)
    page.get_by_role("navigation").get_by_role("link", name="Online-Dienste").click()
    refused = entry(page, "Führerschein umtauschen")
    expect(refused).to_contain_text("Sie können diesen Online-Dienst mit Ihrer Anmeldung nicht nutzen.")
    expect(entry(page, "Unternehmensregister")).to_contain_text("steht nur Organisationen offen")
    expect(entry(page, "Gewerbeanmeldung")).not_to_contain_text("nicht nutzen")
    assert_accessible(page, "Online-Dienste (logged in)")
    refused.get_by_role("link", name="Upgrade starten").click()
    expect(page).to_have_url(path_is("/mein-bereich/upgrade"))
