""""Online-Dienste verwalten" and the Fachliche Leitstelle in the browser (SPEC §6):
an administrator subscribes services, the Leitstelle approves or refuses, every
administrator learns it by mail, and users get services and roles directly."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc.models import Client
from idp.organisations import entitlements, leitstelle
from idp.organisations.entitlements import Refusal
from tests.browser.support import assert_accessible, field_error, log_in, log_in_to_mein_bereich
from tests.organisations.support_c import add_user, make_organisation

pytestmark = pytest.mark.browser

ADMIN = "admin@muster.example"
LEITSTELLE = "leitstelle@behoerde.example"


@pytest.fixture
def setting(app, make_account, make_client):
    organisation_id, _ = make_organisation(app)
    add_user(app, organisation_id, "zweite@muster.example", is_admin=True, given_name="Zora", family_name="Zweit")
    user_id = add_user(app, organisation_id, "uwe@muster.example")
    auto = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung", "Leitung"])
    approved = make_client(name="Fördermittel", audience="organisations", approval="leitstelle")
    # The Leitstelle is staff of the authority with an ordinary citizen account.
    make_account(email=LEITSTELLE, given_name="Lea", family_name="Leitstelle")
    with app.app_context():
        leitstelle.grant(approved.client_id, LEITSTELLE)
    return {"user": user_id, "auto": auto.client_id, "approved": approved.client_id}


@pytest.fixture
def leitstelle_page(browser, live_server):
    context = browser.new_context(locale="de-DE", base_url=live_server)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def access(app, account_id, client_id):
    with app.app_context():
        return entitlements.access(db.session.get(Account, account_id), db.session.get(Client, client_id))


def open_services(page):
    log_in(page, ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Online-Dienste verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Online-Dienste verwalten")


def subscribe(page, label):
    page.get_by_label("Online-Dienst", exact=True).select_option(label=label)
    page.get_by_role("button", name="Online-Dienst abonnieren").click()


def row(page, name):
    return page.locator("tr", has=page.get_by_text(name, exact=True))


def open_request(leitstelle_page):
    log_in_to_mein_bereich(leitstelle_page, LEITSTELLE)
    leitstelle_page.get_by_role("link", name="Fachliche Leitstelle: Freischaltungen").click()
    expect(leitstelle_page.get_by_role("heading", level=1)).to_have_text("Fachliche Leitstelle: Freischaltungen")
    request = row(leitstelle_page, "Fördermittel")
    expect(request).to_contain_text("Hafenstraße 7, 20457 Hamburg")
    expect(request).to_contain_text("HRB 12345")
    assert_accessible(leitstelle_page, "Fachliche Leitstelle: Freischaltungen")
    leitstelle_page.get_by_role("link", name="Muster GmbH").click()
    expect(leitstelle_page.get_by_role("heading", level=1)).to_have_text("Freischaltung für Muster GmbH")


def test_subscribe_approve_grant_and_unsubscribe(app, page, leitstelle_page, setting, mailbox):
    open_services(page)
    expect(page.get_by_text("dürfen zurzeit keine Online-Dienste nutzen")).to_be_visible()
    assert_accessible(page, "Online-Dienste verwalten")
    page.get_by_role("button", name="Online-Dienst abonnieren").click()
    expect(field_error(page, "client_id")).to_contain_text("Bitte wählen Sie einen Online-Dienst")
    assert_accessible(page, "Online-Dienste verwalten with an error")

    subscribe(page, "Gewerbeanmeldung")
    expect(page.get_by_role("status")).to_have_text("Der Online-Dienst ist abonniert.")
    expect(row(page, "Gewerbeanmeldung")).to_contain_text("freigeschaltet")
    subscribe(page, "Fördermittel (Freischaltung durch die Fachliche Leitstelle)")
    expect(row(page, "Fördermittel")).to_contain_text("wartet auf Freischaltung durch die Fachliche Leitstelle")
    assert "Fördermittel" in mailbox.wait_for(LEITSTELLE, "Neue Freischaltungsanfrage").subject

    open_request(leitstelle_page)
    assert_accessible(leitstelle_page, "Freischaltung")
    leitstelle_page.get_by_role("button", name="Freischalten").click()
    expect(leitstelle_page.get_by_role("status")).to_contain_text("freigeschaltet")
    expect(leitstelle_page.get_by_text("Keine Organisation wartet")).to_be_visible()
    for admin in (ADMIN, "zweite@muster.example"):
        assert "Fördermittel" in mailbox.wait_for(admin, "Online-Dienst freigeschaltet").body
    page.reload()
    expect(row(page, "Fördermittel")).not_to_contain_text("wartet")

    # Direct grant with an additional role for one user.
    page.get_by_label("Benutzer", exact=True).select_option(label="Uwe Nutzer (uwe@muster.example)")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", name="Online-Dienste von Uwe Nutzer")).to_be_visible()
    assert_accessible(page, "Online-Dienste verwalten for a user")
    page.get_by_label("Gewerbeanmeldung: Berechtigt").check()
    row(page, "Gewerbeanmeldung").get_by_label("Leitung").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Berechtigungen wurden gespeichert.")
    expect(page.get_by_label("Gewerbeanmeldung: Berechtigt")).to_be_checked()
    expect(row(page, "Gewerbeanmeldung").get_by_label("Leitung")).to_be_checked()
    expect(row(page, "Gewerbeanmeldung").get_by_label("Sachbearbeitung")).not_to_be_checked()
    expect(page.get_by_label("Fördermittel: Berechtigt")).not_to_be_checked()
    assert access(app, setting["user"], setting["auto"]).roles == ["Leitung"]
    assert access(app, setting["user"], setting["approved"]).refusal is Refusal.NOT_GRANTED

    # Roles need "Berechtigt": refused next to the service, what was ticked stays.
    page.get_by_label("Gewerbeanmeldung: Berechtigt").uncheck()
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, f"rollen-{setting['auto']}")).to_contain_text("setzen voraus")
    expect(row(page, "Gewerbeanmeldung").get_by_label("Leitung")).to_be_checked()
    assert_accessible(page, "Online-Dienste verwalten with a refused grant")
    assert access(app, setting["user"], setting["auto"]).roles == ["Leitung"]

    page.goto("/administration/online-dienste")
    row(page, "Gewerbeanmeldung").get_by_role("link", name=re.compile("Abonnement beenden")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement beenden")
    assert_accessible(page, "Abonnement beenden")
    page.get_by_role("button", name="Abonnement beenden").click()
    expect(page.get_by_role("status")).to_have_text("Das Abonnement ist beendet.")
    expect(row(page, "Gewerbeanmeldung")).to_have_count(0)
    assert access(app, setting["user"], setting["auto"]).refusal is Refusal.NOT_SUBSCRIBED


def test_a_refusal_tells_every_administrator_the_reason(page, leitstelle_page, setting, mailbox):
    open_services(page)
    subscribe(page, "Fördermittel (Freischaltung durch die Fachliche Leitstelle)")
    expect(page.get_by_role("status")).to_contain_text("wartet auf die Freischaltung")

    open_request(leitstelle_page)
    leitstelle_page.get_by_role("button", name="Ablehnen").click()
    expect(field_error(leitstelle_page, "reason")).to_contain_text("Bitte geben Sie eine Begründung")
    assert_accessible(leitstelle_page, "Freischaltung with an error")
    leitstelle_page.get_by_label("Begründung").fill("Die Organisation ist nicht förderberechtigt.")
    leitstelle_page.get_by_role("button", name="Ablehnen").click()
    expect(leitstelle_page.get_by_role("status")).to_contain_text("abgelehnt")

    for admin in (ADMIN, "zweite@muster.example"):
        mail = mailbox.wait_for(admin, "nicht freigeschaltet")
        assert "Die Organisation ist nicht förderberechtigt." in mail.body
    page.reload()
    expect(row(page, "Fördermittel")).to_contain_text("abgelehnt")
    expect(row(page, "Fördermittel")).to_contain_text("Begründung: Die Organisation ist nicht förderberechtigt.")
