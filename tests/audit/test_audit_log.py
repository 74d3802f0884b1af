"""The audit log: login events with where they came from, personal data erased after
seven days, events after the retention period, and `servicekonto audit` reads it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from idp import audit, timeutil
from idp.audit.models import AuditEvent
from idp.audit.search import Query, search
from idp.extensions import db
from idp.maintenance import purge_expired
from tests.support.cli import run_cli


def _events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_logins_and_failures_are_recorded_with_their_source(app, user_agent, make_account):
    account_id = make_account()
    user_agent.client.environ_base.update(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Testbrowser/1.0")
    user_agent.login(password="falsch-1234")
    user_agent.login()

    failed, succeeded = _events(app)
    assert (failed.event, failed.succeeded, failed.email, failed.details) == (
        "login.failed", False, "erika@example.org", {"method": "password", "reason": "credentials"})
    assert (failed.address, failed.user_agent) == ("198.51.100.7", "Testbrowser/1.0")
    assert failed.request_id and failed.request_id != succeeded.request_id
    assert (succeeded.event, succeeded.account_id, succeeded.details) == (
        "login.succeeded", account_id, {"method": "password", "level": "niedrig"})
    # Both are found by the account's address, the failure although it names no account.
    with app.app_context():
        assert [e.event for e in search(Query(email="Erika@Example.org"))] == ["login.succeeded", "login.failed"]


def test_unknown_events_are_refused(app_ctx):
    try:
        audit.record("login.maybe")
    except ValueError as exc:
        assert "login.maybe" in str(exc)
    else:
        raise AssertionError("an unknown event was recorded")


def test_purge_erases_personal_data_after_seven_days_and_events_after_the_retention(app, make_account):
    account_id = make_account()
    with app.app_context(), audit.using_source(audit.Source(address="203.0.113.9", user_agent="UA")):
        audit.record("login.failed", succeeded=False, email="erika@example.org", method="password")
        audit.record("login.succeeded", account_id=account_id, method="password", level="niedrig")
        db.session.commit()

    with app.app_context():
        timeutil.travel(timedelta(days=6, hours=23))
        assert purge_expired()["audit events erased of personal data"] == 0
        timeutil.travel(timedelta(days=7, minutes=1))
        assert purge_expired()["audit events erased of personal data"] == 2
    kept = _events(app)
    assert [(e.email, e.address, e.user_agent) for e in kept] == [(None, None, None)] * 2
    assert [(e.event, e.account_id, e.details.get("method")) for e in kept] == [
        ("login.failed", None, "password"), ("login.succeeded", account_id, "password")]

    retention = app.config["SERVICEKONTO"].audit_retention_days
    with app.app_context():
        timeutil.travel(timedelta(days=retention, minutes=1))
        assert purge_expired()["audit events"] == 2
    assert _events(app) == []


def test_servicekonto_audit_lists_an_accounts_events_newest_first(app, tmp_path, user_agent, make_account):
    make_account()
    make_account(email="max@example.org")
    user_agent.login(password="falsch-1234")
    user_agent.login()
    user_agent.login(email="max@example.org", password="falsch-1234")

    out = run_cli(app, tmp_path, "audit", "--account", "erika@example.org")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stdout
    assert "login.succeeded (Anmeldung erfolgreich)" in lines[0] and "level=niedrig" in lines[0]
    assert "login.failed (Anmeldung fehlgeschlagen) [abgelehnt]" in lines[1] and "reason=credentials" in lines[1]

    only_failures = run_cli(app, tmp_path, "audit", "--event", "login.failed").stdout.splitlines()
    assert len(only_failures) == 2 and all("max@example.org" in l or "erika@example.org" in l for l in only_failures)
    assert run_cli(app, tmp_path, "audit", "--since", "2999-01-01").stdout == ""
