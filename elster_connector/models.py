"""Tables of the ELSTER connector: logins in flight and the used assertion IDs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from idp.timeutil import utcnow


class ElsterLogin(db.Model):
    """A trip to ELSTER: its id travels as RelayState, the browser that started it
    holds the secret behind `browser_digest`."""

    __tablename__ = "elster_login"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))  # login | link | register
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    record_id: Mapped[str | None] = mapped_column(String(64))  # the waiting OIDC authorization request
    next_url: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(128))  # the AuthnRequest ID; None once answered
    result: Mapped[dict | None] = mapped_column(JSON)  # the certificate, between ACS and the browser's GET
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ElsterUsedAssertion(db.Model):
    """Assertion IDs seen (digest), until the assertion would be expired anyway."""

    __tablename__ = "elster_used_assertion"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
