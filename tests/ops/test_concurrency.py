"""A request overtaken by a concurrent one (idp/concurrency.py): the database refused
the second write of the same thing, or the row it held was removed meanwhile. The
person gets a page that says so (409) instead of a 500, nothing of the request is
kept, and the next request works. Defects — other constraint failures — stay 500s."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import delete, func, select, text

from idp.accounts.models import Account
from idp.extensions import db


@pytest.fixture
def racing_app(variant_app, make_account):
    make_account(email="erika@example.org")
    application = variant_app()

    # Stand-ins for the two losing halves of a double click, as a view writes.
    @application.post("/probe/doppelt")
    def duplicate():
        db.session.add(Account(email="schon@example.org", email_normalized="schon@example.org", status="pending"))
        db.session.flush()  # the first half: written, not yet committed
        db.session.add(Account(email="Erika@example.org", email_normalized="erika@example.org", status="pending"))
        db.session.commit()
        return "angelegt"

    @application.post("/probe/verschwunden")
    def vanished():
        account = db.session.scalar(select(Account).where(Account.email_normalized == "erika@example.org"))
        # Meanwhile the other request deleted it.
        db.session.execute(delete(Account).where(Account.id == account.id).execution_options(
            synchronize_session=False))
        account.locale = "en"
        db.session.commit()
        return "geändert"

    @application.post("/probe/defekt")
    def defect():
        db.session.add(Account(email=None, email_normalized="ohne@example.org", status="pending"))
        db.session.commit()
        return "angelegt"

    application.config["WTF_CSRF_ENABLED"] = False
    return application


def accounts(application) -> int:
    with application.app_context():
        return db.session.scalar(select(func.count()).select_from(Account))


@pytest.mark.parametrize("path", ["/probe/doppelt", "/probe/verschwunden"])
def test_the_overtaken_request_gets_a_page_that_says_so_and_keeps_nothing(racing_app, path):
    before = accounts(racing_app)
    client = racing_app.test_client()
    answer = client.post(path)
    assert answer.status_code == 409
    assert "Bereits erledigt oder geändert" in answer.text and "doppelten Klick" in answer.text
    english = client.post(path, headers={"Accept-Language": "en"})
    assert english.status_code == 409 and "double click" in english.text
    assert accounts(racing_app) == before  # rolled back, the first half too
    assert client.get("/anmelden").status_code == 200


def test_other_constraint_failures_stay_defects(racing_app):
    racing_app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = racing_app.test_client().post("/probe/defekt")
    assert answer.status_code == 500


@pytest.fixture
def sqlite_app(variant_app, tmp_path):
    """An IdP on its own SQLite file (the embedded default), whichever database the
    suite runs on: only SQLite lets one writer at a time."""
    from idp.migrate import upgrade

    path = tmp_path / "eingebettet.db"
    application = variant_app(database_url=f"sqlite:///{path}")
    upgrade(application)

    @application.post("/probe/schreiben")
    def write():
        # SQLite's busy timeout is 5 s; the wait's length is not what is tested here.
        db.session.execute(text("PRAGMA busy_timeout = 50"))
        db.session.add(Account(email="neu@example.org", email_normalized="neu@example.org", status="pending"))
        db.session.commit()
        return "angelegt"

    application.config["WTF_CSRF_ENABLED"] = False
    return application, path


def test_a_write_that_waited_out_sqlites_lock_gets_the_same_page(sqlite_app):
    application, path = sqlite_app
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another request's write, not yet committed
    try:
        answer = application.test_client().post("/probe/schreiben")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert answer.status_code == 409 and "Bereits erledigt oder geändert" in answer.text
    assert accounts(application) == 0
    assert application.test_client().post("/probe/schreiben").text == "angelegt"  # the next one works
