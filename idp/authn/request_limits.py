"""Limits on requests that send a mail or start an eID transaction (registration,
password reset, e-mail change, organisation invitations, eID start), per source
address and per target address, so that nobody can flood a mailbox or the eID
server from one place or at one address.

The mechanism is the login throttle's (`throttle`): one row per counted request in
its table, keyed by a digest (no address or e-mail in clear), and purged with the
failed logins once the window has passed.
"""
from __future__ import annotations

import enum

from sqlalchemy import func, select

from ..accounts.policy import normalize_email
from ..extensions import db
from ..i18n import _
from ..secrets import digest
from ..timeutil import utcnow
from .throttle import WINDOW, LoginFailure

PER_SOURCE = 10  # requests of one kind from one source address within WINDOW
PER_TARGET = 3  # mails of one kind to one address within WINDOW
# An eID (or wallet) start sends no mail; its target is the account, whose owner may
# need a few attempts with the card reader and the PIN.
PER_ACCOUNT_EID_STARTS = 10
EXCEEDED = _("Zu viele Anfragen in kurzer Zeit. Bitte warten Sie 15 Minuten und versuchen Sie es dann "
            "erneut.")


class Action(enum.Enum):
    REGISTRATION = "registration"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"
    INVITATION = "invitation"
    EID_START = "eid_start"
    # A trip to the EUDI-Wallet (a presentation request kept in the database).
    WALLET_START = "wallet_start"


def _key(action: Action, kind: str, value: str) -> str:
    return digest(f"limit:{action.value}:{kind}:{value}")


def _count(key: str) -> int:
    return db.session.scalar(select(func.count()).where(LoginFailure.key == key, LoginFailure.at > utcnow() - WINDOW))


def take(action: Action, source: str | None, target: str | None = None) -> bool:
    """Count one request of `action` from `source` (client address) to `target`
    (e-mail address, or an account id); False, and nothing counted, when either has
    had its share within the window. Committed at once: a request refused later for
    another reason has been made all the same."""
    limits = [(_key(action, "source", source or ""), PER_SOURCE)]
    if target:
        per_target = PER_ACCOUNT_EID_STARTS if action in (Action.EID_START, Action.WALLET_START) else PER_TARGET
        limits.append((_key(action, "target", normalize_email(target)), per_target))
    if any(_count(key) >= limit for key, limit in limits):
        return False
    for key, _limit in limits:
        db.session.add(LoginFailure(key=key))
    db.session.commit()
    return True
