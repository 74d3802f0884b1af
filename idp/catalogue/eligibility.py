"""Whether the logged-in user can use a listed service, and if not, why (SPEC §5).

Nothing is decided here that the authorization endpoint does not decide the same
way when the user presses "Hier starten": the audience and organisation rules are
`organisations.acting.entitlement_refusal` (for the person a deputy acts for), the level rule
compares the login's level with the service's minimum, and what to do about a missing
level is `authn.levels.remedy`, the advice of the step-up page.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..accounts.models import Account
from ..authn.levels import Remedy, remedy
from ..authn.sessions import LoginSession
from ..extensions import db
from ..loa import Level
from ..oidc.models import Client
from ..organisations.acting import Subject, acting_subject, entitlement_refusal
from ..organisations.entitlements import Refusal


@dataclass(frozen=True)
class Eligibility:
    # Who the service is for, or the organisation's subscription and grants: no login helps.
    refusal: Refusal | None = None
    # The login is below the service's level: what reaches it.
    remedy: Remedy | None = None

    @property
    def usable(self) -> bool:
        """Whether "Hier starten" leads into the service, perhaps after another login."""
        return self.refusal is None and (self.remedy is None or self.remedy.only_by_logging_in)


def eligibilities(login_session: LoginSession | None, clients: list[Client]) -> dict[str, Eligibility]:
    """Per client ID; empty for a visitor who is not logged in."""
    if login_session is None:
        return {}
    subject = acting_subject(login_session)
    # The level is the login's own, also when acting for someone else (as on the step-up page).
    account = db.session.get(Account, login_session.account_id)
    return {client.client_id: _eligibility(subject, account, login_session.loa, client) for client in clients}


def _eligibility(subject: Subject | None, account: Account | None, level: Level, client: Client) -> Eligibility:
    if subject is None or account is None:
        return Eligibility(refusal=Refusal.NOT_GRANTED)
    refusal = entitlement_refusal(subject, client)
    if refusal is not None:
        return Eligibility(refusal=refusal)
    if level >= client.min_loa:
        return Eligibility()
    return Eligibility(remedy=remedy(account, client.min_loa))
