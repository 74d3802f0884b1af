from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

from ..accounts.policy import normalize_email
from ..extensions import db
from .events import EVENTS
from .models import AuditEvent


@dataclass(frozen=True)
class Source:
    """Where the current action comes from: the client of a web request, or a command."""

    address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    actor: str | None = None


_source: contextvars.ContextVar[Source] = contextvars.ContextVar("audit_source", default=Source(actor="system"))


def source() -> Source:
    return _source.get()


@contextlib.contextmanager
def using_source(new: Source):
    token = _source.set(new)
    try:
        yield new
    finally:
        _source.reset(token)


def set_source(new: Source) -> contextvars.Token:
    return _source.set(new)


def act_as(actor: str) -> None:
    """Name who acts for the rest of this request or command (e.g. "operator:12"):
    services the operator console calls then record their events as the operator's."""
    current = _source.get()
    _source.set(Source(address=current.address, user_agent=current.user_agent, request_id=current.request_id,
                       actor=actor))


def reset_source(token: contextvars.Token) -> None:
    _source.reset(token)


def record(event: str, *, succeeded: bool = True, account_id: str | None = None,
           organisation_id: str | None = None, client_id: str | None = None, email: str | None = None,
           actor: str | None = None, **details) -> AuditEvent:
    """Add an event to the caller's transaction (the caller commits).

    `details` must hold no personal data: names of methods, levels, fields, reasons.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    where = _source.get()
    entry = AuditEvent(event=event, succeeded=succeeded, account_id=account_id, organisation_id=organisation_id,
                       client_id=client_id, actor=actor or where.actor, details=details,
                       request_id=where.request_id, email=normalize_email(email) if email else None,
                       address=where.address, user_agent=(where.user_agent or None) and where.user_agent[:256])
    db.session.add(entry)
    return entry
