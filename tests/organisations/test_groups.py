"""Groups of an organisation: what a group gives and takes away, its input rules, and
that administrators reach only their own organisation's groups."""
from __future__ import annotations

import pytest

from idp.extensions import db
from idp.oidc.models import Client
from idp.accounts.models import Account
from idp.organisations import entitlements, groups
from idp.organisations.entitlements import Refusal
from idp.organisations.models import Group, GroupMember, GroupService, Organisation, ServiceGrant
from tests.organisations.support_d import (PASSWORD, add_person, add_service, make_organisation, muster_organisation,
                                          two_organisations)


@pytest.fixture
def org(app_ctx):
    """An organisation with an administrator, two users and a service with roles a and b."""
    ids = muster_organisation("Max Meier", "Eva Schulz")
    return {**ids, "org": db.session.get(Organisation, ids["org"])}


def access(account_id: str, client_id: str):
    db.session.expire_all()
    return entitlements.access(db.session.get(Account, account_id), db.session.get(Client, client_id))


def group_with(org, members, roles=("b",), name="Sachbearbeitung") -> Group:
    group = groups.save(org["org"], {"name": name}).group
    groups.set_members(group, org["org"], set(members))
    result = groups.set_services(group, org["org"], {org["service"]}, {org["service"]: set(roles)})
    assert not result.errors
    return group


def grant_directly(account_id, client_id, roles):
    db.session.add(ServiceGrant(account_id=account_id, client_id=client_id, roles=list(roles)))
    db.session.commit()


# -- what the group gives and takes away ------------------------------------------------------
def test_a_group_gives_its_members_the_service_with_its_roles(org):
    group_with(org, [org["max"]])
    assert access(org["max"], org["service"]).roles == ["b"]
    assert access(org["eva"], org["service"]).refusal is Refusal.NOT_GRANTED


def test_leaving_the_group_keeps_the_direct_grant_only(org):
    grant_directly(org["max"], org["service"], ["a"])
    group = group_with(org, [org["max"], org["eva"]])
    assert access(org["max"], org["service"]).roles == ["a", "b"]

    groups.set_members(group, org["org"], set())

    assert access(org["max"], org["service"]).roles == ["a"]
    assert access(org["eva"], org["service"]).refusal is Refusal.NOT_GRANTED
    assert db.session.get(ServiceGrant, (org["max"], org["service"])).roles == ["a"]


def test_taking_the_service_from_the_group_keeps_the_direct_grant_only(org):
    grant_directly(org["max"], org["service"], ["a"])
    group = group_with(org, [org["max"], org["eva"]])

    groups.set_services(group, org["org"], set(), {})

    assert access(org["max"], org["service"]).roles == ["a"]
    assert access(org["eva"], org["service"]).refusal is Refusal.NOT_GRANTED
    assert groups.member_ids(group) == {org["max"], org["eva"]}


def test_deleting_the_group_keeps_the_direct_grant_only(org):
    grant_directly(org["max"], org["service"], ["a"])
    group = group_with(org, [org["max"], org["eva"]])

    groups.delete(group)

    assert access(org["max"], org["service"]).roles == ["a"]
    assert access(org["eva"], org["service"]).refusal is Refusal.NOT_GRANTED
    assert db.session.query(GroupMember).count() == 0 and db.session.query(GroupService).count() == 0


def test_another_group_giving_the_same_service_still_counts(org):
    first = group_with(org, [org["max"]], roles=("a",), name="Erste")
    group_with(org, [org["max"]], roles=("b",), name="Zweite")

    groups.delete(first)

    assert access(org["max"], org["service"]).roles == ["b"]


def test_a_group_gives_administrators_services_only_when_the_organisation_allows_it(org):
    group_with(org, [org["admin"]])
    assert access(org["admin"], org["service"]).refusal is Refusal.ADMINS_MAY_NOT_USE
    org["org"].admins_use_services = True
    db.session.commit()
    assert access(org["admin"], org["service"]).roles == ["b"]


def test_the_roles_of_a_group_can_change(org):
    group = group_with(org, [org["max"]], roles=("a",))
    groups.set_services(group, org["org"], {org["service"]}, {org["service"]: {"a", "b"}})
    assert access(org["max"], org["service"]).roles == ["a", "b"]
    groups.set_services(group, org["org"], {org["service"]}, {org["service"]: set()})
    assert access(org["max"], org["service"]).roles == []


