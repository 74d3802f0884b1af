"""The outbox and its worker: a mail that cannot be delivered now is kept, retried
after a back-off, and arrives once the SMTP server is back; the user who triggered
it never waits for or sees the outage."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from idp import timeutil
from idp.extensions import db
from idp.mail import OutboxMail
from tests.browser.support import assert_accessible, field

EMAIL = "erika@example.org"
SUBJECT = "Aktivieren Sie Ihr Servicekonto"


def outbox(app) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
        db.session.remove()
        return rows


def wait_until(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def register(page):
    page.goto("/registrierung")
    field(page, "Vorname").fill("Erika")
    field(page, "Nachname").fill("Mustermann")
    field(page, "E-Mail-Adresse").fill(EMAIL)
    field(page, "Passwort").fill("ABab1234")
    field(page, "Passwort wiederholen").fill("ABab1234")
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label(re.compile("^Ich willige in die Datenverarbeitung ein")).check()
    page.get_by_role("button", name="Servicekonto anlegen").click()


@pytest.mark.browser
def test_mail_queued_while_smtp_is_down_is_delivered_when_it_is_back(app, page, smtp_server, mailbox):
    smtp_server.stop()
    try:
        register(page)
        # The user sees the normal answer, no error.
        expect(page.get_by_role("heading", level=1)).to_have_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")
        expect(page.get_by_role("alert")).to_have_count(0)
        assert_accessible(page, "registration sent while SMTP is down")

        # The worker tried, failed, and keeps the mail for later.
        failed = wait_until(lambda: [m for m in outbox(app) if m.attempts >= 1], "a failed delivery attempt")
        assert [(m.recipient, m.subject) for m in failed] == [(EMAIL, SUBJECT)]
        mail = failed[0]
        assert mail.sent_at is None
        assert mail.last_error  # the kind of failure, for the operator
        assert mail.next_attempt_at > timeutil.utcnow()
        assert mailbox.mails == []
    finally:
        smtp_server.start()

    # Past the back-off the worker delivers it.
    backoff = max(m.next_attempt_at for m in outbox(app)) - timeutil.utcnow()
    timeutil.travel(backoff + timedelta(seconds=1))
    delivered = mailbox.wait_for(EMAIL, SUBJECT)
    assert len(mailbox.mails) == 1
    row = wait_until(lambda: [m for m in outbox(app) if m.sent_at is not None], "the mail marked as sent")[0]
    assert row.recipient == EMAIL

    # And the link in it works.
    page.goto(delivered.links()[0])
    page.get_by_role("button", name="Servicekonto aktivieren").click()
    expect(page.get_by_role("status")).to_have_text("Ihr Servicekonto ist aktiviert. Willkommen!")


def test_worker_delivers_queued_mail_in_order(app, mailbox):
    from idp.mail import queue_mail
    from idp.worker import notify

    with app.app_context():
        for n in range(3):
            queue_mail(f"empfaenger{n}@example.org", f"Nachricht {n}", f"Inhalt {n}")
        db.session.commit()
        notify(app)
    for n in range(3):
        mailbox.wait_for(f"empfaenger{n}@example.org", f"Nachricht {n}")
    assert [m.subject for m in mailbox.mails] == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]
    wait_until(lambda: all(m.sent_at is not None for m in outbox(app)), "all mails marked as sent")
