""""Funktionspostfächer" in the browser (SPEC §6, seed 003): an administrator creates
function mailboxes with and without a linked online service, entitles groups and
persons, edits and deletes them; a mailbox with unread messages stays."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from idp.extensions import db
from idp.organisations import groups, mailboxes
from idp.organisations.models import FunctionMailbox, Organisation
from tests.browser.support import assert_accessible, field, field_error, path_is
from tests.organisations.support_d import (ADMIN, make_organisation, muster_organisation, open_administration_area,
                                          table_rows)

pytestmark = pytest.mark.browser

MAILBOXES = "Funktionspostfächer Ihrer Organisation"


@pytest.fixture
def org(app):
    """An organisation with an administrator, Max and Eva in the group "Team", Tom
    outside it, and the online service "Gewerbeanzeige"."""
    with app.app_context():
        ids = muster_organisation("Max Meier", "Eva Schulz", "Tom Weber")
        organisation = db.session.get(Organisation, ids["org"])
        team = groups.save(organisation, {"name": "Team"}).group
        groups.set_members(team, organisation, {ids["max"], ids["eva"]})
        db.session.remove()
        return ids


def mailbox_state(app, name):
    """(linked client id, entitled account ids) of the organisation's mailbox `name`."""
    with app.app_context():
        mailbox = db.session.query(FunctionMailbox).filter_by(name=name).one()
        state = mailbox.client_id, {a.id for a in mailboxes.entitled_accounts(mailbox)}
        db.session.remove()
        return state


def test_create_edit_and_delete_a_mailbox_without_service(page, app, org):
    open_administration_area(page, ADMIN, "Funktionspostfächer")
    expect(page.get_by_text("Ihre Organisation hat noch keine Funktionspostfächer.")).to_be_visible()
    assert_accessible(page, "Funktionspostfächer")

    page.get_by_role("link", name="Funktionspostfach anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funktionspostfach anlegen")
    assert_accessible(page, "Funktionspostfach anlegen")
    field(page, "Beschreibung").fill("Post an die Zentrale")
    page.get_by_label("Team").check()
    page.get_by_label("Tom Weber (tom@muster.example)").check()
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "name")).to_have_text("Fehler: Bitte geben Sie „Name“ an.")
    expect(field(page, "Beschreibung")).to_have_value("Post an die Zentrale")
    expect(page.get_by_label("Team")).to_be_checked()
    expect(page.get_by_label("Tom Weber (tom@muster.example)")).to_be_checked()
    assert_accessible(page, "Funktionspostfach anlegen mit Fehler")

    field(page, "Name").fill("Zentrale")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Das Funktionspostfach wurde angelegt.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Funktionspostfach „Zentrale“")
    assert_accessible(page, "Funktionspostfach bearbeiten")
    assert mailbox_state(app, "Zentrale") == (None, {org["max"], org["eva"], org["tom"]})

    field(page, "Name").fill("Poststelle")
    page.get_by_label("Team").uncheck()
    page.get_by_label("Eva Schulz (eva@muster.example)").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Das Funktionspostfach wurde gespeichert.")
    assert mailbox_state(app, "Poststelle") == (None, {org["eva"], org["tom"]})

    page.get_by_role("link", name="Funktionspostfächer", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funktionspostfächer")
    assert table_rows(page, MAILBOXES) == [["Poststelle", "Post an die Zentrale", "keiner", "2"]]

    page.get_by_role("link", name="Poststelle").click()
    page.get_by_role("link", name="Funktionspostfach löschen").click()
    assert_accessible(page, "Funktionspostfach löschen")
    page.get_by_role("button", name="Funktionspostfach endgültig löschen").click()
    expect(page).to_have_url(path_is("/administration/funktionspostfaecher"))
    expect(page.get_by_role("status")).to_have_text("Das Funktionspostfach wurde gelöscht.")
    expect(page.get_by_text("Ihre Organisation hat noch keine Funktionspostfächer.")).to_be_visible()


def test_a_mailbox_linked_to_a_service_is_the_only_one_for_it(page, app, org):
    open_administration_area(page, ADMIN, "Funktionspostfächer")
    page.get_by_role("link", name="Funktionspostfach anlegen").click()
    field(page, "Name").fill("Gewerbe")
    field(page, "Verknüpfter Online-Dienst").select_option(label="Gewerbeanzeige")
    page.get_by_label("Team").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Das Funktionspostfach wurde angelegt.")
    expect(page.get_by_text("Gewerbeanzeige: Seine Nachrichten an Ihre Organisation gehen in dieses "
                            "Funktionspostfach.")).to_be_visible()
    assert mailbox_state(app, "Gewerbe") == (org["service"], {org["max"], org["eva"]})

    page.goto("/administration/funktionspostfaecher/neu")
    field(page, "Name").fill("Gewerbe 2")
    field(page, "Verknüpfter Online-Dienst").select_option(label="Gewerbeanzeige (bereits verknüpft mit „Gewerbe“)")
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "client_id")).to_contain_text(
        "Mit diesem Online-Dienst ist bereits das Funktionspostfach „Gewerbe“ verknüpft.")
    expect(field(page, "Name")).to_have_value("Gewerbe 2")
    assert_accessible(page, "Funktionspostfach anlegen mit vergebenem Online-Dienst")

    page.goto("/administration/funktionspostfaecher")
    assert table_rows(page, MAILBOXES) == [["Gewerbe", "–", "Gewerbeanzeige", "2"]]


def test_a_mailbox_with_unread_messages_cannot_be_deleted(page, app, org, monkeypatch):
    with app.app_context():
        mailboxes.save(db.session.get(Organisation, make_organisation("Leer")), {"name": "Andere"}, set(), set())
        organisation = db.session.query(Organisation).filter_by(name="Muster GmbH").one()
        mailboxes.save(organisation, {"name": "Zentrale"}, set(), set())
        db.session.remove()
    # The Postfach will count the messages; here the seam stands in for three unread ones.
    monkeypatch.setattr(mailboxes, "unread_count", lambda mailbox: 3)
    open_administration_area(page, ADMIN, "Funktionspostfächer")
    page.get_by_role("link", name="Zentrale").click()
    page.get_by_role("link", name="Funktionspostfach löschen").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Das Funktionspostfach „Zentrale“ enthält 3 ungelesene Nachrichten und kann deshalb nicht gelöscht "
        "werden. "
        "Bitte lassen Sie die Nachrichten zuerst von einer berechtigten Person lesen.")
    expect(page.get_by_role("button", name="Funktionspostfach endgültig löschen")).to_have_count(0)
    assert_accessible(page, "Funktionspostfach löschen, verweigert")
    with app.app_context():
        assert db.session.query(FunctionMailbox).count() == 2
        db.session.remove()
