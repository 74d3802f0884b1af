"""Retention (TR-03160-2): personal data of an event for seven days, the event itself
for the configured period."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, update

from ..extensions import db
from ..timeutil import utcnow
from .models import AuditEvent

PERSONAL_DATA_DAYS = 7


def purge(retention_days: int) -> tuple[int, int]:
    """Erase expired personal data, delete expired events: (erased, deleted)."""
    now = utcnow()
    erased = db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.at < now - timedelta(days=PERSONAL_DATA_DAYS),
               or_(AuditEvent.email.is_not(None), AuditEvent.address.is_not(None),
                   AuditEvent.user_agent.is_not(None)))
        .values(email=None, address=None, user_agent=None)).rowcount or 0
    deleted = db.session.execute(
        delete(AuditEvent).where(AuditEvent.at < now - timedelta(days=retention_days))).rowcount or 0
    return erased, deleted
