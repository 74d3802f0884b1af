"""Single-use links sent by mail (activation, later password reset and e-mail change)."""
from __future__ import annotations

import enum
from datetime import timedelta

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


def consume(link: EmailLink) -> None:
    link.used_at = utcnow()
