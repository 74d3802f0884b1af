"""An account deleted while the worker delivers one of its mails takes the mail along
(SPEC §3: nothing of the account stays behind). On PostgreSQL the worker's row lock
makes the deletion wait for the delivery; SQLite has no such lock, so the row can
vanish between the worker's claim and its commit. Either way the worker goes on with
the next mail instead of failing the round."""
import threading

from sqlalchemy import select

from idp.accounts.deletion import delete_account
from idp.extensions import db
from idp.mail import deliver_due, outbox, queue_mail
from idp.mail.outbox import OutboxMail


def test_a_mail_deleted_with_its_account_during_delivery_does_not_stop_the_others(
        app, mailbox, make_account, mail_worker_stopped, monkeypatch):
    account_id = make_account("erika@example.org")
    with app.app_context():
        queue_mail("erika@example.org", "Ihr Servicekonto", "Text")
        queue_mail("max@example.org", "Neue Nachricht im Postfach", "Text")
        db.session.commit()

    def delete_the_account():
        with app.app_context():  # a session and connection of its own, as a request has
            delete_account(account_id)

    deletion = threading.Thread(target=delete_the_account)
    send = outbox._send

    def send_while_the_account_is_deleted(smtp_url, mail_from, mail, ca_file=None):
        if mail.recipient == "erika@example.org":
            # Between the worker's claim and its commit.
            deletion.start()
            if db.engine.dialect.name == "sqlite":
                deletion.join()  # nothing holds the row: the deletion lands first
        send(smtp_url, mail_from, mail, ca_file)

    monkeypatch.setattr(outbox, "_send", send_while_the_account_is_deleted)
    settings = app.config["SERVICEKONTO"]
    with app.app_context():
        deliver_due(settings.smtp_url, settings.mail_from)
    deletion.join()  # on PostgreSQL it waited for the worker's commit

    mailbox.wait_for("max@example.org", "Neue Nachricht im Postfach")
    with app.app_context():
        left = db.session.scalars(select(OutboxMail)).all()
        assert [(mail.recipient, mail.sent_at is not None) for mail in left] == [("max@example.org", True)]
