"""Throttling of failed logins per account and per client address (SPEC §3).

Keys are digests, so the table holds neither addresses nor e-mails in clear; rows
older than the window are purged.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.policy import normalize_email
from ..extensions import db
from ..secrets import digest
from ..timeutil import utcnow

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 30
THROTTLED = ("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten oder setzen Sie "
             "Ihr Passwort zurück.")


class LoginFailure(db.Model):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _keys(email: str, address: str) -> tuple[str, str]:
    return digest("acct:" + normalize_email(email)), digest("addr:" + (address or ""))


def _count(key: str) -> int:
    since = utcnow() - WINDOW
    return db.session.scalar(select(func.count()).where(LoginFailure.key == key, LoginFailure.at > since))


def recent_failures(email: str, address: str) -> tuple[int, int]:
    """Failures within the window: of the account, of the client address."""
    account_key, address_key = _keys(email, address)
    return _count(account_key), _count(address_key)


def over_limit(failures: tuple[int, int]) -> bool:
    return failures[0] >= MAX_PER_ACCOUNT or failures[1] >= MAX_PER_ADDRESS


def is_throttled(email: str, address: str) -> bool:
    return over_limit(recent_failures(email, address))


def record_failure(email: str, address: str) -> None:
    for key in _keys(email, address):
        db.session.add(LoginFailure(key=key))
    db.session.commit()


def clear(email: str) -> None:
    """Forget the account's failures, in the caller's transaction."""
    account_key, _ = _keys(email, "")
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == account_key))


def purge() -> int:
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - WINDOW))
    return result.rowcount or 0
