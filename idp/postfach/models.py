"""Vorgänge (cases), their messages and attachments.

A case belongs to exactly one owner: a citizen's (or an organisation user's own)
account, or an organisation — then to one of its function mailboxes, or to the
organisation's general mailbox when `mailbox_id` is empty. The owner key
(`account:<id>` / `organisation:<id>`) makes "messages with the same reference form
one Vorgang" a unique constraint that PostgreSQL and SQLite enforce alike (a unique
constraint over nullable columns would not hold on PostgreSQL).

Client ids are kept without foreign keys: a citizen's messages outlive the service's
registration here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import new_id
from ..extensions import db
from ..timeutil import utcnow

INCOMING = "eingang"  # from the online service to the owner
OUTGOING = "gesendet"  # a reply of the owner to the online service


def owner_key(account_id: str | None = None, organisation_id: str | None = None) -> str:
    return f"account:{account_id}" if account_id else f"organisation:{organisation_id}"


class Case(db.Model):
    """A Vorgang: the messages one online service exchanges with one owner under one
    reference of the service's own."""

    __tablename__ = "postfach_case"
    __table_args__ = (UniqueConstraint("client_id", "owner", "reference", name="uq_postfach_case_reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    # An organisation's function mailbox; a deleted mailbox hands its cases back to the
    # organisation's general mailbox.
    mailbox_id: Mapped[str | None] = mapped_column(ForeignKey("organisation_mailbox.id", ondelete="SET NULL"),
                                                   index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # In the Papierkorb since; purged 30 days later unless restored.
    trashed_at: Mapped[datetime | None] = mapped_column(index=True)
    # Set by "Wiederherstellen": the case is never purged with the trash again.
    restored_at: Mapped[datetime | None]

    messages: Mapped[list["Message"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True, order_by="Message.delivered_at")


class Message(db.Model):
    __tablename__ = "postfach_message"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_postfach_message_idempotency"),
        Index("ix_postfach_message_client_direction", "client_id", "direction", "delivered_at"),
        # The unread counts on every page: only unread (and the owners' own) messages are
        # in it, so counting a Postfach of thousands touches a handful of entries.
        Index("ix_postfach_message_unread", "case_id", "direction", sqlite_where=text("read_at IS NULL"),
              postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("postfach_case.id", ondelete="CASCADE"), index=True)
    # The online service that sent it (INCOMING) or to which it was sent (OUTGOING).
    client_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    reply_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # For a reply: the message it answers and who wrote it.
    in_reply_to: Mapped[str | None] = mapped_column(String(36))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # INCOMING: first opened by the owner (or anyone entitled to the mailbox).
    read_at: Mapped[datetime | None]
    # The API's Idempotency-Key and a digest of the request it came with, so that a
    # retry creates nothing and a different request under the same key is refused.
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_digest: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="messages")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True, order_by="Attachment.id")

    @property
    def unread(self) -> bool:
        return self.direction == INCOMING and self.read_at is None


class Attachment(db.Model):
    __tablename__ = "postfach_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("postfach_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[Message] = relationship(back_populates="attachments")
