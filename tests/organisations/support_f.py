"""Organisations and their people made directly in the database, for the delegation tests."""
from __future__ import annotations

from dataclasses import dataclass

from tests.support.organisations import PASSWORD, create_member, create_organisation

__all__ = ["PASSWORD", "Team", "add_member", "make_organisation", "make_team"]


@dataclass(frozen=True)
class Team:
    organisation_id: str
    admin_id: str
    user_id: str
    colleague_id: str


def make_organisation(name: str = "Muster GmbH") -> str:
    return create_organisation(name, street="Hauptstraße", postal_code="20095")


def add_member(organisation_id: str, email: str, given_name: str, family_name: str, admin: bool = False) -> str:
    return create_member(organisation_id, email, given_name, family_name, is_admin=admin)


def make_team(app, name: str = "Muster GmbH", domain: str = "muster.example") -> Team:
    """An active organisation with an administrator (Anna Admin), a user (Uwe Nutzer) and
    another user (Karla Kollegin)."""
    with app.app_context():
        organisation_id = make_organisation(name)
        return Team(organisation_id,
                    add_member(organisation_id, f"anna@{domain}", "Anna", "Admin", admin=True),
                    add_member(organisation_id, f"uwe@{domain}", "Uwe", "Nutzer"),
                    add_member(organisation_id, f"karla@{domain}", "Karla", "Kollegin"))
