"""Ending a login session here and at the online services that used it."""
from __future__ import annotations

import logging
import time
import uuid

import requests
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..oidc.models import Client, Token
from ..oidc.server import sign_jwt, subject_for
from ..timeutil import utcnow
from . import sessions

log = logging.getLogger(__name__)


def _clients_of(session: sessions.LoginSession) -> list[Client]:
    client_ids = set(db.session.scalars(select(Token.client_id).where(Token.session_id == session.id)))
    return [c for c in (db.session.get(Client, cid) for cid in sorted(client_ids)) if c is not None]


def logout_token(client: Client, session: sessions.LoginSession) -> str:
    """OpenID Connect Back-Channel Logout 1.0 §2.4."""
    now = int(time.time())
    return sign_jwt(client, {
        "iss": current_app.config["SERVICEKONTO"].issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
        "sub": subject_for(client.client_id, session.account_id),
        "sid": session.sid,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    }, typ="logout+jwt")


def end_session(session: sessions.LoginSession) -> None:
    """End the session, revoke its tokens and tell the services that registered a
    back-channel logout URI. A service that does not answer does not keep the user
    logged in here."""
    end_sessions([session])


def end_other_sessions(account_id: str, keep_session_id: str | None = None) -> int:
    """Every session of the account but `keep_session_id` ends (password change or
    reset; deletion keeps none)."""
    ended = sessions.end_all(account_id, except_id=keep_session_id)
    end_sessions(ended)
    return len(ended)


def end_sessions(ended: list[sessions.LoginSession]) -> None:
    now = utcnow()
    for session in ended:
        sessions.end(session)
        for token in db.session.scalars(
            select(Token).where(Token.session_id == session.id, Token.revoked_at.is_(None))
        ):
            token.revoked_at = now
    db.session.commit()
    for session in ended:
        _notify_clients(session)


def _notify_clients(session: sessions.LoginSession) -> None:
    for client in _clients_of(session):
        if not client.backchannel_logout_uri:
            continue
        try:
            requests.post(client.backchannel_logout_uri, data={"logout_token": logout_token(client, session)},
                          timeout=3, allow_redirects=False)
        except requests.RequestException as exc:
            log.warning("back-channel logout to client %s failed: %s", client.client_id, type(exc).__name__)
