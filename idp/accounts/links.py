"""Single-use links sent by mail (activation, password reset, e-mail change)."""
from __future__ import annotations

import enum
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select

from ..extensions import db
from ..secrets import digest, new_secret
from ..timeutil import utcnow
from .models import Account, EmailLink

ACTIVATION_VALIDITY = timedelta(hours=24)


class LinkProblem(enum.Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def absolute_link(endpoint: str):
    """A builder of the URL a mail carries for a link's secret. Links in mails are
    built from the configured issuer, never from the Host header of the request that
    triggered them."""
    issuer = current_app.config["SERVICEKONTO"].issuer
    return lambda secret: issuer + url_for(endpoint, secret=secret)


def issue_link(account: Account, purpose: str, validity: timedelta, payload: dict | None = None) -> str:
    """A new link for `purpose`; earlier unused links of the same purpose stop working."""
    for old in db.session.scalars(
        select(EmailLink).where(EmailLink.account_id == account.id, EmailLink.purpose == purpose,
                                EmailLink.used_at.is_(None))
    ):
        old.used_at = utcnow()
    secret = new_secret()
    db.session.add(EmailLink(account_id=account.id, purpose=purpose, token_hash=digest(secret),
                             expires_at=utcnow() + validity, payload=payload))
    return secret


def find_link(secret: str, purpose: str) -> tuple[EmailLink | None, LinkProblem | None]:
    link = db.session.scalar(
        select(EmailLink).where(EmailLink.token_hash == digest(secret or ""), EmailLink.purpose == purpose)
    )
    if link is None:
        return None, LinkProblem.UNKNOWN
    if link.used_at is not None:
        return link, LinkProblem.USED
    if link.expires_at <= utcnow():
        return link, LinkProblem.EXPIRED
    return link, None


def open_link(account: Account, purpose: str) -> EmailLink | None:
    """The account's newest link for `purpose` that can still be used."""
    return db.session.scalar(
        select(EmailLink)
        .where(EmailLink.account_id == account.id, EmailLink.purpose == purpose,
               EmailLink.used_at.is_(None), EmailLink.expires_at > utcnow())
        .order_by(EmailLink.expires_at.desc())
        .limit(1)
    )


def consume(link: EmailLink) -> None:
    link.used_at = utcnow()
