"""OpenID Connect Back-Channel Logout 1.0, delivered through an outbox.

Ending a session queues one notice per online service that registered a
`backchannel_logout_uri`, in the transaction that ends the session; the background
worker posts the logout tokens and retries a service that is down, with backoff, so
a slow or absent service neither holds up the user's page nor misses the logout.
A notice keeps only the pseudonyms the token carries (pairwise `sub`, `sid`): it
must still be deliverable after the account itself was deleted. The token is signed
when it is sent, so a retry never carries an expired one.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import database
from ..extensions import db
from ..oidc.models import Client
from ..timeutil import utcnow

log = logging.getLogger(__name__)

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 3
# About a day of retries (backoff doubling from 15 s, at most an hour apart); after
# that the service's own session limit has ended the session anyway.
MAX_ATTEMPTS = 30
KEEP_FAILED = timedelta(days=7)


class LogoutNotice(db.Model):
    __tablename__ = "backchannel_logout_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(64))
    sid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(64))


def queue(client: Client, subject: str, sid: str) -> None:
    """Add a notice in the caller's transaction; the worker is woken after commit."""
    db.session.add(LogoutNotice(client_id=client.client_id, subject=subject, sid=sid))
    db.session.info["outbox_queued"] = True


def logout_token(client: Client, subject: str, sid: str) -> str:
    """§2.4: the logout token (signed like the client's ID tokens)."""
    from ..oidc.server import sign_jwt

    now = int(time.time())
    return sign_jwt(client, {
        "iss": current_app.config["SERVICEKONTO"].issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
        "sub": subject,
        "sid": sid,
        "events": {EVENT: {}},
    }, typ="logout+jwt")


def _claim_due(now: datetime) -> LogoutNotice | None:
    # SKIP LOCKED: several worker processes share the outbox on PostgreSQL without
    # posting a notice twice.
    return db.session.scalar(
        select(LogoutNotice)
        .where(LogoutNotice.next_attempt_at <= now, LogoutNotice.attempts < MAX_ATTEMPTS)
        .order_by(LogoutNotice.id).limit(1).with_for_update(skip_locked=True))


def _post(client: Client, notice: LogoutNotice) -> str | None:
    """§2.8: the service answers 200 (or 204); anything else is a failure to retry.
    Returns the failure, never an address or a token."""
    try:
        response = requests.post(client.backchannel_logout_uri,
                                 data={"logout_token": logout_token(client, notice.subject, notice.sid)},
                                 timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return type(exc).__name__
    return None if response.status_code in (200, 204) else f"HTTP {response.status_code}"


def deliver_due(limit: int = 50) -> int:
    """Post what is due, one notice per transaction; returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        now = utcnow()
        notice = _claim_due(now)
        if notice is None:
            break
        client = db.session.get(Client, notice.client_id)
        if client is None or not client.backchannel_logout_uri:
            # The service gave up back-channel logout since: nothing left to tell it.
            db.session.delete(notice)
            db.session.commit()
            continue
        notice_id, failure = notice.id, _post(client, notice)
        if failure is None:
            db.session.delete(notice)
        else:
            notice.attempts += 1
            notice.next_attempt_at = now + timedelta(seconds=min(3600, 15 * 2 ** notice.attempts))
            notice.last_error = failure
            log.warning("back-channel logout to client %s failed (attempt %s): %s", notice.client_id,
                        notice.attempts, failure)
        if not database.commit_unless_gone():
            log.info("back-channel logout notice %s went with its client", notice_id)
            continue
        delivered += failure is None
    return delivered


def purge() -> int:
    """Notices given up on (their client never answered)."""
    return db.session.execute(delete(LogoutNotice).where(
        LogoutNotice.attempts >= MAX_ATTEMPTS, LogoutNotice.created_at < utcnow() - KEEP_FAILED)).rowcount
