"""Organisations and their people made directly in the database, for the delegation tests."""
from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import ACCOUNT_KIND, Organisation, OrganisationMember

PASSWORD = "ABab1234"


@dataclass(frozen=True)
class Team:
    organisation_id: str
    admin_id: str
    user_id: str
    colleague_id: str


def make_organisation(name: str = "Muster GmbH") -> str:
    organisation = Organisation(name=name, street="Hauptstraße", house_number="1", postal_code="20095",
                                city="Hamburg", status="active")
    db.session.add(organisation)
    db.session.commit()
    return organisation.id


def add_member(organisation_id: str, email: str, given_name: str, family_name: str, admin: bool = False) -> str:
    account = Account(email=email, email_normalized=normalize_email(email), password_hash=hash_password(PASSWORD),
                      status="active", kind=ACCOUNT_KIND)
    db.session.add(account)
    account.set_attribute("given_name", given_name, Level.NIEDRIG, "self")
    account.set_attribute("family_name", family_name, Level.NIEDRIG, "self")
    account.set_attribute("email", email, Level.NIEDRIG, "self")
    db.session.flush()
    db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation_id, is_admin=admin))
    db.session.commit()
    return account.id


def make_team(app, name: str = "Muster GmbH", domain: str = "muster.example") -> Team:
    """An active organisation with an administrator (Anna Admin), a user (Uwe Nutzer) and
    another user (Karla Kollegin)."""
    with app.app_context():
        organisation_id = make_organisation(name)
        return Team(organisation_id,
                    add_member(organisation_id, f"anna@{domain}", "Anna", "Admin", admin=True),
                    add_member(organisation_id, f"uwe@{domain}", "Uwe", "Nutzer"),
                    add_member(organisation_id, f"karla@{domain}", "Karla", "Kollegin"))
