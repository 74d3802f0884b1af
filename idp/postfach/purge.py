"""Emptying the Papierkorb for `servicekonto purge` (seed 000: a Vorgang in the
Papierkorb is deleted after 30 days; one that was restored once never is)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from ..extensions import db
from ..timeutil import utcnow
from .models import Case

TRASH_KEPT = timedelta(days=30)


def purge_trash() -> int:
    """Delete the Vorgänge (with their messages and attachments, by the database's
    cascade) that lie in the Papierkorb for more than 30 days; the caller commits."""
    return db.session.execute(delete(Case).where(Case.trashed_at < utcnow() - TRASH_KEPT,
                                                 Case.restored_at.is_(None))).rowcount
