"""Housekeeping for `servicekonto purge`: organisation registrations and invited users
that were never activated (SPEC §6, seed 003)."""
from __future__ import annotations

from sqlalchemy import delete, select

from ..accounts.links import ACTIVATION_VALIDITY
from ..accounts.models import Account
from ..extensions import db
from ..timeutil import utcnow
from .models import ACCOUNT_KIND, Organisation, OrganisationMember
from .users import ACTIVATION_VALIDITY as INVITATION_VALIDITY


def purge_unactivated() -> int:
    """An organisation registered by its first administrator goes with its accounts
    after 24 h without activation; a user an administrator invited into an active
    organisation goes after 14 days. Returns the number of accounts deleted."""
    now = utcnow()
    stale_organisations = list(db.session.scalars(select(Organisation.id).where(
        Organisation.status == "pending", Organisation.created_at < now - ACTIVATION_VALIDITY)))
    in_pending = select(OrganisationMember.account_id).where(
        OrganisationMember.organisation_id.in_(stale_organisations))
    invited = (select(OrganisationMember.account_id)
               .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
               .where(Organisation.status == "active"))
    pending = (Account.kind == ACCOUNT_KIND) & (Account.status == "pending")
    stale_accounts = list(db.session.scalars(select(Account.id).where(pending & (
        Account.id.in_(in_pending)
        | (Account.id.in_(invited) & (Account.created_at < now - INVITATION_VALIDITY))
        # Left over without an organisation: nothing would ever activate it.
        | (Account.id.not_in(select(OrganisationMember.account_id))
           & (Account.created_at < now - ACTIVATION_VALIDITY))))))
    # Never activated: no sessions, tokens or consents to end, so rows go directly.
    if stale_accounts:
        db.session.execute(delete(Account).where(Account.id.in_(stale_accounts)))
    if stale_organisations:
        db.session.execute(delete(Organisation).where(Organisation.id.in_(stale_organisations)))
    return len(stale_accounts)
