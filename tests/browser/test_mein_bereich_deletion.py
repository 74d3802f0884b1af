""""Servicekonto löschen" in the browser (SPEC §3): confirmation, everything gone at
once, the address free for a new registration, and the online services with a live
session told by back-channel logout."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.relying_party import check_logout_token, code_flow
from tests.browser.support import ACCOUNT_PASSWORD, assert_accessible, field, log_in_to_mein_bereich, summary, try_log_in

pytestmark = pytest.mark.browser

EMAIL = "erika@example.org"


def open_delete_page(page):
    page.goto("/mein-bereich")
    page.get_by_role("link", name="Servicekonto löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto löschen")


def delete_account(page, password: str = ACCOUNT_PASSWORD):
    page.get_by_label(f"Ich möchte mein Servicekonto {EMAIL} endgültig löschen.").check()
    field(page, "Passwort").fill(password)
    page.get_by_role("button", name="Servicekonto löschen").click()


def register(page, given_name: str, family_name: str, email: str, password: str):
    """The registration pages: form → overview → consent → "Servicekonto anlegen"."""
    field(page, "Vorname").fill(given_name)
    field(page, "Nachname").fill(family_name)
    field(page, "E-Mail-Adresse").fill(email)
    field(page, "Passwort").fill(password)
    field(page, "Passwort wiederholen").fill(password)
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angaben prüfen")
    page.get_by_label(re.compile("^Ich willige in die Datenverarbeitung ein")).check()
    page.get_by_role("button", name="Servicekonto anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")


def test_deletion_needs_confirmation_and_password(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    open_delete_page(page)
    assert_accessible(page, "Servicekonto löschen")

    field(page, "Passwort").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="Servicekonto löschen").click()
    checkbox = page.get_by_label(f"Ich möchte mein Servicekonto {EMAIL} endgültig löschen.")
    expect(checkbox).to_have_attribute("aria-invalid", "true")
    expect(checkbox).to_have_accessible_description(
        "Fehler: Bitte bestätigen Sie, dass Sie Ihr Servicekonto endgültig löschen möchten.")
    assert_accessible(page, "Servicekonto löschen with errors")

    delete_account(page, password="Falsch!123")
    expect(field(page, "Passwort")).to_have_accessible_description(re.compile("Das Passwort ist nicht korrekt."))
    expect(checkbox).not_to_have_attribute("aria-invalid", "true")

    page.get_by_role("link", name="Abbrechen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    assert summary(page)["E-Mail-Adresse"] == EMAIL


def test_deleted_account_is_gone_and_the_address_can_register_again(page, make_account, mailbox):
    make_account()
    log_in_to_mein_bereich(page)
    open_delete_page(page)
    delete_account(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto gelöscht")
    expect(page.get_by_role("status")).to_have_text(
        "Ihr Servicekonto und alle dazugehörigen Daten wurden gelöscht. Sie wurden abgemeldet.")
    assert_accessible(page, "Servicekonto gelöscht")
    # Logged out here ...
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anmelden")).to_be_visible()
    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    # ... and the old credentials open nothing.
    assert not try_log_in(page, EMAIL, ACCOUNT_PASSWORD)

    # The same address registers again at once, through the registration pages.
    page.goto("/servicekonto-geloescht")
    page.get_by_role("link", name="Neues Servicekonto registrieren").click()
    register(page, "Erika", "Neumann", EMAIL, "Zweites!Pw7")
    mail = mailbox.wait_for(EMAIL, "Aktivieren Sie Ihr Servicekonto")
    page.goto(mail.links()[0])
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("status")).to_have_text("Ihr Servicekonto ist aktiviert. Willkommen!")
    shown = summary(page)
    assert shown["Nachname"] == "Neumann" and shown["E-Mail-Adresse"] == EMAIL
    # Nothing of the old account came back.
    page.get_by_role("link", name="Datenzugriff verwalten").click()
    expect(page.get_by_role("main")).to_contain_text("Sie haben keinem Online-Dienst eine dauerhafte Zustimmung erteilt.")


def test_deletion_logs_the_account_out_of_online_services(page, live_server, make_account, make_client,
                                                          relying_party):
    make_account()
    client = make_client(relying_party.redirect_uri, name="Parkausweis-Dienst",
                         backchannel_logout_uri=relying_party.backchannel_logout_uri)
    log_in_to_mein_bereich(page)
    tokens = code_flow(page, live_server, client, relying_party)
    assert requests.get(live_server + "/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"},
                        timeout=5).status_code == 200

    open_delete_page(page)
    delete_account(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto gelöscht")

    received = relying_party.wait_for_logout()
    check_logout_token(received, live_server, client.client_id, tokens.id_claims)
    assert len(relying_party.logouts) == 1
    # The service's tokens are worthless now.
    assert requests.get(live_server + "/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"},
                        timeout=5).status_code == 401


def test_abmelden_logs_the_session_out_of_online_services(page, live_server, make_account, make_client,
                                                          relying_party):
    make_account()
    client = make_client(relying_party.redirect_uri, name="Parkausweis-Dienst",
                         backchannel_logout_uri=relying_party.backchannel_logout_uri)
    log_in_to_mein_bereich(page)
    tokens = code_flow(page, live_server, client, relying_party)

    page.goto("/mein-bereich")
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")

    received = relying_party.wait_for_logout()
    claims = check_logout_token(received, live_server, client.client_id, tokens.id_claims)
    assert len(relying_party.logouts) == 1
    assert requests.get(live_server + "/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"},
                        timeout=5).status_code == 401

    # A second login is a new session: its logout token names another sid.
    log_in_to_mein_bereich(page)
    second = code_flow(page, live_server, client, relying_party, consent=False)
    assert second.id_claims["sid"] != tokens.id_claims["sid"]
    assert second.id_claims["sub"] == tokens.id_claims["sub"]
    page.goto("/mein-bereich")
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")
    again = check_logout_token(relying_party.wait_for_logout(count=2), live_server, client.client_id,
                               second.id_claims)
    assert again["jti"] != claims["jti"]
