""""Unternehmensdaten" and "Unternehmen löschen" in the browser (SPEC §6): the data
and the switch "Administratoren dürfen Online-Dienste nutzen"; deleting the
organisation takes every account along and tells every administrator, no one else."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from idp.extensions import db
from idp.mail.outbox import OutboxMail
from tests.browser.support import assert_accessible, field, field_error, log_in_to_mein_bereich, try_log_in
from tests.organisations.support import PASSWORD, make_organisation

pytestmark = pytest.mark.browser

ADMIN, SECOND, USER = "admin@muster.example", "zweite@muster.example", "user@muster.example"


def open_administration(page):
    log_in_to_mein_bereich(page, ADMIN, PASSWORD)
    card = page.locator("section", has=page.get_by_role("heading", name="Organisation", level=2))
    expect(card).to_contain_text("Muster GmbH")
    expect(card).to_contain_text("Administrator")
    assert_accessible(page, "Mein Bereich of an administrator")
    card.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")


def test_company_data_and_the_switch_for_administrators(page, app):
    make_organisation(app)
    open_administration(page)
    page.get_by_role("main").get_by_role("link", name="Unternehmensdaten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unternehmensdaten")
    switch = page.get_by_label("Administratoren dürfen Online-Dienste nutzen")
    expect(switch).not_to_be_checked()
    assert_accessible(page, "Unternehmensdaten")

    field(page, "Postleitzahl").fill("200")
    field(page, "Ort").fill("Altona")
    switch.check()
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "postal_code")).to_contain_text("Postleitzahl aus fünf Ziffern")
    expect(field(page, "Ort")).to_have_value("Altona")
    expect(switch).to_be_checked()
    assert_accessible(page, "Unternehmensdaten with errors")

    field(page, "Postleitzahl").fill("22765")
    field(page, "Postfach").fill("4711")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Unternehmensdaten wurden gespeichert.")
    page.reload()
    expect(field(page, "Postleitzahl")).to_have_value("22765")
    expect(field(page, "Ort")).to_have_value("Altona")
    expect(field(page, "Postfach")).to_have_value("4711")
    expect(switch).to_be_checked()

    switch.uncheck()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(switch).not_to_be_checked()


def test_deleting_the_organisation_mails_every_administrator_and_no_user(page, app, mailbox):
    make_organisation(app, admins=(SECOND,), users=(USER,))
    open_administration(page)
    page.get_by_role("main").get_by_role("link", name="Unternehmensdaten").click()
    page.get_by_role("link", name="Unternehmen löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unternehmen löschen")
    assert_accessible(page, "Unternehmen löschen")

    field(page, "Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Unternehmen löschen").click()
    expect(field_error(page, "confirm")).to_contain_text("endgültig löschen möchten")
    assert_accessible(page, "Unternehmen löschen with errors")

    page.get_by_label(re.compile("^Ich möchte die Organisation „Muster GmbH“")).check()
    field(page, "Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Unternehmen löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation gelöscht")
    expect(page.get_by_role("status")).to_contain_text("Sie wurden abgemeldet")
    assert_accessible(page, "Organisation gelöscht")
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anmelden")).to_be_visible()

    for admin in (ADMIN, SECOND):
        mail = mailbox.wait_for(admin, "Ihre Organisation wurde gelöscht")
        assert "Muster GmbH" in mail.body
    # The deletion queued every mail it sends in one transaction, so the outbox holds them all by now.
    with app.app_context():
        assert db.session.scalars(select(OutboxMail.recipient).where(OutboxMail.recipient == USER)).all() == []
    assert not [m for m in mailbox.mails if USER in m.to]
    for email in (ADMIN, SECOND, USER):
        assert not try_log_in(page, email, PASSWORD)
