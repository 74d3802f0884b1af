from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    succeeded: Mapped[bool] = mapped_column(default=True)
    # Record numbers, not names: they stay meaningful (and harmless) after the
    # personal columns are erased, and they outlive nothing that was deleted.
    account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Who did it when it was not the account itself: "operator:<id>", "cli",
    # "clerk:<id>", "system" (ids are account ids, UUIDs).
    actor: Mapped[str | None] = mapped_column(String(64))
    # Non-personal facts: method, level, reason, what changed (names, not values).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(128))
    # Personal data: erased after seven days (`purge`).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(256))
