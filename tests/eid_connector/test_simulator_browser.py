"""A person in Chromium on the eID-Client simulator: the real EidServerClient opens the
session at the eID-Server simulator, the browser reads each test card (PIN, pseudonym
choice, cancel) and lands on the stand-in RefreshAddress, then getResult brings the
data. axe-core (WCAG 2.1 A/AA) checks the simulator's pages."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from eid_connector import map_personal_data
from eid_connector import messages as m
from eid_connector.results import ClientResultMinor, ResultMinor, parse_client_redirect
from eid_connector.simulator import cards
from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser

CARD_LABELS = {card.id: card.label for card in cards.all_cards()}


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def arrived_query(page: Page) -> dict[str, str]:
    expect(page.get_by_role("heading", level=1)).to_have_text("Zurück beim Online-Dienst")
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def fill_client_form(page: Page, card: str, pin: str = "123456", pseudonym: bool | None = True) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Ausweisdaten übermitteln")
    page.get_by_role("radio", name=CARD_LABELS[card]).check()
    if pseudonym is not None:
        page.get_by_label("Pseudonym an den Anbieter übermitteln").set_checked(pseudonym)
    page.get_by_label("PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Übermitteln").click()


def read_card(page: Page, eservice, card: str, *, pseudonym: bool = True, use_request=None):
    """One eID process in the browser; returns (run, getResult outcome)."""
    run = eservice.start(use_request)
    # Before the citizen is done, the eID-Server has nothing yet.
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.NO_RESULT_YET
    page.goto(run.client_start_url)
    fill_client_form(page, card, pseudonym=pseudonym if use_request is None else None)
    assert arrived_query(page) == {"ResultMajor": "ok"}
    assert urlsplit(page.url).path == f"/zurueck/{run.key}"
    return run, eservice.client.get_result(run.session_id)


EXPECTED = {
    "erika": dict(given_name="ERIKA", family_name="MUSTERMANN", birth_name="GABLER", academic_title="DR.",
                  birth_date="12.08.1964", place_of_birth="BERLIN", street="HEIDESTRASSE", house_number="17",
                  postal_code="51147", city="KÖLN", country="D", nationality="D", document_type="ID",
                  issuing_state="D", age_verified=True),
    "jonas": dict(given_name="JONAS", family_name="MUSTERMANN", birth_name=None, academic_title=None,
                  place_of_birth="KÖLN", city="KÖLN", age_verified=False),
    "tag-unbekannt": dict(given_name="HANS", birth_date="00.08.1964", place_of_birth="KABUL/AFGHANISTAN",
                          street="HOHE STRASSE", house_number="12A", postal_code="50667", age_verified=True),
    "aufenthaltstitel": dict(given_name="OLENA", family_name="KOVALENKO", document_type="AR", nationality="UKR",
                             issuing_state="D", birth_date="15.03.1990", place_of_birth="CHARKIW, UKR",
                             street="AACHENER STRASSE", house_number="1", age_verified=True),
    "ohne-wohnsitz": dict(given_name="LUDWIG", street=None, city=None,
                          address_note="keine Hauptwohnung in Deutschland", age_verified=True),
}


@pytest.mark.parametrize("card", sorted(EXPECTED))
def test_each_valid_card_delivers_its_data(page, eservice, card):
    _run, outcome = read_card(page, eservice, card)
    assert outcome.ok, outcome.result
    attributes = outcome.attributes
    assert attributes == map_personal_data(outcome.response.personal_data,
                                           fulfils_age_verification=outcome.response.fulfils_age_verification)
    for name, value in EXPECTED[card].items():
        assert getattr(attributes, name) == value, name
    assert len(bytes.fromhex(attributes.restricted_id)) == 32


def test_expired_card_ends_in_invalid_document(page, eservice):
    _run, outcome = read_card(page, eservice, "abgelaufen")
    assert outcome.result.minor == ResultMinor.INVALID_DOCUMENT and outcome.attributes is None


def test_pseudonym_allowed_or_withheld_and_stable(page, eservice):
    _run, withheld = read_card(page, eservice, "erika", pseudonym=False)
    assert withheld.ok and withheld.attributes.restricted_id is None
    assert withheld.attributes.given_name == "ERIKA"
    _run, first = read_card(page, eservice, "erika", pseudonym=True)
    _run, login = read_card(page, eservice, "erika", use_request=m.login_request())
    assert first.attributes.restricted_id == login.attributes.restricted_id
    assert login.attributes.given_name is None


def test_wrong_pin_then_right_pin(page, eservice):
    run = eservice.start()
    page.goto(run.client_start_url)
    fill_client_form(page, "aufenthaltstitel", pin="000000")
    error = page.locator("#pin-fehler")
    expect(error).to_have_text("Fehler: Die PIN ist falsch. Sie haben noch 2 Versuche.")
    pin = page.get_by_label("PIN", exact=True)
    expect(pin).to_have_attribute("aria-invalid", "true")
    expect(pin).to_have_accessible_description(
        "6 Ziffern. Alle Testausweise haben die PIN 123456. Verbleibende Versuche: 2. "
        "Fehler: Die PIN ist falsch. Sie haben noch 2 Versuche.")
    expect(page.get_by_role("radio", name=CARD_LABELS["aufenthaltstitel"])).to_be_checked()
    assert_accessible(page, "eID-Client-Simulator nach falscher PIN")

    page.get_by_label("PIN", exact=True).fill("123456")
    page.get_by_role("button", name="Übermitteln").click()
    assert arrived_query(page) == {"ResultMajor": "ok"}
    assert eservice.client.get_result(run.session_id).attributes.family_name == "KOVALENKO"


def test_three_wrong_pins_end_with_client_error(page, eservice):
    run = eservice.start()
    page.goto(run.client_start_url)
    for pin in ("111111", "222222"):
        fill_client_form(page, "erika", pin=pin)
        expect(page.locator("#pin-fehler")).to_be_visible()
    fill_client_form(page, "erika", pin="333333")
    query = arrived_query(page)
    assert parse_client_redirect(query["ResultMajor"], query.get("ResultMinor")).minor is (
        ClientResultMinor.CLIENT_ERROR)


def test_cancel(page, eservice):
    run = eservice.start()
    page.goto(run.client_start_url)
    page.get_by_role("button", name="Abbrechen").click()      # no PIN needed to cancel
    query = arrived_query(page)
    assert query == {"ResultMajor": "error", "ResultMinor": "cancellationByUser"}
    assert parse_client_redirect(query["ResultMajor"], query["ResultMinor"]).minor is (
        ClientResultMinor.CANCELLATION_BY_USER)
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.INVALID_SESSION


# -- accessibility ---------------------------------------------------------------------------
def test_client_pages_are_accessible(page, eservice):
    run = eservice.start()
    page.goto(run.client_start_url)
    expect(page.get_by_role("group", name="Testausweis")).to_be_visible()
    expect(page.get_by_role("group", name="Pseudonym")).to_be_visible()
    assert_accessible(page, "eID-Client-Simulator (Registrierung)")

    page.goto(eservice.start(m.login_request()).client_start_url)
    expect(page.get_by_role("group", name="Pseudonym")).to_have_count(0)
    assert_accessible(page, "eID-Client-Simulator (Anmeldung)")

    page.goto(eservice.client_sim.start_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorgang kann nicht gestartet werden")
    expect(page.get_by_role("alert")).to_contain_text("tcTokenURL")
    assert_accessible(page, "eID-Client-Simulator Fehlerseite")

    page.goto(eservice.client_sim.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("eID-Client-Simulator")
    assert_accessible(page, "eID-Client-Simulator Hilfeseite")
