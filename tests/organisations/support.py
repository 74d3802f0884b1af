"""Organisations made directly in the database, for tests that start behind the
registration: an active organisation with an active administrator (password
`ABab1234`) and, on request, more members."""
from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.organisations import PASSWORD, create_member, create_organisation

__all__ = ["PASSWORD", "OrganisationSetup", "add_member", "make_organisation"]


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
        return create_member(organisation_id, email, given_name, family_name, is_admin=is_admin,
                             status="active" if active else "pending", password=password if active else None,
                             birth_date=birth_date, phone=phone)


def make_organisation(app, name: str = "Muster GmbH", admin_email: str = "admin@muster.example",
                      users: tuple[str, ...] = (), admins: tuple[str, ...] = (), status: str = "active",
                      **data) -> OrganisationSetup:
    """An organisation with its first administrator (Ada Admin), plus `admins` and
    `users` (active, by e-mail address)."""
    with app.app_context():
        organisation_id = create_organisation(name, status, **{"street": "Hauptstraße", "postal_code": "20095",
                                                               **data})
    setup = OrganisationSetup(organisation_id, "", admin_email)
    setup.admin_id = add_member(app, organisation_id, admin_email, is_admin=True, active=status == "active",
                                given_name="Ada", family_name="Admin")
    for email in admins:
        setup.members[email] = add_member(app, organisation_id, email, is_admin=True)
    for email in users:
        setup.members[email] = add_member(app, organisation_id, email)
    return setup
