"""Organisations made directly in the database, for tests that start behind the
registration: an active organisation with an active administrator (password
`ABab1234`) and, on request, more members."""
from __future__ import annotations

from dataclasses import dataclass, field

from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import ACCOUNT_KIND, Organisation, OrganisationMember
from idp.timeutil import utcnow

PASSWORD = "ABab1234"


@dataclass
class OrganisationSetup:
    organisation_id: str
    admin_id: str
    admin_email: str
    # e-mail address → account id of every further member
    members: dict[str, str] = field(default_factory=dict)


def add_member(app, organisation_id: str, email: str, *, is_admin: bool = False, active: bool = True,
               given_name: str = "Max", family_name: str = "Muster", birth_date: str = "01.02.1980",
               phone: str = "040 123456", password: str = PASSWORD) -> str:
    """An organisation account; pending ones have no password, like invited users."""
    with app.app_context():
        account = Account(email=email, email_normalized=normalize_email(email), kind=ACCOUNT_KIND,
                          status="active" if active else "pending",
                          password_hash=hash_password(password) if active else None,
                          activated_at=utcnow() if active else None)
        for name, value in (("given_name", given_name), ("family_name", family_name),
                            ("birth_date", birth_date), ("phone", phone)):
            account.set_attribute(name, value, Level.NIEDRIG, "self")
        if active:
            account.set_attribute("email", email, Level.NIEDRIG, "self")
        db.session.add(account)
        db.session.flush()
        db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation_id, is_admin=is_admin))
        db.session.commit()
        return account.id


def make_organisation(app, name: str = "Muster GmbH", admin_email: str = "admin@muster.example",
                      users: tuple[str, ...] = (), admins: tuple[str, ...] = (), status: str = "active",
                      **data) -> OrganisationSetup:
    """An organisation with its first administrator (Ada Admin), plus `admins` and
    `users` (active, by e-mail address)."""
    with app.app_context():
        organisation = Organisation(name=name, street=data.pop("street", "Hauptstraße"),
                                    house_number=data.pop("house_number", "1"),
                                    postal_code=data.pop("postal_code", "20095"), city=data.pop("city", "Hamburg"),
                                    status=status, activated_at=utcnow() if status == "active" else None, **data)
        db.session.add(organisation)
        db.session.commit()
        organisation_id = organisation.id
    setup = OrganisationSetup(organisation_id, "", admin_email)
    setup.admin_id = add_member(app, organisation_id, admin_email, is_admin=True, active=status == "active",
                                given_name="Ada", family_name="Admin")
    for email in admins:
        setup.members[email] = add_member(app, organisation_id, email, is_admin=True)
    for email in users:
        setup.members[email] = add_member(app, organisation_id, email)
    return setup
