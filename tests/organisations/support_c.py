"""Organisations, their users and Leitstelle members straight in the database, for
the tests of "Online-Dienste verwalten" and the Fachliche Leitstelle."""
from __future__ import annotations

from tests.support.organisations import PASSWORD, create_member, create_organisation

__all__ = ["PASSWORD", "add_user", "make_organisation"]


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
