from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class Operator(db.Model):
    """An account that may use the operator console. A table of its own rather than a
    value of `Account.role`: an operator may also be a Meldebehörde clerk."""

    __tablename__ = "operator"

    account_id: Mapped[str] = mapped_column(String(36), ForeignKey("account.id", ondelete="CASCADE"),
                                            primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
