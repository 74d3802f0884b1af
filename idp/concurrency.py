"""Two requests that change the same thing at once — mostly a double click on a form's
last button: both read "free", both write, and the database keeps the first (a unique
key), the first removed the row the second still holds, or — on SQLite, which lets
one writer at a time — the second waited out the busy timeout. The second then gets a page
that says so instead of a 500, and nothing of it is kept: its transaction is rolled
back, and what the person entered before (a registration's draft) stays as it was.

The OpenID and Postfach endpoints decide their own races (codes, `jti`s, consents,
Vorgänge) and are not answered here; an error they leave is a defect and stays a 500.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from . import outage
from .extensions import db

log = logging.getLogger(__name__)
# SQLite's and PostgreSQL's names for "this key exists already".
_DUPLICATE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "23505"}


def is_duplicate(error: IntegrityError) -> bool:
    orig = error.orig
    return (getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)) in _DUPLICATE


def is_busy(error: OperationalError) -> bool:
    """SQLite's "database is locked": another connection kept the write lock longer
    than the busy timeout."""
    return getattr(error.orig, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")


def _is_page() -> bool:
    from .postfach import api as postfach_api

    return request.blueprint != "oidc" and not postfach_api.serves(request.path)


def init_app(app: Flask) -> None:
    def overtaken(error: Exception):
        db.session.rollback()
        # The class only: a database error's message repeats the values it refused.
        log.warning("request overtaken by a concurrent one (%s) at %s", type(error).__name__,
                    request.url_rule.rule if request.url_rule else "(unmatched)")
        return render_template("errors/409.html"), 409

    @app.errorhandler(IntegrityError)
    def duplicate(error: IntegrityError):
        if not (is_duplicate(error) and _is_page()):
            raise error
        return overtaken(error)

    @app.errorhandler(StaleDataError)
    def vanished(error: StaleDataError):
        if not _is_page():
            raise error
        return overtaken(error)

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError):
        if not (is_busy(error) and _is_page()):
            # Flask picks this handler over the outage's (a narrower class): an
            # unreachable database is still answered 503 there.
            return outage.database_unavailable(error)
        return overtaken(error)
