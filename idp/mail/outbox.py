from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlparse

from sqlalchemy import Integer, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import database
from . import addresses
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, force_locale
from ..timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
LONGEST_WAIT = 3600  # seconds between two attempts at most
# Delivered mails hold personal data; they are kept only as long as the demo needs
# to show them, and purged after this.
KEEP_SENT = timedelta(days=7)


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(255))


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMail:
    """Add a mail to the outbox in the caller's transaction; delivery happens after
    commit (see `deliver_due`)."""
    mail = OutboxMail(recipient=recipient, subject=subject, body=body)
    db.session.add(mail)
    db.session.info["outbox_queued"] = True
    return mail


def queue_template_mail(recipient: str, subject: str, template: str, *, locale: str | None = None,
                        **context) -> OutboxMail:
    """Queue a mail whose body is the text template `template` (under templates/mail/).

    Subject (which may be marked with idp.i18n `_`) and body are in `locale`, by default
    the language of the `account` in the context (the one its holder reads the pages
    in), else German: never the language of whoever's request sends the mail."""
    from flask import render_template

    account = context.get("account")
    language = locale or getattr(account, "locale", None) or DEFAULT_LOCALE
    with force_locale(language):
        return queue_mail(recipient, str(subject), render_template(f"mail/{template}", **context))


def _connect(smtp_url: str, ca_file: Path | None) -> smtplib.SMTP:
    """A connection as SMTP_URL says: smtps:// (TLS from the start, port 465),
    smtp+starttls:// (STARTTLS, port 587) or smtp:// (plain, port 25). The server's
    certificate is checked against the system store or SMTP_CA_FILE."""
    url = urlparse(smtp_url)
    host = url.hostname or "127.0.0.1"
    if url.scheme == "smtp":
        return smtplib.SMTP(host, url.port or 25, timeout=5)
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if url.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, url.port or 465, timeout=5, context=context)
    else:
        smtp = smtplib.SMTP(host, url.port or 587, timeout=5)
        try:
            smtp.starttls(context=context)  # refused by smtplib if the server does not offer it
        except BaseException:
            smtp.close()
            raise
    return smtp


def _send(smtp_url: str, mail_from: str, mail: OutboxMail, ca_file: Path | None = None) -> None:
    url = urlparse(smtp_url)
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = addresses.for_smtp(mail.recipient)
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="servicekonto.invalid")
    msg.set_content(mail.body)
    with _connect(smtp_url, ca_file) as smtp:
        if url.username:
            # Percent-encoded in the URL, so that ':', '@' and '/' can be part of them.
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(msg)


def _refused_for_good(exc: Exception) -> bool:
    """The server answered and refused the mail permanently (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _claim_due(now: datetime) -> OutboxMail | None:
    # SKIP LOCKED lets several workers (a loop per process, a cron job) share the
    # outbox on PostgreSQL without sending a mail twice; SQLite ignores it.
    return db.session.scalar(
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now,
               OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def retry_delay(attempts: int, first_retry_seconds: int = 30) -> timedelta:
    """How long a mail waits after its `attempts`-th failed attempt: doubling from
    the first retry, at most an hour."""
    return timedelta(seconds=min(LONGEST_WAIT, first_retry_seconds * 2 ** (attempts - 1)))


def deliver_due(smtp_url: str | None, mail_from: str, limit: int = 50, ca_file: Path | None = None,
                first_retry_seconds: int = 30) -> int:
    """Send what is due, one mail per transaction. Without SMTP the mails stay in the
    outbox (development)."""
    if not smtp_url:
        return 0
    now = utcnow()
    sent = 0
    for _ in range(limit):
        mail = _claim_due(now)
        if mail is None:
            break
        mail_id = mail.id
        delivered = _attempt(smtp_url, mail_from, mail, ca_file, now, first_retry_seconds)
        if not database.commit_unless_gone():
            log.info("mail %s was deleted during its delivery", mail_id)
            continue
        sent += delivered
    return sent


def _attempt(smtp_url: str, mail_from: str, mail: OutboxMail, ca_file: Path | None, now: datetime,
             first_retry_seconds: int) -> bool:
    """Send `mail` once and note the outcome on it (uncommitted); True if it went out."""
    try:
        _send(smtp_url, mail_from, mail, ca_file)
    except (OSError, smtplib.SMTPException) as exc:
        mail.attempts += 1
        if not _refused_for_good(exc):
            # Server away or busy: nothing is wrong with the mail, so it is never given
            # up (the backoff stays at its maximum instead).
            mail.attempts = min(mail.attempts, MAX_ATTEMPTS - 1)
        # The error class only, never addresses, goes to the log.
        mail.next_attempt_at = now + retry_delay(mail.attempts, first_retry_seconds)
        mail.last_error = type(exc).__name__
        log.warning("mail %s not delivered (attempt %s): %s", mail.id, mail.attempts, type(exc).__name__)
        return False
    mail.sent_at = utcnow()
    return True


def waiting(now: datetime) -> tuple[int, float]:
    """How many mails wait for delivery, and the age in seconds of the oldest."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMail.created_at))
        .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return count, age


def purge_sent() -> int:
    cutoff = utcnow() - KEEP_SENT
    rows = db.session.scalars(
        select(OutboxMail).where(or_(OutboxMail.sent_at < cutoff, OutboxMail.created_at < cutoff - KEEP_SENT))
    ).all()
    for row in rows:
        db.session.delete(row)
    return len(rows)
