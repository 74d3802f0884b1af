"""Mail delivery when the SMTP server is away: the mail waits in the outbox, is
retried, and reaches the mailbox once the server is back. Nothing is lost.

Most tests drive `deliver_due` by hand with the background worker stopped, so that
each attempt is the test's own; tests/mail/test_worker.py covers the worker."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from idp import timeutil
from idp.extensions import db
from idp.mail import deliver_due, queue_mail
from idp.mail.outbox import OutboxMail
from idp.maintenance import purge_expired
from tests.support.registration import ACTIVATION_SUBJECT, activate, activation_path, register
from tests.conftest import Browserless
from tests.support.flows import location


@pytest.fixture
def smtp_down(smtp_server, mailbox):
    smtp_server.stop()
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


def outbox(app) -> list[OutboxMail]:
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        db.session.expunge_all()
        return mails


def deliver(app) -> int:
    settings = app.config["SERVICEKONTO"]
    with app.app_context():
        return deliver_due(settings.smtp_url, settings.mail_from)


def test_registration_while_smtp_is_down_delivers_the_link_later(app, user_agent, mailbox, smtp_down,
                                                                mail_worker_stopped):
    page = register(user_agent)
    # The citizen sees the normal confirmation, not an error.
    assert page.status_code == 200 and "Bitte bestätigen Sie Ihre E-Mail-Adresse" in page.text
    assert deliver(app) == 0
    [waiting] = outbox(app)
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.recipient == "erika@example.org"
    assert waiting.last_error  # the kind of failure, for the operator

    smtp_down.start()
    assert deliver(app) == 0  # not yet due: the retry waits a little
    assert mailbox.mails == []
    timeutil.travel(timedelta(minutes=1))
    assert deliver(app) == 1
    path = activation_path(mailbox)
    assert location(activate(user_agent, path)).endswith("/mein-bereich?hinweis=aktiviert")
    # Delivered once, not again.
    timeutil.travel(timedelta(hours=2))
    assert deliver(app) == 0
    assert len(mailbox.mails) == 1
    assert outbox(app)[0].sent_at is not None


def test_waiting_mail_goes_out_with_the_next_mail_the_app_sends(app, mailbox, smtp_down):
    register(Browserless(app), email="erste@example.org")
    smtp_down.start()
    timeutil.travel(timedelta(minutes=1))
    register(Browserless(app), email="zweite@example.org")
    mailbox.wait_for("zweite@example.org", ACTIVATION_SUBJECT)
    mailbox.wait_for("erste@example.org", ACTIVATION_SUBJECT)
    # The worker marks a mail sent after the SMTP server took it.
    deadline = time.monotonic() + 10
    while not all(m.sent_at is not None for m in outbox(app)):
        assert time.monotonic() < deadline, "delivered mails not marked as sent"
        time.sleep(0.05)


def test_retries_back_off_and_the_mail_is_kept(app, mailbox, smtp_down, mail_worker_stopped):
    with app.app_context():
        queue_mail("erika@example.org", "Neue Nachricht im Postfach", "Sie haben eine neue Nachricht.")
        db.session.commit()
    due_times = []
    for minutes in (0, 1, 3, 8, 20, 45, 100):
        timeutil.travel(timedelta(minutes=minutes))
        assert deliver(app) == 0
        [waiting] = outbox(app)
        due_times.append(waiting.next_attempt_at)
    attempts = outbox(app)[0].attempts
    assert 3 <= attempts <= 7  # retried, but not on every call
    assert due_times == sorted(due_times)
    # Housekeeping during the outage does not throw the mail away.
    timeutil.travel(timedelta(days=3))
    with app.app_context():
        purge_expired()
    assert len(outbox(app)) == 1
    smtp_down.start()
    assert deliver(app) == 1
    mail = mailbox.wait_for("erika@example.org", "Neue Nachricht im Postfach")
    assert mail.body.strip() == "Sie haben eine neue Nachricht."


def test_mail_survives_a_weekend_without_smtp(app, mailbox, smtp_down, mail_worker_stopped):
    """`servicekonto mail send --loop` keeps trying through a long outage; the mail
    goes out when the server is back, however many attempts failed before."""
    with app.app_context():
        queue_mail("erika@example.org", "Neue Nachricht im Postfach", "Sie haben eine neue Nachricht.")
        db.session.commit()
    for quarter in range(1, 4 * 60):  # every 15 minutes for 60 hours
        timeutil.travel(timedelta(minutes=15 * quarter))
        assert deliver(app) == 0
    smtp_down.start()
    timeutil.travel(timedelta(hours=61, minutes=5))
    assert deliver(app) == 1
    mailbox.wait_for("erika@example.org", "Neue Nachricht im Postfach")


class Refusing:
    """An SMTP server that knows some recipients and refuses the others for good."""

    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.tries: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.tries[address] = self.tries.get(address, 0) + 1
        if address.startswith("unbekannt@"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return await self.mailbox.handle_DATA(server, session, envelope)


def test_mail_refused_for_good_does_not_hold_up_the_others(app, mailbox, mail_worker_stopped):
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    handler = Refusing(mailbox)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            queue_mail("unbekannt@example.org", "Neue Nachricht im Postfach", "Text")
            queue_mail("erika@example.org", "Neue Nachricht im Postfach", "Text")
            db.session.commit()
            url, sender = f"smtp://127.0.0.1:{port}", app.config["SERVICEKONTO"].mail_from
            assert deliver_due(url, sender) == 1
            mailbox.wait_for("erika@example.org", "Neue Nachricht im Postfach")
            for hour in range(1, 40):
                timeutil.travel(timedelta(hours=hour))
                assert deliver_due(url, sender) == 0
        refused = next(m for m in outbox(app) if m.recipient == "unbekannt@example.org")
        assert refused.sent_at is None and refused.last_error == "SMTPRecipientsRefused"
        # Tried repeatedly, then left alone instead of hammering the server forever.
        assert 5 <= handler.tries["unbekannt@example.org"] < 39
    finally:
        controller.stop()


def test_the_operator_sets_the_first_retry_and_each_next_waits_twice_as_long(app, smtp_down, mail_worker_stopped,
                                                                            monkeypatch):
    """SERVICEKONTO_MAIL_RETRY_SECONDS (default 30): how soon a mail is tried again."""
    import dataclasses

    from idp.worker import OutboxWorker

    monkeypatch.setitem(app.config, "SERVICEKONTO", dataclasses.replace(app.config["SERVICEKONTO"],
                                                                        mail_retry_seconds=5))
    worker = OutboxWorker(app)
    with app.app_context():
        queue_mail("erika@example.org", "Neue Nachricht im Postfach", "Sie haben eine neue Nachricht.")
        db.session.commit()
    waits = []
    for _ in range(3):
        [waiting] = outbox(app)
        timeutil.travel(waiting.next_attempt_at - waiting.created_at)  # just when it is due
        before = timeutil.utcnow()
        assert worker.run_once() == 0
        [waiting] = outbox(app)
        waits.append(round((waiting.next_attempt_at - before).total_seconds()))
    assert waits == [5, 10, 20]
    smtp_down.start()
    timeutil.travel(outbox(app)[0].next_attempt_at - outbox(app)[0].created_at)
    assert worker.run_once() == 1
