"""Whom a login is for, and whether that person may use a service (SPEC §6).

A session acts for its own account, or — while a deputy exercises a delegation
("Vertretung wahrnehmen") — for the colleague it stands in for, with the deputy as
actor. The authorization endpoint, the consent pages and the catalogue all ask these
two questions, so the answers live here, below all of them.
"""
from __future__ import annotations

from ..accounts.models import Account
from ..authn.sessions import LoginSession
from ..extensions import db
from . import delegation as delegations
from . import entitlements
from .entitlements import Refusal


class Subject:
    """The resource owner as the OAuth grants see it: an account, and the deputy
    (`actor`) when someone logs in for it under a delegation."""

    def __init__(self, account: Account, actor: Account | None = None, delegation=None):
        self.account = account
        self.actor = actor
        self.delegation = delegation  # the Delegation the actor acts under

    def get_user_id(self):
        return self.account.id


def acting_subject(login_session: LoginSession | None) -> Subject | None:
    """Whom a login for an online service is for: the account of the session, or the
    colleague it acts for as deputy (Vertretung), with the deputy as actor."""
    if login_session is None:
        return None
    account = db.session.get(Account, login_session.account_id)
    if account is None:
        return None
    delegation = delegations.acting_for(login_session)
    if delegation is not None:
        principal = db.session.get(Account, delegation.principal_id)
        if principal is not None and principal.is_active:
            return Subject(principal, actor=account, delegation=delegation)
    return Subject(account)


def entitlement_refusal(subject: Subject, client) -> Refusal | None:
    """Why the logged-in user (`acting_subject`) may not use the service, if not."""
    if subject.delegation is not None and subject.delegation.scope != "vollstaendig":
        return Refusal.DEPUTY_RESTRICTED
    return entitlements.access(subject.account, client).refusal
