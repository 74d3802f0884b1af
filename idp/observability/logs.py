"""JSON logs, one object per line: time, level, logger, message and the request id,
so that the lines of one request can be found in every process's output.

What goes in must never be personal data or a secret: the app logs record numbers
and error classes, the request line names the route (`/passwort-vergessen/neu/<secret>`),
never the path, query string, address or body, and an exception is logged by its
class and stack without its message (a database error repeats the values it refused).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import traceback
from datetime import datetime, timezone

from flask import g, has_request_context

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like: enough for UUIDs and nginx's $request_id, nothing
# that could break a log line or smuggle data.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
# Fields of the request line, added to the JSON object as they are.
REQUEST_FIELDS = ("method", "route", "status", "duration_ms")


def new_request_id(offered: str | None, trusted: bool) -> str:
    """The id of a request: the trusted proxy's, if it sent a usable one, else new."""
    if trusted and offered and _REQUEST_ID.fullmatch(offered):
        return offered
    return secrets.token_hex(16)


def current_request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["exception"] = kind.__name__
            entry["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(entry, ensure_ascii=False)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": RequestIdFilter}},
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                            "formatter": "json", "filters": ["request_id"]}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    # gunicorn's messages through the same handler; its access log stays off (it would
    # write addresses and query strings), unless asked for on the command line.
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True}},
}


def configure() -> None:
    """JSON lines on stderr for a process that is not gunicorn (the mail loop)."""
    import logging.config

    logging.config.dictConfig(LOGGING)
