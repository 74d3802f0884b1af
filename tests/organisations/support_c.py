"""Organisations, their users and Leitstelle members straight in the database, for
the tests of "Online-Dienste verwalten" and the Fachliche Leitstelle."""
from __future__ import annotations

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import ACCOUNT_KIND, Organisation, OrganisationMember

PASSWORD = "ABab1234"


def make_organisation(app, name="Muster GmbH", admin="admin@muster.example", admins_use_services=False,
                      register_number="HRB 12345") -> tuple[str, str]:
    """An active organisation with one active administrator: (organisation id, admin id)."""
    with app.app_context():
        organisation = Organisation(name=name, street="Hafenstraße", house_number="7", postal_code="20457",
                                    city="Hamburg", register_number=register_number, status="active",
                                    admins_use_services=admins_use_services)
        db.session.add(organisation)
        db.session.commit()
        organisation_id = organisation.id
    return organisation_id, add_user(app, organisation_id, admin, is_admin=True, given_name="Anna",
                                     family_name="Admin")


def add_user(app, organisation_id: str, email: str, is_admin=False, given_name="Uwe", family_name="Nutzer",
             status="active") -> str:
    with app.app_context():
        account = Account(email=email, email_normalized=normalize_email(email), kind=ACCOUNT_KIND,
                          password_hash=hash_password(PASSWORD), status=status)
        db.session.add(account)
        account.set_attribute("given_name", given_name, Level.NIEDRIG, "self")
        account.set_attribute("family_name", family_name, Level.NIEDRIG, "self")
        account.set_attribute("email", email, Level.NIEDRIG, "self")
        db.session.flush()
        db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation_id, is_admin=is_admin))
        db.session.commit()
        return account.id
