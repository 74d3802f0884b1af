"""Delivering a message of an online service into a Postfach (SPEC §4), the rule
behind `POST /api/postfach/v1/nachrichten`.

A message joins the Vorgang of the same service, owner and reference, or opens it; a
Vorgang in the Papierkorb comes back to the Eingang with it, so nothing new is ever
delivered into the trash. The owner learns of it by a mail that never carries the
content. A retry under the same Idempotency-Key creates nothing.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import _
from ..mail import queue_template_mail
from ..oidc.models import Client
from ..timeutil import utcnow
from .models import INCOMING, Attachment, Case, Message
from .recipients import Recipient, notified_accounts

MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg", "application/xml", "text/xml")
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024  # all attachments of one message together
NOTIFICATION_SUBJECT = _("Neue Nachricht in Ihrem Postfach")


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class NewMessage:
    reference: str
    title: str
    subject: str
    text: str
    reply_allowed: bool = False
    attachments: list[NewAttachment] = field(default_factory=list)

    def digest(self) -> str:
        """What identifies the request behind an Idempotency-Key."""
        h = hashlib.sha256(json.dumps([self.reference, self.title, self.subject, self.text, self.reply_allowed],
                                      ensure_ascii=False).encode())
        for a in self.attachments:
            h.update(f"\0{a.filename}\0{a.media_type}\0".encode())
            h.update(hashlib.sha256(a.content).digest())
        return h.hexdigest()


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before for a different request."""


@dataclass(frozen=True)
class Delivered:
    message: Message
    created: bool  # False: the answer to a retry, nothing new was delivered


def previous(client: Client, idempotency_key: str | None) -> Message | None:
    if not idempotency_key:
        return None
    return db.session.scalar(select(Message).where(Message.client_id == client.client_id,
                                                   Message.idempotency_key == idempotency_key))


def _replayed(client: Client, idempotency_key: str | None, digest: str) -> Delivered | None:
    earlier = previous(client, idempotency_key)
    if earlier is None:
        return None
    if earlier.request_digest != digest:
        raise IdempotencyConflict
    return Delivered(earlier, created=False)


def _case(client: Client, recipient: Recipient, new: NewMessage) -> Case:
    case = db.session.scalar(select(Case).where(Case.client_id == client.client_id, Case.owner == recipient.owner,
                                                Case.reference == new.reference))
    if case is None:
        case = Case(owner=recipient.owner, account_id=recipient.account.id if recipient.account else None,
                    organisation_id=recipient.organisation.id if recipient.organisation else None,
                    mailbox_id=recipient.mailbox.id if recipient.mailbox else None,
                    client_id=client.client_id, client_name=client.name, reference=new.reference,
                    title=new.title)
        db.session.add(case)
    case.trashed_at = None
    return case


def _add(client: Client, recipient: Recipient, new: NewMessage, idempotency_key: str | None,
         digest: str) -> Message:
    now = utcnow()
    case = _case(client, recipient, new)
    case.last_message_at = now
    message = Message(case=case, client_id=client.client_id, direction=INCOMING, subject=new.subject,
                      text=new.text, reply_allowed=new.reply_allowed, delivered_at=now,
                      idempotency_key=idempotency_key or None, request_digest=digest if idempotency_key else None,
                      attachments=[Attachment(filename=a.filename, media_type=a.media_type, size=len(a.content),
                                              content=a.content) for a in new.attachments])
    db.session.add(message)
    for account in notified_accounts(recipient):
        queue_template_mail(account.email, NOTIFICATION_SUBJECT, "postfach_new_message.txt", account=account,
                            service=client.name)
    return message


def deliver(client: Client, recipient: Recipient, new: NewMessage, idempotency_key: str | None = None) -> Delivered:
    """Deliver `new` (already checked by the caller against MEDIA_TYPES and
    MAX_ATTACHMENTS_BYTES) and commit; raises IdempotencyConflict."""
    digest = new.digest()
    for attempt in (1, 2):
        if replay := _replayed(client, idempotency_key, digest):
            return replay
        message = _add(client, recipient, new, idempotency_key, digest)
        try:
            db.session.commit()
        except IntegrityError:
            # Another request won a race: with the same Idempotency-Key (its result
            # is the answer, found on the second attempt), or with the first message
            # of the same Vorgang (the second attempt joins the case it opened).
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        return Delivered(message, created=True)
    raise AssertionError("unreachable")
