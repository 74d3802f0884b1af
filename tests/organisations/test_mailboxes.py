"""Function mailboxes: who may read them, the linked online service, deletion, and that
administrators reach only their own organisation's mailboxes."""
from __future__ import annotations

import pytest

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc.models import Client
from idp.organisations import entitlements, groups, mailboxes
from idp.organisations.entitlements import Refusal
from idp.organisations.models import FunctionMailbox, Organisation
from tests.conftest import csrf_from
from tests.organisations.support_d import (PASSWORD, add_person, add_service, make_organisation, muster_organisation,
                                          two_organisations)


@pytest.fixture
def org(app_ctx):
    ids = muster_organisation("Max Meier", "Eva Schulz", "Tom Weber", "Ida Klein")
    organisation = db.session.get(Organisation, ids["org"])
    team = groups.save(organisation, {"name": "Team"}).group
    groups.set_members(team, organisation, {ids["max"], ids["eva"]})
    return {**ids, "org": organisation, "team": team}


def account(account_id):
    return db.session.get(Account, account_id)


def create(org, name="Zentrale", client_id="", group_ids=(), persons=()):
    result = mailboxes.save(org["org"], {"name": name, "client_id": client_id}, {str(g) for g in group_ids},
                            set(persons))
    assert not result.errors, result.errors
    return result.mailbox


# -- who may read it ---------------------------------------------------------------------------
def test_entitled_are_the_persons_and_the_members_of_the_groups_each_once(org):
    mailbox = create(org, group_ids=[org["team"].id], persons=[org["tom"], org["max"]])
    assert {a.id for a in mailboxes.entitled_accounts(mailbox)} == {org["max"], org["eva"], org["tom"]}
    assert len(mailboxes.entitled_accounts(mailbox)) == 3


def test_a_mailbox_without_entitlements_has_no_readers(org):
    assert mailboxes.entitled_accounts(create(org)) == []


def test_mailboxes_for_lists_what_a_person_may_read(org):
    by_group = create(org, "Über Gruppe", group_ids=[org["team"].id])
    in_person = create(org, "Persönlich", persons=[org["tom"], org["max"]])
    create(org, "Fremd")
    assert [m.name for m in mailboxes.mailboxes_for(account(org["max"]))] == ["Persönlich", "Über Gruppe"]
    assert mailboxes.mailboxes_for(account(org["eva"])) == [by_group]
    assert mailboxes.mailboxes_for(account(org["tom"])) == [in_person]
    assert mailboxes.mailboxes_for(account(org["ida"])) == []


def test_mailboxes_for_a_citizen_are_none(org, make_account):
    assert mailboxes.mailboxes_for(account(make_account("buerger@example.org"))) == []


def test_leaving_the_group_or_deleting_it_ends_the_access(org):
    mailbox = create(org, group_ids=[org["team"].id], persons=[org["tom"]])
    groups.set_members(org["team"], org["org"], {org["max"]})
    assert {a.id for a in mailboxes.entitled_accounts(mailbox)} == {org["max"], org["tom"]}
    groups.delete(org["team"])
    assert [a.id for a in mailboxes.entitled_accounts(mailbox)] == [org["tom"]]
    assert mailboxes.current(mailbox).groups == set()


def test_an_entitled_person_does_not_get_the_linked_service(org):
    create(org, client_id=org["service"], persons=[org["tom"]])
    refused = entitlements.access(account(org["tom"]), db.session.get(Client, org["service"])).refusal
    assert refused is Refusal.NOT_GRANTED


def test_groups_and_persons_come_only_from_the_organisation(org):
    other = db.session.get(Organisation, make_organisation("Andere AG"))
    stranger = add_person(other.id, "fremd@andere.example")
    foreign_group = groups.save(other, {"name": "Fremde"}).group
    groups.set_members(foreign_group, other, {stranger})
    mailbox = create(org, group_ids=[foreign_group.id, org["team"].id], persons=[stranger, org["tom"]])
    assert mailboxes.current(mailbox).groups == {org["team"].id}
    assert stranger not in {a.id for a in mailboxes.entitled_accounts(mailbox)}


# -- name, description, linked service --------------------------------------------------------------
def test_a_name_is_required_and_what_was_entered_stays(org):
    result = mailboxes.save(org["org"], {"name": " ", "description": "Für Anträge", "client_id": org["service"]},
                            {str(org["team"].id)}, {org["tom"]})
    assert result.errors == {"name": ["Bitte geben Sie „Name“ an."]}
    assert (result.data["description"], result.data["client_id"]) == ("Für Anträge", org["service"])
    assert (result.groups, result.persons) == ({org["team"].id}, {org["tom"]})
    assert db.session.query(FunctionMailbox).count() == 0


def test_names_are_unique_within_the_organisation(org):
    create(org, "Zentrale")
    result = mailboxes.save(org["org"], {"name": "zentrale"}, set(), set())
    assert result.errors["name"] == [
        "Es gibt bereits ein Funktionspostfach „zentrale“. Bitte wählen Sie einen anderen Namen."]


