"""Organisations, their users and Leitstelle members straight in the database, for
the tests of "Online-Dienste verwalten" and the Fachliche Leitstelle; and an
organisation furnished through its administration pages, for the tests that walk
through all of them."""
from __future__ import annotations

from sqlalchemy import select

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import leitstelle
from idp.organisations.models import FunctionMailbox, Group
from tests.support.organisations import PASSWORD, create_member, create_organisation

__all__ = ["ADMIN", "LEITSTELLE", "PASSWORD", "add_user", "furnished_organisation", "make_organisation"]

ADMIN = "admin@muster.example"
LEITSTELLE = "leitstelle@behoerde.example"


def make_organisation(app, name="Muster GmbH", admin="admin@muster.example", admins_use_services=False,
                      register_number="HRB 12345") -> tuple[str, str]:
    """An active organisation with one active administrator: (organisation id, admin id)."""
    with app.app_context():
        organisation_id = create_organisation(name, street="Hafenstraße", house_number="7", postal_code="20457",
                                              register_number=register_number,
                                              admins_use_services=admins_use_services)
    return organisation_id, add_user(app, organisation_id, admin, is_admin=True, given_name="Anna",
                                     family_name="Admin")


def add_user(app, organisation_id: str, email: str, is_admin=False, given_name="Uwe", family_name="Nutzer",
             status="active") -> str:
    with app.app_context():
        return create_member(organisation_id, email, given_name, family_name, is_admin=is_admin, status=status)


def furnished_organisation(app, make_client, make_account, admin, locale: str | None = None) -> dict[str, str]:
    """An organisation with a user, a group, a function mailbox, a subscribed service
    with roles and one waiting for its Leitstelle (member LEITSTELLE), furnished by its
    administrator ADMIN through the pages in the test client `admin`, which stays
    logged in. `locale`: the language of the administrator's and the Leitstelle's
    mails. Returns the ids by what they are."""
    organisation_id, admin_id = make_organisation(app, admin=ADMIN)
    user_id = add_user(app, organisation_id, "uwe@muster.example")
    auto = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung"])
    waiting = make_client(name="Fördermittel", audience="organisations", approval="leitstelle")
    make_account(email=LEITSTELLE, given_name="Lea", family_name="Leitstelle")
    with app.app_context():
        leitstelle.grant(waiting.client_id, LEITSTELLE)
        for email in (LEITSTELLE, ADMIN):
            db.session.scalar(select(Account).where(Account.email == email)).locale = locale
        db.session.commit()
    admin.login(email=ADMIN)
    for client in (auto, waiting):
        admin.submit("/administration/online-dienste", {"client_id": client.client_id},
                     action="/administration/online-dienste/abonnieren")
    admin.submit("/administration/gruppen/neu", {"name": "Zulassung", "description": ""})
    admin.submit("/administration/funktionspostfaecher/neu", {"name": "Poststelle", "description": "",
                                                              "client_id": auto.client_id})
    with app.app_context():
        group_id = db.session.scalar(select(Group.id))
        mailbox_id = db.session.scalar(select(FunctionMailbox.id))
    return {"organisation": organisation_id, "admin": admin_id, "user": user_id, "group": group_id,
            "mailbox": mailbox_id, "auto": auto.client_id, "waiting": waiting.client_id}
