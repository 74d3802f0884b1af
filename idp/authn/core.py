"""The account core: turns an identity proven by a back end into a login session.

It alone decides the session's level: the most the method can prove, lowered to
what is known about the person behind the account, or to how well the login binds
the account to its organisation (an ELSTER organisation certificate, SPEC §2).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..observability import metrics
from . import devices, sessions
from .identity import AuthenticationFailed, Identity


def resolve_account(identity: Identity) -> Account:
    if identity.account_id is not None:
        account = identity.account if identity.account is not None and identity.account.id == identity.account_id \
            else db.session.get(Account, identity.account_id)
        if account is not None and account.is_active:
            return account
    refused(identity.method, "no_account", account_id=identity.account_id)
    # Identities known only by a back-end subject (eID pseudonym, remote account) are
    # resolved through their stored links once those back ends exist.
    raise AuthenticationFailed(_("Zu dieser Anmeldung gibt es kein Servicekonto."))


def session_level(identity: Identity, account: Account) -> Level:
    return min(identity.ceiling, max(account.identity_level, proven_person_level(identity),
                                     identity.organisation_binding))


def proven_person_level(identity: Identity) -> Level:
    """How well this login itself proves who the person is: the weaker of the names the
    back end vouched for at this login (the eID card's), else nothing."""
    levels = [a.level for a in identity.attributes if a.name in ("given_name", "family_name")]
    return Level(min(levels)) if len(levels) == 2 else Level.NIEDRIG


def refused(method: str, reason: str, **columns) -> None:
    """A back end (or the core) turns a login down: recorded at once, as the page that
    says so commits nothing. `columns` are audit columns (account_id, email), and
    `reason` names the refusal, never what was presented."""
    audit.record("login.failed", succeeded=False, method=method, reason=reason, **columns)
    db.session.commit()


@dataclass(frozen=True)
class Login:
    secret: str  # for the session cookie
    devices: list[str]  # the browser's known-device tokens to keep, this account's first


def log_in(identity: Identity, client_id: str | None = None, devices_seen: list[str] | None = None) -> Login:
    """`client_id`: the online service whose authorization request the login answers;
    `devices_seen`: the browser's known-device tokens (`devices`), its token for this
    account renewed or a new one made.

    One commit: the session, its audit event, the known device and what the back end
    left in the transaction (a password attempt given back) are stored together or
    not at all."""
    account = resolve_account(identity)
    level = session_level(identity, account)
    _session, secret = sessions.create(account.id, level, identity.method, identity.amr)
    audit.record("login.succeeded", account_id=account.id, client_id=client_id, method=identity.method,
                 level=Level(level).word)
    tokens = devices.remember(account.id, devices_seen or [])
    db.session.commit()
    metrics.count_login(identity.method, Level(level).word)
    return Login(secret, tokens)
