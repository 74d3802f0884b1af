"""Replay caches of both sides (assertion IDs relying, AuthnRequest IDs asserting):
the primary key decides, across worker processes."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from idp.extensions import db


def remember(row: db.Model) -> bool:
    """Record a used ID; False if it was recorded before (a replay). Committed at once."""
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
