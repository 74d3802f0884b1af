"""Account tables. Attributes live apart from the account so each has its own level
and source (BSI TR-03160-1)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..loa import Level
from ..timeutil import utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Account(db.Model):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active
    kind: Mapped[str] = mapped_column(String(16), default="citizen")
    # Staff duties on top of the citizen account, e.g. "meldebehoerde".
    role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    # The language of its mails ("de", "en"), as chosen on the pages; None: German.
    locale: Mapped[str | None] = mapped_column(String(8))

    attributes: Mapped[list["AccountAttribute"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def attribute(self, name: str) -> "AccountAttribute | None":
        return next((a for a in self.attributes if a.name == name), None)

    def value(self, name: str, default: str = "") -> str:
        attr = self.attribute(name)
        return attr.value if attr else default

    def set_attribute(self, name: str, value: str | None, level: Level, source: str) -> None:
        attr = self.attribute(name)
        if not value:
            if attr is not None:
                self.attributes.remove(attr)
            return
        if attr is None:
            self.attributes.append(
                AccountAttribute(name=name, value=value, level=int(level), source=source)
            )
        else:
            attr.value, attr.level, attr.source, attr.updated_at = value, int(level), source, utcnow()

    @property
    def identity_level(self) -> Level:
        """How well the person behind the account is known: the weaker of the name
        attributes' levels. Self-entered names make a Servicekonto (niedrig)."""
        levels = [a.level for a in self.attributes if a.name in ("given_name", "family_name")]
        return Level(min(levels)) if levels else Level.NIEDRIG

    @property
    def display_name(self) -> str:
        return " ".join(v for v in (self.value("given_name"), self.value("family_name")) if v)


class AccountAttribute(db.Model):
    __tablename__ = "account_attribute"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="attributes")


class EmailLink(db.Model):
    """A single-use link sent by mail; only the hash of its secret is stored."""

    __tablename__ = "email_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    payload: Mapped[dict | None] = mapped_column(JSON)


class RegistrationDraft(db.Model):
    """Entries of a registration between the form and "Servicekonto anlegen".

    Kept on the server so the password hash never travels in a cookie and a failed
    step loses nothing.
    """

    __tablename__ = "registration_draft"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpgradeRequest(db.Model):
    """A request to become Servicekonto Plus by showing an ID document at a
    registration office (Meldebehörde). `id` is the case number the citizen names
    at the counter; `data` is what the clerk compares with the document."""

    __tablename__ = "upgrade_request"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | confirmed | refused | withdrawn
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class EidLink(db.Model):
    """The card pseudonym (TR-03130 RestrictedID) that lets an account log in with the
    Online-Ausweisfunktion. Only a keyed digest is kept: enough to recognise the card,
    useless anywhere else. One pseudonym per account and one account per pseudonym."""

    __tablename__ = "eid_link"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    pseudonym_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WalletLink(db.Model):
    """The PID of an EU Digital Identity Wallet that lets an account log in with the
    wallet (issue #16): only the stable identifier, a keyed digest of the person's
    lasting PID data, never the data themselves. One PID per account and one account
    per PID."""

    __tablename__ = "wallet_link"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    identifier_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
