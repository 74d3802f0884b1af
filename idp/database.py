"""The database connection when the server goes away (a restart, a fail-over): how
to tell that from a defect, and how to let go of a session whose connection is gone.
And values that may be used once only, across worker processes."""
from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db

log = logging.getLogger(__name__)


def is_outage(error: DBAPIError) -> bool:
    """The connection was lost (SQLAlchemy recognised a disconnect and invalidated it)
    or none could be opened (no statement was sent). Every other database error, a
    constraint or a bad query, is a defect, not an outage."""
    return error.connection_invalidated or error.statement is None


def end_session() -> None:
    """Remove the current session, also when the server dropped its connection since
    the last statement: the rollback on closing fails then, and must neither turn an
    answer already made into a 500 nor stop the outbox worker. The transaction ended
    with the connection anyway."""
    try:
        db.session.remove()
    except DBAPIError as error:
        if not is_outage(error):
            raise
        db.session.registry().invalidate()
        db.session.registry.clear()
        log.warning("database connection lost before the session ended (%s)", type(error.orig).__name__)


def first_use(row: db.Model) -> bool:
    """Insert `row`, the record of a value that may be used once (a jti), and commit at
    once; False if its primary key was recorded before. The primary key decides across
    worker processes, and the commit keeps a request that fails later from making the
    value usable again."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def commit_unless_gone() -> bool:
    """Commit what an outbox worker noted on the row it claimed; False (rolled back)
    when the row was deleted meanwhile with what it belonged to (an account, a
    client). On SQLite nothing locks a claimed row; on PostgreSQL the deletion waits
    for this commit. A vanished row is gone, not failed: nothing is left to record
    or retry."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True
