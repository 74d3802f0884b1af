"""Reading the audit log: for `servicekonto audit` and the operator console (it reads
accounts, so only the layers above import it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from ..accounts.models import Account
from ..accounts.policy import normalize_email
from ..extensions import db
from .models import AuditEvent


@dataclass(frozen=True)
class Query:
    email: str | None = None  # the account's current address, or the address an event names
    event: str | None = None  # an event name, or its prefix ending in "." ("login.")
    client_id: str | None = None
    organisation_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(query: Query) -> list:
    where = []
    if query.email:
        email = normalize_email(query.email)
        account_ids = select(Account.id).where(Account.email_normalized == email).scalar_subquery()
        where.append(or_(AuditEvent.account_id.in_(account_ids), AuditEvent.email == email))
    if query.event:
        where.append(AuditEvent.event.startswith(query.event) if query.event.endswith(".")
                     else AuditEvent.event == query.event)
    if query.client_id:
        where.append(AuditEvent.client_id == query.client_id)
    if query.organisation_id is not None:
        where.append(AuditEvent.organisation_id == query.organisation_id)
    if query.since:
        where.append(AuditEvent.at >= query.since)
    if query.until:
        where.append(AuditEvent.at < query.until)
    return where


def search(query: Query, *, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    """Newest first."""
    return list(db.session.scalars(select(AuditEvent).where(*_where(query))
                                   .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .limit(limit).offset(offset)))


def count(query: Query) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*_where(query)))
