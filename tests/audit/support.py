"""Reading the audit log in tests, and the card reading of the eID-Client simulator
driven over HTTP (no browser)."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.extensions import db


def events(app, *kinds: str) -> list[AuditEvent]:
    """The events (of the given kinds: "account." for all of a group, or "logout") in
    the order they were recorded."""
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
    return [e for e in found if not kinds or any(e.event.startswith(k) if k.endswith(".") else e.event == k
                                                  for k in kinds)]


def summary(found: list[AuditEvent]) -> list[tuple]:
    """(event, succeeded, details) of each, for comparing a whole sequence at once."""
    return [(e.event, e.succeeded, e.details) for e in found]


def assert_no_personal_data(found: list[AuditEvent], *values: str) -> None:
    """No address and none of `values` (names, addresses) in any event's details."""
    for entry in found:
        text = json.dumps(entry.details, ensure_ascii=False).casefold()
        assert "@" not in text, (entry.event, entry.details)
        for value in values:
            assert value.casefold() not in text, (entry.event, entry.details, value)


def read_card(user_agent, start, *, card: str = "erika", **fields):
    """Start a card reading from `start` (the response that sends the browser to the
    eID-Client), complete it at the eID-Client simulator as its user would, and come
    back with the browser: returns the IdP's answer to the return."""
    client_url = start.headers["Location"]
    form = requests.get(client_url, timeout=10)
    handle = re.search(r'name="vorgang" value="([^"]+)"', form.text)
    assert form.status_code == 200 and handle, form.text[:1000]
    data = {"vorgang": handle.group(1), "aktion": "uebermitteln", "card": card, "pin": "123456",
            "pseudonym": "ja", **fields}
    done = requests.post(client_url.split("?", 1)[0], data=data, allow_redirects=False, timeout=10)
    assert done.status_code == 303, done.text[:1000]
    back = urlsplit(done.headers["Location"])
    return user_agent.get(f"{back.path}?{back.query}")