# -- what can be assigned ----------------------------------------------------------------------
def test_only_active_subscriptions_of_the_organisation_can_be_assigned(org):
    pending = add_service(org["org"].id, "Wartet", status="pending")
    other_org = make_organisation("Andere AG")
    foreign = add_service(other_org, "Fremd")
    group = groups.save(org["org"], {"name": "G"}).group

    assert [c.client_id for c in groups.usable_services(org["org"])] == [org["service"]]
    groups.set_services(group, org["org"], {org["service"], pending, foreign}, {org["service"]: {"a", "zz"}})

    rows = db.session.query(GroupService).all()
    assert [(r.client_id, r.roles) for r in rows] == [(org["service"], ["a"])]


def test_roles_without_the_service_are_refused(org):
    group = groups.save(org["org"], {"name": "G"}).group
    result = groups.set_services(group, org["org"], set(), {org["service"]: {"a"}})
    assert result.errors == {groups.role_field(db.session.get(Client, org["service"])): [
        "Rollen gelten nur für einen zugeordneten Online-Dienst. Bitte ordnen Sie „Gewerbeanzeige“ zu oder "
        "wählen Sie die Rollen ab."]}
    assert result.choices[0].roles == {"a"} and not result.choices[0].assigned
    assert db.session.query(GroupService).count() == 0


def test_members_come_only_from_the_organisation(org):
    stranger = add_person(make_organisation("Andere AG"), "fremd@andere.example")
    group = groups.save(org["org"], {"name": "G"}).group
    groups.set_members(group, org["org"], {org["max"], stranger})
    assert groups.member_ids(group) == {org["max"]}


# -- Bezeichnung and Beschreibung ------------------------------------------------------------------
@pytest.mark.parametrize("name, message", [
    ("", "Bitte geben Sie „Bezeichnung“ an."),
    ("   ", "Bitte geben Sie „Bezeichnung“ an."),
    ("x" * 81, "„Bezeichnung“ darf höchstens 80 Zeichen lang sein."),
    ("<b>Team</b>", "„Bezeichnung“ darf die Zeichen < und > nicht enthalten."),
])
def test_a_bezeichnung_is_required_and_plain(org, name, message):
    result = groups.save(org["org"], {"name": name, "description": "bleibt"})
    assert result.errors == {"name": [message]}
    assert result.data["description"] == "bleibt"
    assert db.session.query(Group).count() == 0


def test_the_bezeichnung_is_unique_within_the_organisation_only(org):
    first = groups.save(org["org"], {"name": "Einkauf"}).group
    assert groups.save(org["org"], {"name": "einkauf"}).errors["name"] == [
        "Es gibt bereits eine Gruppe „einkauf“. Bitte wählen Sie eine andere Bezeichnung."]
    assert not groups.save(org["org"], {"name": "Einkauf", "description": "neu"}, first).errors
    other = db.session.get(Organisation, make_organisation("Andere AG"))
    assert not groups.save(other, {"name": "Einkauf"}).errors


def test_the_beschreibung_is_optional_and_limited(org):
    assert groups.save(org["org"], {"name": "A"}).group.description is None
    assert groups.save(org["org"], {"name": "B", "description": "y" * 501}).errors == {
        "description": ["„Beschreibung“ darf höchstens 500 Zeichen lang sein."]}


# -- the pages: authorisation and forms --------------------------------------------------------------
@pytest.fixture
def two_orgs(app):
    """Organisation X (with a group) and Y (with a group), each with an administrator,
    and a plain user of X."""
    with app.app_context():
        x, y = two_organisations()
        ids = {"x_group": groups.save(x, {"name": "X-Team"}).group.id,
               "y_group": groups.save(y, {"name": "Y-Team"}).group.id}
        db.session.remove()
        return ids


PAGES = ["/administration/gruppen/{id}", "/administration/gruppen/{id}/benutzer",
         "/administration/gruppen/{id}/online-dienste", "/administration/gruppen/{id}/loeschen"]


