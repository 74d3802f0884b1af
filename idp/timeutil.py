"""UTC time helpers; one clock so tests can move it."""
from datetime import datetime, timezone

_offset = None


def utcnow() -> datetime:
    """Naive UTC (stored as such in SQLite and PostgreSQL alike)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now + _offset if _offset is not None else now


def travel(delta) -> None:
    """Move the clock (tests only: expiry of links and sessions)."""
    global _offset
    _offset = delta if delta else None
