"""Ending a login session here and at the online services that used it."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..oidc.models import Client, Token
from ..oidc.server import subject_for
from ..timeutil import utcnow
from . import backchannel, sessions


def _clients_of(session: sessions.LoginSession) -> list[Client]:
    client_ids = set(db.session.scalars(select(Token.client_id).where(Token.session_id == session.id)))
    return [c for c in (db.session.get(Client, cid) for cid in sorted(client_ids)) if c is not None]


def end_session(session: sessions.LoginSession, client_id: str | None = None) -> None:
    """End the session, revoke its tokens and tell the services that registered a
    back-channel logout URI (through the outbox: a service that does not answer
    neither keeps the user logged in here nor holds up the page). `client_id`: the
    online service that asked for the logout."""
    audit.record("logout", account_id=session.account_id, client_id=client_id, method=session.method)
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
        for client in _clients_of(session):
            if client.backchannel_logout_uri:
                backchannel.queue(client, subject_for(client.client_id, session.account_id), session.sid)
    db.session.commit()
