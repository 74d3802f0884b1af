"""The Online-Ausweisfunktion through both simulators (SPEC §3, §7): registration of a
Servicekonto Plus with the card, upgrade, eID login with and without a stored
pseudonym, deactivation and synchronisation, step-up inside an online service's
request, and the refusals — each with a German message and nothing lost."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (ACCOUNT_PASSWORD, PASSWORD, assert_accessible, field, log_in_to_mein_bereich,
                                   log_in_with_card, read_card, submit_login_form, summary, upgrade_with_card)

pytestmark = pytest.mark.browser

def register_with_card(page: Page, mailbox, email="erika@example.org", card="erika", pseudonym=True) -> None:
    page.goto("/registrierung")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion registrieren").click()
    expect(field(page, "Vorname")).to_have_count(0)
    assert_accessible(page, "registration with the ID card")
    field(page, "E-Mail-Adresse").fill(email)
    field(page, "Passwort").fill(PASSWORD)
    field(page, "Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Weiter mit Online-Ausweisfunktion").click()
    read_card(page, card, pseudonym=pseudonym)


def finish_registration(page: Page, mailbox, email="erika@example.org") -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Angaben prüfen")
    page.get_by_label(re.compile("Datenverarbeitung")).check()
    page.get_by_role("button", name="Servicekonto anlegen").click()
    link = next(x for x in mailbox.wait_for(email, "Aktivieren").links() if "/registrierung/aktivieren/" in x)
    page.goto(link)
    page.get_by_role("button", name=re.compile("aktivieren", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")


def test_register_plus_with_the_card_then_log_in_with_it(page, mailbox):
    register_with_card(page, mailbox)
    card = page.locator("#ausweisdaten")
    # As the card holds them: upper case.
    expect(card).to_contain_text("ERIKA")
    expect(card).to_contain_text("MUSTERMANN")
    expect(card).to_contain_text("möglich (Pseudonym übermittelt)")
    assert_accessible(page, "overview with card data")
    finish_registration(page, mailbox)
    shown = summary(page)
    assert shown["Kontoart"] == "Servicekonto Plus" and shown["Vorname"] == "ERIKA"

    page.get_by_role("button", name="Abmelden").click()
    log_in_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    assert summary(page)["Vertrauensniveau dieser Anmeldung"] == "hoch"


def test_under_16_is_refused_and_the_registration_kept(page, mailbox):
    register_with_card(page, mailbox, card="jonas")
    expect(page.get_by_role("alert")).to_contain_text("mindestens 16 Jahre")
    assert_accessible(page, "eID refusal")
    page.get_by_role("link", name="Erneut versuchen").click()
    expect(field(page, "E-Mail-Adresse")).to_have_value("erika@example.org")
    page.get_by_role("button", name="Weiter mit Online-Ausweisfunktion").click()
    read_card(page, "erika")
    finish_registration(page, mailbox)


def test_expired_card_cancel_and_wrong_pin(page, mailbox):
    register_with_card(page, mailbox, card="abgelaufen")
    expect(page.get_by_role("alert")).to_contain_text(re.compile("Ausweis|Dokument"))
    page.get_by_role("link", name="Erneut versuchen").click()
    page.get_by_role("button", name="Weiter mit Online-Ausweisfunktion").click()
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.get_by_role("alert")).to_contain_text("abgebrochen")
    page.get_by_role("link", name="Erneut versuchen").click()
    page.get_by_role("button", name="Weiter mit Online-Ausweisfunktion").click()
    read_card(page, "erika", pin="000000")
    expect(page.locator("#pin-fehler")).to_be_visible()
    read_card(page, "erika")
    finish_registration(page, mailbox)


def test_upgrade_logs_out_and_the_account_is_plus(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    assert_accessible(page, "upgrade done")
    page.goto("/mein-bereich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    log_in_to_mein_bereich(page)
    assert summary(page)["Kontoart"] == "Servicekonto Plus"
    assert summary(page)["Vertrauensniveau dieser Anmeldung"] == "substanziell"
    page.goto("/mein-bereich/profil")
    expect(field(page, "Vorname")).to_be_disabled()
    page.get_by_role("button", name="Abmelden").click()
    log_in_with_card(page)
    assert summary(page)["Vertrauensniveau dieser Anmeldung"] == "hoch"


def test_eid_login_needs_a_stored_pseudonym(page, make_account):
    make_account()
    log_in_with_card(page)
    expect(page.get_by_role("alert")).to_contain_text("kein Servicekonto mit Online-Ausweisfunktion eingerichtet")

    log_in_to_mein_bereich(page)
    upgrade_with_card(page, pseudonym=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    log_in_with_card(page)
    expect(page.get_by_role("alert")).to_contain_text("kein Servicekonto mit Online-Ausweisfunktion eingerichtet")


def test_deactivate_and_synchronise(page, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)
    log_in_to_mein_bereich(page)
    page.get_by_role("link", name="Ausweisdaten verwalten").click()
    assert_accessible(page, "Ausweisdaten verwalten")
    page.get_by_role("button", name="Online-Ausweisfunktion deaktivieren").click()
    expect(page.get_by_role("status")).to_contain_text("deaktiviert")
    page.get_by_role("button", name="Abmelden").click()
    log_in_with_card(page)
    expect(page.get_by_role("alert")).to_contain_text("kein Servicekonto mit Online-Ausweisfunktion")

    log_in_to_mein_bereich(page)
    page.goto("/mein-bereich/ausweis")
    page.get_by_role("button", name="Daten mit Ausweis synchronisieren").click()
    read_card(page)
    expect(page.get_by_role("status")).to_contain_text("synchronisiert")
    page.get_by_role("button", name="Abmelden").click()
    log_in_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")


def test_one_card_one_account(page, make_account):
    make_account()
    make_account(email="max@example.org", given_name="Max")
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)
    log_in_to_mein_bereich(page, "max@example.org")
    upgrade_with_card(page)
    expect(page.get_by_role("alert")).to_contain_text("bereits mit einem anderen Servicekonto verbunden")
    page.goto("/mein-bereich")
    assert summary(page)["Kontoart"] == "Servicekonto"


def test_step_up_to_hoch_inside_the_request_of_an_online_service(page, make_account, demo_service):
    make_account()
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Anmelden mit Vertrauensniveau „hoch“").click()
    submit_login_form(page, "erika@example.org", ACCOUNT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion fortfahren").click()
    read_card(page)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.locator("#id-token [data-claim=loa]")).to_have_text("hoch")
    expect(page.locator("#id-token [data-claim=acr]")).to_have_text("http://eidas.europa.eu/LoA/high")
    expect(page.locator("#userinfo [data-claim=verified_claims]")).to_contain_text("high")


def test_step_up_with_someone_elses_card_is_refused(page, make_account, demo_service):
    make_account()
    make_account(email="hans@example.org", given_name="Hans")
    log_in_to_mein_bereich(page)
    upgrade_with_card(page, "erika")
    log_in_to_mein_bereich(page, "hans@example.org")
    upgrade_with_card(page, "tag-unbekannt")
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Anmelden mit Vertrauensniveau „hoch“").click()
    submit_login_form(page, "hans@example.org", ACCOUNT_PASSWORD)
    page.get_by_role("link", name="Mit Online-Ausweisfunktion fortfahren").click()
    read_card(page, "erika")
    expect(page.get_by_role("alert")).to_contain_text("gehört nicht zu dem Servicekonto")


def test_an_upgrade_started_at_the_step_up_returns_to_the_online_service(page, make_account, demo_service):
    """SPEC §2: the step-up keeps the authorization request, also through the upgrade
    and the new login it ends with."""
    make_account()
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Anmelden mit Vertrauensniveau „hoch“").click()
    submit_login_form(page, "erika@example.org", ACCOUNT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    page.get_by_role("link", name="Upgrade starten").click()
    expect(page.get_by_text("kehren zum Online-Dienst zurück")).to_be_visible()
    assert_accessible(page, "upgrade with a waiting request")
    page.get_by_role("button", name="Mit Online-Ausweisfunktion").click()
    read_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    page.locator("#inhalt").get_by_role("link", name="Anmelden").click()
    submit_login_form(page, "erika@example.org", ACCOUNT_PASSWORD)
    # Now Plus with the card linked: the password reaches substanziell, the card hoch.
    page.get_by_role("link", name="Mit Online-Ausweisfunktion fortfahren").click()
    read_card(page)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.locator("#id-token [data-claim=loa]")).to_have_text("hoch")