def test_a_service_is_linked_to_one_mailbox_only(org):
    first = create(org, "Anzeigen", client_id=org["service"])
    assert mailboxes.linked_mailbox(org["org"].id, org["service"]) == first
    assert mailboxes.linked_service(first).name == "Gewerbeanzeige"
    result = mailboxes.save(org["org"], {"name": "Zweites", "client_id": org["service"]}, set(), set())
    assert result.errors == {"client_id": [
        "Mit diesem Online-Dienst ist bereits das Funktionspostfach „Anzeigen“ verknüpft. Die Nachrichten eines "
        "Online-Dienstes gehen immer in genau ein Funktionspostfach."]}


def test_only_services_the_organisation_may_use_can_be_linked(org):
    pending = add_service(org["org"].id, "Wartet", status="pending")
    result = mailboxes.save(org["org"], {"name": "P", "client_id": pending}, set(), set())
    assert result.errors == {"client_id": ["Bitte wählen Sie einen Online-Dienst, den Ihre Organisation nutzen darf."]}


def test_editing_keeps_the_linked_service(org):
    mailbox = create(org, client_id=org["service"], persons=[org["tom"]])
    result = mailboxes.save(org["org"], {"name": "Neu", "description": "Text", "client_id": ""}, set(), {org["ida"]},
                            mailbox)
    assert not result.errors
    assert (mailbox.name, mailbox.description, mailbox.client_id) == ("Neu", "Text", org["service"])
    assert [a.id for a in mailboxes.entitled_accounts(mailbox)] == [org["ida"]]


# -- deletion ----------------------------------------------------------------------------------
def test_an_empty_mailbox_can_be_deleted(org):
    mailbox = create(org, group_ids=[org["team"].id])
    assert mailboxes.delete(mailbox) is None
    assert db.session.query(FunctionMailbox).count() == 0
    assert groups.mailboxes_using(org["team"]) == []


def test_a_mailbox_with_unread_messages_is_not_deleted(org, monkeypatch):
    mailbox = create(org)
    monkeypatch.setattr(mailboxes, "unread_count", lambda m: 2)
    assert mailboxes.delete(mailbox) == (
        "Das Funktionspostfach „Zentrale“ enthält 2 ungelesene Nachrichten und kann deshalb nicht gelöscht "
        "werden. "
        "Bitte lassen Sie die Nachrichten zuerst von einer berechtigten Person lesen.")
    assert db.session.query(FunctionMailbox).count() == 1


def test_the_postfachs_unread_messages_keep_the_mailbox_until_read(org):
    from idp.postfach.models import Case, Message
    from idp.timeutil import utcnow
    from tests.postfach.pages_support import send

    mailbox = create(org)
    sent = send(org["service"], organisation_id=org["org"].id, mailbox_id=mailbox.id)
    assert mailboxes.delete(mailbox).startswith("Das Funktionspostfach „Zentrale“ enthält eine ungelesene Nachricht")
    db.session.get(Message, sent.message_id).read_at = utcnow()
    db.session.commit()
    assert mailboxes.delete(mailbox) is None
    # Its Vorgänge go to the organisation's general mailbox.
    case = db.session.get(Case, sent.case_id)
    assert (case.organisation_id, case.mailbox_id) == (org["org"].id, None)


# -- the pages ---------------------------------------------------------------------------------------
@pytest.fixture
def two_orgs(app):
    with app.app_context():
        x, y = two_organisations()
        ids = {"x": mailboxes.save(x, {"name": "x-Postfach"}, set(), set()).mailbox.id,
               "y": mailboxes.save(y, {"name": "y-Postfach"}, set(), set()).mailbox.id}
        db.session.remove()
        return ids


PAGES = ["/administration/funktionspostfaecher/{id}", "/administration/funktionspostfaecher/{id}/loeschen"]


@pytest.mark.parametrize("page", PAGES)
def test_another_organisations_mailbox_is_not_found(user_agent, two_orgs, app, page):
    user_agent.login("admin@x.example", PASSWORD)
    own = user_agent.get(page.format(id=two_orgs["x"]))
    assert own.status_code == 200
    url = page.format(id=two_orgs["y"])
    assert user_agent.get(url).status_code == 404
    assert user_agent.post(url, data={"name": "Gekapert", "csrf_token": csrf_from(own.text)}).status_code == 404
    with app.app_context():
        assert db.session.get(FunctionMailbox, two_orgs["y"]).name == "y-Postfach"


@pytest.mark.parametrize("url", ["/administration/funktionspostfaecher", "/administration/funktionspostfaecher/neu"]
                         + PAGES)
def test_users_who_are_not_administrators_are_refused(user_agent, two_orgs, url):
    user_agent.login("user@x.example", PASSWORD)
    assert user_agent.get(url.format(id=two_orgs["x"])).status_code == 403


def test_the_deletion_page_refuses_while_messages_are_unread(user_agent, two_orgs, app, monkeypatch):
    monkeypatch.setattr(mailboxes, "unread_count", lambda m: 1)
    user_agent.login("admin@x.example", PASSWORD)
    url = f"/administration/funktionspostfaecher/{two_orgs['x']}/loeschen"
    page = user_agent.get(url)
    assert "enthält eine ungelesene Nachricht und kann deshalb nicht gelöscht werden" in page.text
    answer = user_agent.post(url, data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 409
    assert "enthält eine ungelesene Nachricht" in answer.text
    with app.app_context():
        assert db.session.get(FunctionMailbox, two_orgs["x"]) is not None
