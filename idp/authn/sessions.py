"""Login sessions kept on the server: the browser holds only a random id.

Server-side records let a logout, a password change or a deletion end sessions
everywhere, and let the limits of SPEC §2 be enforced per level.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..loa import SESSION_LIMITS, Level
from ..secrets import digest, new_secret
from ..timeutil import utcnow

TOUCH_INTERVAL = timedelta(minutes=1)


class LoginSession(db.Model):
    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the cookie value
    sid: Mapped[str] = mapped_column(String(64), unique=True)  # public id for logout tokens
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    amr: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # Set while an organisation user acts as deputy ("Vertretung wahrnehmen").
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation_delegation.id", ondelete="SET NULL"))

    @property
    def loa(self) -> Level:
        return Level(self.level)


class SessionState(enum.Enum):
    NONE = "none"
    ACTIVE = "active"
    EXPIRED = "expired"


def create(account_id: str, level: Level, method: str, amr: tuple[str, ...]) -> tuple[LoginSession, str]:
    """Returns the session and the secret for the cookie."""
    secret = new_secret()
    now = utcnow()
    session = LoginSession(id=digest(secret), sid=new_secret(16), account_id=account_id, level=int(level),
                           method=method, amr=list(amr), auth_time=now, last_seen=now)
    db.session.add(session)
    return session, secret


def expired(session: LoginSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    limits = SESSION_LIMITS[session.loa]
    return now - session.last_seen > limits.inactivity or now - session.auth_time > limits.total


def lookup(secret: str | None, touch: bool = True) -> tuple[SessionState, LoginSession | None]:
    if not secret:
        return SessionState.NONE, None
    session = db.session.get(LoginSession, digest(secret))
    if session is None or session.ended_at is not None:
        return SessionState.NONE, None
    if expired(session):
        end(session)
        db.session.commit()
        return SessionState.EXPIRED, None
    if touch:
        now = utcnow()
        # Inactivity limits are minutes long: noting activity once a minute is as
        # exact as they need, and spares a commit on every request.
        if now - session.last_seen >= TOUCH_INTERVAL:
            session.last_seen = now
            db.session.commit()
    return SessionState.ACTIVE, session


def end(session: LoginSession) -> None:
    session.ended_at = session.ended_at or utcnow()


def end_all(account_id: str, except_id: str | None = None) -> list[LoginSession]:
    sessions = db.session.scalars(
        select(LoginSession).where(LoginSession.account_id == account_id, LoginSession.ended_at.is_(None))
    ).all()
    ended = [s for s in sessions if s.id != except_id]
    for session in ended:
        end(session)
    return ended


def purge() -> int:
    """Ended sessions and ones past their total limit."""
    now = utcnow()
    rows = db.session.scalars(select(LoginSession)).all()
    stale = [s for s in rows if s.ended_at is not None or expired(s, now)]
    for row in stale:
        db.session.delete(row)
    return len(stale)
