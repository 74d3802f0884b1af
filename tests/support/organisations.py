"""Organisations built directly in the database, for tests of what an online service
sees of an organisation user (the pages that build them are tested elsewhere)."""
from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import (ACCOUNT_KIND, Group, GroupMember, GroupService, Organisation,
                                      OrganisationMember, ServiceGrant, ServiceSubscription)

PASSWORD = "ABab1234"


@dataclass
class Built:
    organisation_id: str
    accounts: dict[str, str]  # e-mail → account id


def make_organisation(app, name="Muster GmbH", admin="admin@muster.example", users=("anna@muster.example",),
                      admins_use_services=False, legal_form="GmbH", register_number="HRB 12345",
                      register_court="Amtsgericht Hamburg") -> Built:
    with app.app_context():
        org = Organisation(name=name, legal_form=legal_form, register_number=register_number,
                           register_court=register_court, street="Hafenstraße", house_number="1",
                           postal_code="20459", city="Hamburg", status="active",
                           admins_use_services=admins_use_services)
        db.session.add(org)
        db.session.flush()
        accounts = {}
        for email, is_admin in [(admin, True)] + [(u, False) for u in users]:
            account = Account(email=email, email_normalized=normalize_email(email), kind=ACCOUNT_KIND,
                              password_hash=hash_password(PASSWORD), status="active")
            db.session.add(account)
            given, family = email.split("@")[0].capitalize(), "Muster"
            account.set_attribute("given_name", given, Level.NIEDRIG, "self")
            account.set_attribute("family_name", family, Level.NIEDRIG, "self")
            account.set_attribute("email", email, Level.NIEDRIG, "self")
            db.session.flush()
            db.session.add(OrganisationMember(account_id=account.id, organisation_id=org.id, is_admin=is_admin))
            accounts[email] = account.id
        db.session.commit()
        return Built(org.id, accounts)


def subscribe(app, organisation_id: str, client_id: str, status: str = "active") -> None:
    with app.app_context():
        db.session.add(ServiceSubscription(organisation_id=organisation_id, client_id=client_id, status=status))
        db.session.commit()


def grant(app, account_id: str, client_id: str, roles=()) -> None:
    with app.app_context():
        db.session.add(ServiceGrant(account_id=account_id, client_id=client_id, roles=list(roles)))
        db.session.commit()


def group_grant(app, organisation_id: str, account_id: str, client_id: str, roles=(), name="Team") -> int:
    with app.app_context():
        group = Group(organisation_id=organisation_id, name=name)
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, account_id=account_id))
        db.session.add(GroupService(group_id=group.id, client_id=client_id, roles=list(roles)))
        db.session.commit()
        return group.id
