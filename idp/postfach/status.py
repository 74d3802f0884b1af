"""What an online service may learn back through the message API: the state of its
own messages and the owners' replies to them — nothing of another service's.

Replies are read in pages ordered by (time, id); the next page starts after the last
reply of this one, so replies sent in the same microsecond are neither lost nor
repeated between pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import INCOMING, OUTGOING, Message

PAGE_SIZE = 100  # replies per page of GET /antworten

# RFC 3339 §5.6 date-time (Python's fromisoformat alone accepts more than that).
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def parse_time(value: str | None) -> datetime:
    """An RFC 3339 date-time as naive UTC (the database's time); ValueError otherwise."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("not an RFC 3339 date-time")
    head, dot, rest = value.partition(".")
    if dot:  # Python takes at most microseconds
        digits = re.match(r"\d+", rest).group()
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def rfc3339(moment: datetime | None) -> str | None:
    """Naive UTC as RFC 3339 with microseconds, exact enough to continue from."""
    return moment.isoformat(timespec="microseconds") + "Z" if moment is not None else None


def own_message(client_id: str, message_id: str) -> Message | None:
    """A message the service sent; None for anyone else's (the API answers 404 alike)."""
    message = db.session.get(Message, message_id) if isinstance(message_id, str) else None
    if message is None or message.client_id != client_id or message.direction != INCOMING:
        return None
    return message


@dataclass(frozen=True)
class Replies:
    replies: list[Message]
    more: bool  # a further page follows after the last reply

    @property
    def last(self) -> Message | None:
        return self.replies[-1] if self.replies else None


def replies(client_id: str, since: datetime, after_id: str | None = None, limit: int = PAGE_SIZE) -> Replies:
    """The replies sent to the service from `since` on (inclusive), or after the reply
    `after_id` sent at `since` when continuing a page."""
    if after_id:
        start = or_(Message.delivered_at > since, and_(Message.delivered_at == since, Message.id > after_id))
    else:
        start = Message.delivered_at >= since
    rows = list(db.session.scalars(
        select(Message).options(joinedload(Message.case))
        .where(Message.client_id == client_id, Message.direction == OUTGOING, start)
        .order_by(Message.delivered_at, Message.id).limit(limit + 1)))
    return Replies(rows[:limit], more=len(rows) > limit)
