"""What a password login stores (issue #11 "Speed" folded it into two commits): the
attempt is counted and committed before the password is checked, and everything the
login then changes — the login session, its audit event, the known device and the
attempt given back — is stored together or, when the database fails, not at all, so
that the failed request still counts as an attempt."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from idp.audit.models import AuditEvent
from idp.authn.devices import KnownDevice
from idp.authn.sessions import LoginSession
from idp.extensions import db
from tests.support.login_backoff import admitted, browser, counted

ADDRESS = "198.51.100.90"


class StoringFailed(Exception):
    """The database refuses to store the login session (a full disk, a fail-over)."""


@pytest.fixture
def login_session_refused(app):
    """The database refuses the next login session's row, within the login's
    transaction: the attempt was given back in it already."""
    with app.app_context():
        engine = db.engine

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LOGIN_SESSION"):
            event.remove(engine, "before_cursor_execute", refuse)
            raise StoringFailed

    event.listen(engine, "before_cursor_execute", refuse)
    yield
    if event.contains(engine, "before_cursor_execute", refuse):
        event.remove(engine, "before_cursor_execute", refuse)


def stored(app) -> dict[str, int]:
    with app.app_context():
        return {"sessions": db.session.scalar(select(func.count()).select_from(LoginSession)),
                "devices": db.session.scalar(select(func.count()).select_from(KnownDevice)),
                "logins": db.session.scalar(select(func.count()).where(AuditEvent.event == "login.succeeded"))}


def test_a_login_the_database_fails_to_store_leaves_nothing_but_the_counted_attempt(app, make_account,
                                                                                     login_session_refused):
    make_account()
    agent = browser(app, ADDRESS)
    with pytest.raises(StoringFailed):
        agent.login()
    assert stored(app) == {"sessions": 0, "devices": 0, "logins": 0}
    # The attempt was committed before the check: a guesser gains nothing by making
    # the request fail after it.
    assert counted(app, address=ADDRESS) == (1, 1)

    assert admitted(browser(app, ADDRESS).login())
    assert stored(app) == {"sessions": 1, "devices": 1, "logins": 1}
    # The account starts afresh; the address keeps the failed request's attempt.
    assert counted(app, address=ADDRESS) == (0, 1)


def test_a_login_stores_its_session_audit_event_and_device_and_gives_the_attempt_back(app, make_account):
    make_account()
    for n in range(3):
        assert admitted(browser(app, ADDRESS).login())
        assert stored(app) == {"sessions": n + 1, "devices": n + 1, "logins": n + 1}
        assert counted(app, address=ADDRESS) == (0, 0)
