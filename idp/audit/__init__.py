"""The audit log of security events (issue #14, TR-03160-2).

Domain modules call `record(...)` in their own transaction, so that an event is
stored exactly when the change it reports is. Who and from where comes from
`source`, which the web layer sets per request (`web.py`): the domain never
reads `flask.request`.

What identifies a person (e-mail address, client address, user agent) is kept in
their own columns and erased after seven days; the rest of an event is kept for
`SERVICEKONTO_AUDIT_RETENTION_DAYS`. Both are enforced by `servicekonto purge`.
"""
from .events import EVENTS, label
from .models import AuditEvent
from .record import Source, act_as, record, source, using_source

__all__ = ["EVENTS", "AuditEvent", "Source", "act_as", "label", "record", "source", "using_source"]
