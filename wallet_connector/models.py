"""Tables of the wallet connector: presentation requests in flight and the response
values already used (the database-backed `ReplayGuard`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from idp.timeutil import utcnow


class WalletTransaction(db.Model):
    """One trip to the wallet, from the page that shows the link and QR code until the
    browser that started it takes the result. Its id is in the request_uri and the
    response_uri; the browser holds the secret behind `browser_digest`."""

    __tablename__ = "wallet_transaction"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    # The `PendingRequest` (with the private response decryption key of this request);
    # a new one at each retry.
    request: Mapped[dict] = mapped_column(JSON)
    # How the wallet fetched the request: same_device (the link) or cross_device (QR).
    flow: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | answered | refused
    reason: Mapped[str | None] = mapped_column(String(32))  # why refused (a reason code, no data)
    # The verified PID claims, between the wallet's response and the browser's return.
    result: Mapped[dict | None] = mapped_column(JSON)
    response_code_digest: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    record_id: Mapped[str | None] = mapped_column(String(64))  # the waiting OIDC authorization request
    draft_id: Mapped[str | None] = mapped_column(String(64))  # the registration draft
    next_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WalletUsedValue(db.Model):
    """A response's state and nonce (digests), used once (OpenID4VP replay check): the
    primary key decides, across worker processes."""

    __tablename__ = "wallet_used_value"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
