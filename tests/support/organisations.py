"""Organisations built directly in the database, for tests of what an online service
sees of an organisation user (the pages that build them are tested elsewhere)."""
from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.extensions import db
from idp.loa import Level
from idp.timeutil import utcnow
from idp.organisations.models import (ACCOUNT_KIND, Group, GroupMember, GroupService, Organisation,
                                      OrganisationMember, ServiceGrant, ServiceSubscription)

PASSWORD = "ABab1234"


def create_organisation(name: str = "Muster GmbH", status: str = "active", **fields) -> str:
    """An organisation row (inside an app context); the address defaults to Hamburg."""
    defaults = dict(street="Hafenstraße", house_number="1", postal_code="20459", city="Hamburg")
    organisation = Organisation(name=name, status=status, activated_at=utcnow() if status == "active" else None,
                                **{**defaults, **fields})
    db.session.add(organisation)
    db.session.commit()
    return organisation.id


def create_member(organisation_id: str, email: str, given_name: str = "Max", family_name: str = "Muster", *,
                  is_admin: bool = False, status: str = "active", password: str | None = PASSWORD,
                  **attributes: str) -> str:
    """An organisation account with its membership (inside an app context). A pending
    one without `password` is what an administrator's invitation leaves behind."""
    active = status == "active"
    account = Account(email=email, email_normalized=normalize_email(email), kind=ACCOUNT_KIND, status=status,
                      password_hash=hash_password(password) if password else None,
                      activated_at=utcnow() if active else None)
    db.session.add(account)
    for name, value in {"given_name": given_name, "family_name": family_name, **attributes}.items():
        account.set_attribute(name, value, Level.NIEDRIG, "self")
    if active:
        account.set_attribute("email", email, Level.NIEDRIG, "self")
    db.session.flush()
    db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation_id, is_admin=is_admin))
    db.session.commit()
    return account.id


@dataclass
class Built:
    organisation_id: str
    accounts: dict[str, str]  # e-mail → account id


def make_organisation(app, name="Muster GmbH", admin="admin@muster.example", users=("anna@muster.example",),
                      admins_use_services=False, legal_form="GmbH", register_number="HRB 12345",
                      register_court="Amtsgericht Hamburg") -> Built:
    with app.app_context():
        organisation_id = create_organisation(name, legal_form=legal_form, register_number=register_number,
                                              register_court=register_court, admins_use_services=admins_use_services)
        accounts = {email: create_member(organisation_id, email, email.split("@")[0].capitalize(), "Muster",
                                         is_admin=is_admin)
                    for email, is_admin in [(admin, True)] + [(u, False) for u in users]}
        return Built(organisation_id, accounts)


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
