"""Limits on password attempts (SPEC §3): they slow a guesser down and never lock the
owner out.

Three counters, each a row keyed by a digest (the table holds neither addresses nor
e-mails in clear):

- per account — the address as typed, whether or not it has an account, so the answer
  tells nothing: a few attempts are free, then each failure doubles the wait before
  the next attempt (1, 2, 4 … 60 minutes); attempts within the wait are refused
  without checking the password. The count is forgotten a day after the last failure.
- per known device — a browser that logged in to the account before (`devices`)
  counts on its own row instead of the account's, with the same back-off, so that
  strangers' failures do not keep the owner out;
- per source address — strict: at most MAX_PER_ADDRESS failures in ADDRESS_WINDOW.

An attempt counts as a failure before the password is checked, claimed by
compare-and-set on the rows' version and committed at once, so requests in parallel
worker processes get no more guesses than one after the other; a success gives the
claim back. Where the database has row locks (PostgreSQL), the rows are locked as they
are read, so that attempts at once (an office behind one address) wait for each other
briefly instead of colliding until one is refused; every writer takes them in the
order of their keys, so none waits for another in a circle. The password-reset link
(`clear`) ends the account's back-off.

`LoginFailure` is the older table of single events, still used by `request_limits`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.policy import normalize_email
from ..extensions import db
from ..i18n import _, ngettext
from ..secrets import digest
from ..timeutil import utcnow

WINDOW = timedelta(minutes=15)  # of `LoginFailure` (request_limits)

FREE_ATTEMPTS = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=60)
FORGET_AFTER = timedelta(hours=24)
ADDRESS_WINDOW = timedelta(minutes=15)
MAX_PER_ADDRESS = 30
# Compare-and-set retries before an attempt that keeps colliding is refused.
CLAIM_TRIES = 5
# The clock the message names is the citizen's.
LOCAL_TIME = ZoneInfo("Europe/Berlin")

THROTTLED = _("Zu viele fehlgeschlagene Anmeldeversuche.")


class LoginFailure(db.Model):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginBackoff(db.Model):
    __tablename__ = "login_backoff"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Start of the address's window; last counted attempt; no attempt before not_before.
    first_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    not_before: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=0)


# The statements of every password attempt, built once and on the table rather than
# the mapped class: there are no loaded rows to keep in step, and building and
# synchronising ORM statements cost more CPU than the database took to run them.
_backoff = LoginBackoff.__table__.c
_READ = (select(_backoff.key, _backoff.failures, _backoff.first_at, _backoff.last_at, _backoff.not_before,
                _backoff.version)
         .where(_backoff.key.in_(bindparam("keys", expanding=True))).order_by(_backoff.key).with_for_update())
_INSERT = insert(LoginBackoff.__table__)
_CLAIM = update(LoginBackoff.__table__).where(
    _backoff.key == bindparam("b_key"), _backoff.version == bindparam("b_version")).values(
    version=bindparam("b_new_version"), failures=bindparam("b_failures"), first_at=bindparam("b_first_at"),
    last_at=bindparam("b_last_at"), not_before=bindparam("b_not_before"))
# A right password: the back-off starts again (failures 0), the strict address
# counter gets its one claim back.
_GIVE_BACK = {strict: update(LoginBackoff.__table__).where(_backoff.key == bindparam("b_key"), _backoff.failures > 0)
              .values(failures=_backoff.failures - 1 if strict else 0, not_before=None, version=_backoff.version + 1)
              for strict in (True, False)}


@dataclass(frozen=True)
class Counter:
    key: str
    strict: bool  # the address's fixed window, else the account's (or device's) back-off


def account_counter(email: str) -> Counter:
    return Counter(digest("acct:" + normalize_email(email)), strict=False)


def device_counter(device_id: str) -> Counter:
    return Counter(digest("device:" + device_id), strict=False)


def address_counter(address: str) -> Counter:
    return Counter(digest("addr:" + (address or "")), strict=True)


def wait_after(failures: int) -> timedelta:
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - FREE_ATTEMPTS, 16), LONGEST_WAIT)


def _stale(counter: Counter, first_at: datetime, last_at: datetime, now: datetime) -> bool:
    return first_at <= now - ADDRESS_WINDOW if counter.strict else last_at <= now - FORGET_AFTER


def _counted(counter: Counter, row, now: datetime) -> dict:
    """The row after one more attempt."""
    failures, first_at = (0, now) if row is None or _stale(counter, row.first_at, row.last_at, now) \
        else (row.failures, row.first_at)
    failures += 1
    if counter.strict:
        not_before = first_at + ADDRESS_WINDOW if failures >= MAX_PER_ADDRESS else None
    else:
        wait = wait_after(failures)
        not_before = now + wait if wait else None
    return dict(failures=failures, first_at=first_at, last_at=now, not_before=not_before)


@dataclass
class Attempt:
    counters: tuple[Counter, ...]
    refused_until: datetime | None = None


def attempt(counters: tuple[Counter, ...]) -> Attempt:
    """Count one password attempt against every counter, or against none when one of
    them is waiting (`refused_until`). A counted attempt is committed at once."""
    keys = [c.key for c in counters]
    for _attempt in range(CLAIM_TRIES):
        now = utcnow()
        rows = {row.key: row for row in db.session.execute(_READ, {"keys": keys})}
        waiting = [row.not_before for row in rows.values() if row.not_before and row.not_before > now]
        if waiting:
            return Attempt(counters, refused_until=max(waiting))
        if _claim(counters, rows, now):
            db.session.commit()
            return Attempt(counters)
    return Attempt(counters, refused_until=utcnow() + FIRST_WAIT)


def _in_lock_order(counters: tuple[Counter, ...]) -> list[Counter]:
    return sorted(counters, key=lambda c: c.key)


class _Collision(Exception):
    pass


def _claim(counters, rows, now) -> bool:
    try:
        with db.session.begin_nested():
            for counter in _in_lock_order(counters):
                row = rows.get(counter.key)
                values = _counted(counter, row, now)
                if row is None:
                    db.session.execute(_INSERT, dict(key=counter.key, version=0, **values))
                    continue
                done = db.session.execute(_CLAIM, {"b_key": counter.key, "b_version": row.version,
                                                   "b_new_version": row.version + 1,
                                                   **{"b_" + name: value for name, value in values.items()}})
                if done.rowcount != 1:
                    raise _Collision
    except (_Collision, IntegrityError):
        return False
    return True


def succeeded(counters: tuple[Counter, ...]) -> None:
    """The password was right: the back-off starts again, and the address gets its
    claim back (a shared office address must not fill up with successful logins).
    In the caller's transaction. The rows stay (`purge` removes them a day after the
    last attempt): the next login updates them instead of inserting them anew, and
    claims running alongside see a new version instead of a missing row."""
    # Row by row, in the order of their keys like every writer (see above).
    for counter in _in_lock_order(counters):
        db.session.execute(_GIVE_BACK[counter.strict], {"b_key": counter.key})


def clear(email: str) -> None:
    """End the account's back-off (reset link, deletion), in the caller's transaction."""
    db.session.execute(delete(LoginBackoff).where(LoginBackoff.key == account_counter(email).key))


def recent_failures(email: str, address: str) -> tuple[int, int]:
    """Counted failures: of the account, of the client address."""
    now = utcnow()
    counts = []
    for counter in (account_counter(email), address_counter(address)):
        row = db.session.execute(select(LoginBackoff.failures, LoginBackoff.first_at, LoginBackoff.last_at)
                                 .where(LoginBackoff.key == counter.key)).first()
        counts.append(0 if row is None or _stale(counter, row.first_at, row.last_at, now) else row.failures)
    return counts[0], counts[1]


def refusal(until: datetime) -> str:
    """The message for an attempt within the wait: when to try again, and what works at once."""
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    # The next whole minute, so "ab 10:05 Uhr" is never a moment too early.
    at = (until + timedelta(seconds=59)).replace(second=0, microsecond=0)
    clock = at.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIME).strftime("%H:%M")
    span = ngettext("%(num)d Minute", "%(num)d Minuten", minutes)
    when = _("Zu Ihrem Schutz ist die Anmeldung mit Passwort erst ab %(clock)s Uhr wieder möglich (in %(span)s). "
             "Sofort möglich ist die Anmeldung mit der Online-Ausweisfunktion oder ein neues Passwort über "
             "„Passwort vergessen?“.", clock=clock, span=span)
    return f"{THROTTLED} {when}"


def purge() -> int:
    now = utcnow()
    failures = db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW)).rowcount or 0
    backoffs = db.session.execute(delete(LoginBackoff).where(LoginBackoff.last_at < now - FORGET_AFTER)).rowcount
    return failures + (backoffs or 0)
