"""Housekeeping for `servicekonto purge` (cron)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_

from .accounts.models import EmailLink
from .accounts import upgrade
from .accounts.registration import purge_unactivated
from .audit import retention as audit
from .authn import backchannel, devices, eid, sessions, throttle
from .consent import releases
from .extensions import db
from .mail.outbox import purge_sent
from .oidc import par, registration, rfc7523, rfc9449
from .oidc.authorize import REQUEST_VALIDITY
from .organisations import maintenance as organisations
from .postfach.purge import purge_trash
from .oidc.models import AuthorizationCode, AuthorizationRequestRecord, Token
from .timeutil import utcnow


def purge_expired() -> dict[str, int]:
    now = utcnow()
    erased, deleted = audit.purge(current_app.config["SERVICEKONTO"].audit_retention_days)
    counts = {
        "audit events erased of personal data": erased,
        "audit events": deleted,
        "unactivated accounts": purge_unactivated(),
        "unactivated organisation accounts": organisations.purge_unactivated(),
        # Activation, password reset and e-mail change links alike.
        "links": db.session.execute(delete(EmailLink).where(
            or_(EmailLink.expires_at < now, EmailLink.used_at.is_not(None)))).rowcount,
        "authorization requests": db.session.execute(delete(AuthorizationRequestRecord).where(
            AuthorizationRequestRecord.created_at < now - REQUEST_VALIDITY)).rowcount,
        "authorization codes": db.session.execute(delete(AuthorizationCode).where(
            AuthorizationCode.created_at < now - timedelta(days=1))).rowcount,
        "tokens": db.session.execute(delete(Token).where(
            or_(Token.revoked_at.is_not(None), Token.refresh_expires_at < now,
                (Token.refresh_expires_at.is_(None)) & (Token.issued_at < now - timedelta(days=1))))).rowcount,
        "used client assertion IDs": rfc7523.purge(),
        "used DPoP proof IDs": rfc9449.purge(),
        "pushed authorization requests": par.purge(),
        "initial access tokens": registration.purge(),
        "login failures": throttle.purge(),
        "known devices": devices.purge(),
        "sessions": sessions.purge(),
        "mails": purge_sent(),
        "back-channel logout notices given up": backchannel.purge(),
        "data releases": releases.purge(),
        "upgrade cases": upgrade.purge(),
        "eID transactions": eid.purge(),
        "Postfach trash": purge_trash(),
        **_federation(),
        **_elster(),
        **_wallet(),
    }
    db.session.commit()
    return counts


def _elster() -> dict[str, int]:
    from elster_connector import logins

    return logins.purge()


def _wallet() -> dict[str, int]:
    from wallet_connector import transactions

    return transactions.purge()


def _federation() -> dict[str, int]:
    from federation import asserting, broker, saml_backend

    return {"federation logins": broker.purge(), "federation requests": asserting.purge(),
            "used assertion IDs": saml_backend.purge(), "used AuthnRequest IDs": asserting.purge_used_ids()}
