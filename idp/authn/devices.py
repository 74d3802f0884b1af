"""Known devices: browsers that logged in to an account before.

After every successful login the browser gets a random token for that account (the
web layer keeps the tokens in a signed cookie, one per account, at most
MAX_PER_BROWSER); the database keeps only the token's digest. A correct password
from a known device is accepted while strangers' failures hold the account in its
back-off (`throttle`): the device has a back-off of its own instead.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import Account
from ..accounts.policy import normalize_email
from ..extensions import db
from ..secrets import digest, new_secret
from ..timeutil import utcnow

VALIDITY = timedelta(days=180)
MAX_PER_BROWSER = 5  # accounts remembered by one browser (a family's computer)


class KnownDevice(db.Model):
    __tablename__ = "known_device"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _valid(tokens: list[str]) -> list[KnownDevice]:
    if not tokens:
        return []
    return list(db.session.scalars(select(KnownDevice).where(
        KnownDevice.token_hash.in_([digest(t) for t in tokens]), KnownDevice.expires_at > utcnow())))


def find(tokens: list[str], email: str) -> KnownDevice | None:
    """The browser's known device for the account of `email`, if it has one."""
    if not tokens:
        return None
    return db.session.scalar(select(KnownDevice).join(Account, Account.id == KnownDevice.account_id).where(
        KnownDevice.token_hash.in_([digest(t) for t in tokens]), KnownDevice.expires_at > utcnow(),
        Account.email_normalized == normalize_email(email)))


def remember(account_id: str, tokens: list[str]) -> list[str]:
    """After a login to `account_id`: the browser's tokens to keep, its token for
    this account first (renewed, or new). In the caller's transaction."""
    known = {device.token_hash: device for device in _valid(tokens)}
    token = next((t for t in tokens if (d := known.get(digest(t))) is not None and d.account_id == account_id), None)
    if token is None:
        token = new_secret()
        db.session.add(KnownDevice(token_hash=digest(token), account_id=account_id, expires_at=utcnow() + VALIDITY))
    else:
        known[digest(token)].expires_at = utcnow() + VALIDITY
    others = list(dict.fromkeys(t for t in tokens if t != token and digest(t) in known))
    return [token, *others][:MAX_PER_BROWSER]


def purge() -> int:
    return db.session.execute(delete(KnownDevice).where(KnownDevice.expires_at < utcnow())).rowcount or 0
