"""The rule that keeps every organisation administrable (SPEC §6, seed 003): the last
active administrator can neither leave, be deleted nor lose the role; a second
administrator has to be set up first."""
from __future__ import annotations

from ..accounts.models import Account
from ..i18n import _
from . import entitlements
from .models import OrganisationMember

LAST_ADMIN_CANNOT_LEAVE = _("Sie sind die einzige Administratorin bzw. der einzige Administrator Ihrer "
                            "Organisation. Richten Sie zuerst unter „Administration“ → „Benutzer“ eine weitere "
                            "Administratorin oder einen weiteren Administrator ein; danach können Sie Ihr "
                            "Servicekonto löschen.")
LAST_ADMIN_CANNOT_BE_DELETED = _("Diese Person ist die einzige aktive Administratorin bzw. der einzige aktive "
                                 "Administrator der Organisation und kann nicht gelöscht werden.")
LAST_ADMIN_KEEPS_ROLE = _("Die Organisation braucht mindestens eine aktive Administratorin oder einen aktiven "
                          "Administrator. Richten Sie zuerst eine weitere Person als Administrator ein.")


def is_last_admin(member: OrganisationMember) -> bool:
    """Whether the organisation would have no active administrator without this member.
    Administrators still waiting for activation do not count: nobody could log in as them."""
    if not member.is_admin or not member.account.is_active:
        return False
    return all(a.id == member.account_id for a in entitlements.active_administrators(member.organisation_id))


def may_leave(account: Account) -> bool:
    """May the account be deleted by its owner ("Servicekonto löschen")? Citizens always."""
    member = entitlements.membership(account.id)
    return member is None or not is_last_admin(member)