@pytest.mark.parametrize("page", PAGES)
def test_another_organisations_group_is_not_found(user_agent, two_orgs, app, page):
    user_agent.login("admin@x.example", PASSWORD)
    token_page = user_agent.get(page.format(id=two_orgs["x_group"]))
    assert token_page.status_code == 200
    url = page.format(id=two_orgs["y_group"])
    assert user_agent.get(url).status_code == 404
    from tests.conftest import csrf_from
    answer = user_agent.post(url, data={"name": "Gekapert", "benutzer": [], "csrf_token": csrf_from(token_page.text)})
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(Group, two_orgs["y_group"]).name == "Y-Team"


@pytest.mark.parametrize("url", ["/administration/gruppen", "/administration/gruppen/neu"] + PAGES)
def test_users_who_are_not_administrators_are_refused(user_agent, two_orgs, make_account, url):
    user_agent.login("user@x.example", PASSWORD)
    assert user_agent.get(url.format(id=two_orgs["x_group"])).status_code == 403
    citizen = type(user_agent)(user_agent.client.application)
    make_account("buerger@example.org")
    citizen.login("buerger@example.org")
    assert citizen.get(url.format(id=two_orgs["x_group"])).status_code == 403


def test_posts_of_non_administrators_change_nothing(user_agent, two_orgs, app):
    user_agent.login("user@x.example", PASSWORD)
    from tests.conftest import csrf_from
    token = csrf_from(user_agent.get("/mein-bereich").text)
    answer = user_agent.post(f"/administration/gruppen/{two_orgs['x_group']}/loeschen", data={"csrf_token": token})
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.get(Group, two_orgs["x_group"]) is not None


def test_a_refused_bezeichnung_keeps_what_was_entered(user_agent, two_orgs):
    user_agent.login("admin@x.example", PASSWORD)
    answer = user_agent.submit("/administration/gruppen/neu", {"name": "", "description": "Für die Buchhaltung"})
    assert answer.status_code == 400
    assert 'id="name-fehler"' in answer.text and "Bitte geben Sie „Bezeichnung“ an." in answer.text
    assert 'value="Für die Buchhaltung"' in answer.text


def test_a_user_of_another_organisation_cannot_be_added(user_agent, two_orgs, app):
    with app.app_context():
        stranger = db.session.query(Account).filter_by(email="admin@y.example").one().id
    user_agent.login("admin@x.example", PASSWORD)
    url = f"/administration/gruppen/{two_orgs['x_group']}/benutzer"
    assert user_agent.submit(url, {"benutzer": [stranger]}).status_code == 302
    with app.app_context():
        assert db.session.query(GroupMember).count() == 0


def test_each_tab_names_the_group_and_marks_itself_current(user_agent, two_orgs):
    user_agent.login("admin@x.example", PASSWORD)
    for path, title in (("", "Gruppeninformation"), ("/benutzer", "Benutzer"),
                        ("/online-dienste", "Online-Dienste"), ("/loeschen", "Gruppe löschen")):
        page = user_agent.get(f"/administration/gruppen/{two_orgs['x_group']}{path}")
        assert f"<title>{title}: X-Team – Servicekonto</title>" in page.text
        assert f'aria-current="page"><strong>{title}</strong>' in page.text


def test_a_role_without_its_service_is_refused_on_the_page_and_the_choice_stays(user_agent, app):
    with app.app_context():
        x = make_organisation("X GmbH")
        add_person(x, "admin@x.example", is_admin=True)
        client_id = add_service(x, "Gewerbeanzeige")
        group_id = groups.save(db.session.get(Organisation, x), {"name": "G"}).group.id
    user_agent.login("admin@x.example", PASSWORD)
    url = f"/administration/gruppen/{group_id}/online-dienste"
    answer = user_agent.submit(url, {f"rollen-{client_id}": ["b"]})
    assert answer.status_code == 400
    assert f'id="rollen-{client_id}-fehler"' in answer.text
    assert "Bitte ordnen Sie „Gewerbeanzeige“ zu oder wählen Sie die Rollen ab." in answer.text
    assert f'name="rollen-{client_id}" value="b" checked' in answer.text
    with app.app_context():
        assert db.session.query(GroupService).count() == 0


@pytest.mark.parametrize("group_id", ["0", "2147483648", "99999999999999999999"])
def test_group_ids_beyond_the_column_are_not_found(user_agent, two_orgs, group_id):
    user_agent.login("admin@x.example", PASSWORD)
    assert user_agent.get(f"/administration/gruppen/{group_id}").status_code == 404
