""""Gruppenverwaltung" in the browser (SPEC §6, seed 003): an administrator creates a
group, assigns users and an online service with a role, edits and deletes it; taking
away what a group gave leaves a user's direct grant."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc.models import Client
from idp.organisations import entitlements
from idp.organisations.models import Organisation, ServiceGrant
from tests.browser.support import assert_accessible, field, field_error, path_is
from tests.organisations.support_d import ADMIN, muster_organisation, open_administration_area, table_rows

pytestmark = pytest.mark.browser

GROUPS = "Gruppen Ihrer Organisation"


@pytest.fixture
def org(app):
    with app.app_context():
        ids = muster_organisation("Max Meier", "Eva Schulz")
        db.session.remove()
        return ids


def roles_of(app, account_id, client_id):
    """The roles the user may use the service with, or the refusal."""
    with app.app_context():
        result = entitlements.access(db.session.get(Account, account_id), db.session.get(Client, client_id))
        db.session.remove()
        return result.roles if result.allowed else result.refusal


def create_group(page, name, description=""):
    page.get_by_role("link", name="Gruppe erstellen").click()
    field(page, "Bezeichnung").fill(name)
    field(page, "Beschreibung").fill(description)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Gruppe wurde angelegt.")


def tab(page, name):
    page.get_by_role("navigation", name="Bereiche der Gruppe").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()


def assign_service(page, service, roles=()):
    tab(page, "Online-Dienste")
    page.get_by_label(f"{service} Zugeordnet").check()
    for role in roles:
        page.get_by_label(f"{service}, Rolle {role}").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Zuordnung der Online-Dienste wurde gespeichert.")


def set_member(page, name, assigned=True):
    tab(page, "Benutzer")
    page.get_by_label(f"{name} Zugeordnet").set_checked(assigned)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Zuordnung der Benutzer wurde gespeichert.")


def test_create_fill_edit_and_delete_a_group(page, app, org):
    open_administration_area(page, ADMIN, "Gruppenverwaltung")
    expect(page.get_by_text("Ihre Organisation hat noch keine Gruppen.")).to_be_visible()
    assert_accessible(page, "Gruppenverwaltung")

    page.get_by_role("link", name="Gruppe erstellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gruppe erstellen")
    assert_accessible(page, "Gruppe erstellen")
    field(page, "Beschreibung").fill("Anträge der Buchhaltung")
    page.get_by_role("button", name="Speichern").click()
    expect(field_error(page, "name")).to_have_text("Fehler: Bitte geben Sie „Bezeichnung“ an.")
    expect(field(page, "Beschreibung")).to_have_value("Anträge der Buchhaltung")
    assert_accessible(page, "Gruppe erstellen mit Fehler")

    field(page, "Bezeichnung").fill("Buchhaltung")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gruppe „Buchhaltung“")
    expect(page.get_by_role("status")).to_contain_text("Die Gruppe wurde angelegt.")
    expect(page.get_by_role("note")).to_contain_text("Derzeit ist es ausgeschaltet: Administratoren in der Gruppe "
                                                     "dürfen ihre Online-Dienste nicht nutzen.")
    assert_accessible(page, "Gruppe: Benutzer")

    set_member(page, "Max Meier")
    expect(page.get_by_label("Max Meier Zugeordnet")).to_be_checked()
    expect(page.get_by_label("Eva Schulz Zugeordnet")).not_to_be_checked()
    assert roles_of(app, org["max"], org["service"]) is entitlements.Refusal.NOT_GRANTED

    tab(page, "Online-Dienste")
    assert_accessible(page, "Gruppe: Online-Dienste")
    assign_service(page, "Gewerbeanzeige", roles=["b"])
    expect(page.get_by_label("Gewerbeanzeige, Rolle b")).to_be_checked()
    assert roles_of(app, org["max"], org["service"]) == ["b"]
    assert roles_of(app, org["eva"], org["service"]) is entitlements.Refusal.NOT_GRANTED

    tab(page, "Gruppeninformation")
    assert_accessible(page, "Gruppe: Gruppeninformation")
    field(page, "Bezeichnung").fill("Rechnungswesen")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Gruppeninformation wurde gespeichert.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gruppe „Rechnungswesen“")

    page.get_by_role("link", name="Gruppenverwaltung", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gruppenverwaltung")
    assert table_rows(page, GROUPS) == [["Rechnungswesen", "Anträge der Buchhaltung", "1", "1"]]

    page.get_by_role("link", name="Rechnungswesen").click()
    tab(page, "Gruppe löschen")
    assert_accessible(page, "Gruppe löschen")
    page.get_by_role("button", name="Gruppe „Rechnungswesen“ endgültig löschen").click()
    expect(page).to_have_url(path_is("/administration/gruppen"))
    expect(page.get_by_role("status")).to_have_text("Die Gruppe wurde gelöscht.")
    expect(page.get_by_text("Ihre Organisation hat noch keine Gruppen.")).to_be_visible()
    assert roles_of(app, org["max"], org["service"]) is entitlements.Refusal.NOT_GRANTED


def remove_member(page):
    set_member(page, "Max Meier", assigned=False)
    set_member(page, "Eva Schulz", assigned=False)


def remove_service(page):
    tab(page, "Online-Dienste")
    page.get_by_label("Gewerbeanzeige Zugeordnet").uncheck()
    page.get_by_label("Gewerbeanzeige, Rolle b").uncheck()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Die Zuordnung der Online-Dienste wurde gespeichert.")


def delete_group(page):
    tab(page, "Gruppe löschen")
    page.get_by_role("button", name=re.compile("endgültig löschen")).click()
    expect(page.get_by_role("status")).to_have_text("Die Gruppe wurde gelöscht.")


@pytest.mark.parametrize("take_away", [remove_member, remove_service, delete_group],
                         ids=["user out of group", "service out of group", "group deleted"])
def test_taking_away_what_the_group_gave_leaves_the_direct_grant(page, app, org, take_away):
    with app.app_context():
        db.session.add(ServiceGrant(account_id=org["max"], client_id=org["service"], roles=["a"]))
        db.session.commit()
    open_administration_area(page, ADMIN, "Gruppenverwaltung")
    create_group(page, "Sachbearbeitung")
    set_member(page, "Max Meier")
    set_member(page, "Eva Schulz")
    assign_service(page, "Gewerbeanzeige", roles=["b"])
    assert roles_of(app, org["max"], org["service"]) == ["a", "b"]
    assert roles_of(app, org["eva"], org["service"]) == ["b"]

    take_away(page)

    assert roles_of(app, org["max"], org["service"]) == ["a"]
    assert roles_of(app, org["eva"], org["service"]) is entitlements.Refusal.NOT_GRANTED


def test_the_admin_hint_says_when_administrators_may_use_services(page, app, org):
    with app.app_context():
        db.session.query(Organisation).update({"admins_use_services": True})
        db.session.commit()
    open_administration_area(page, ADMIN, "Gruppenverwaltung")
    create_group(page, "Alle")
    expect(page.get_by_role("heading", level=2, name="Benutzer")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Das ist derzeit der Fall: Administratoren in der Gruppe dürfen "
                                                     "ihre Online-Dienste nutzen.")
    expect(page.get_by_role("cell", name="Anna Admin (Administrator/in)")).to_be_visible()
