"""GET /antworten: the owners' replies to this service's messages, in order, a page at
a time, from a point in time on; never another service's."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from idp.extensions import db
from idp.postfach.models import OUTGOING, Message
from idp.postfach.status import PAGE_SIZE
from tests.postfach.conftest import log_in_at, message

T0 = datetime(2026, 3, 1, 9, 0, 0)


def reply(app, sent: dict, client_id: str, at: datetime, text="Danke, ich habe eine Frage.") -> str:
    """A reply of the owner as the Postfach pages store it."""
    with app.app_context():
        answered = db.session.get(Message, sent["id"])
        row = Message(case_id=sent["vorgang_id"], client_id=client_id, direction=OUTGOING, subject="AW: Ihr Bescheid",
                      text=text, in_reply_to=answered.id, author_id=answered.case.account_id, delivered_at=at)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_replies_come_in_order_with_their_vorgang_and_reference(app, service, known_sub):
    sent = service.send(message({"sub": known_sub}, reference="AZ-7")).json
    later = reply(app, sent, service.client_id, T0 + timedelta(minutes=5), text="Zweite")
    earlier = reply(app, sent, service.client_id, T0, text="Erste")
    r = service.replies(seit="2026-03-01T08:00:00Z")
    assert r.status_code == 200 and r.json["weiter"] is None
    assert [a["id"] for a in r.json["antworten"]] == [earlier, later]
    first = r.json["antworten"][0]
    assert first == {"id": earlier, "vorgang_id": sent["vorgang_id"], "referenz": "AZ-7", "in_reply_to": sent["id"],
                     "betreff": "AW: Ihr Bescheid", "text": "Erste", "gesendet_am": "2026-03-01T09:00:00.000000Z"}


def test_seit_is_inclusive_and_takes_any_offset(app, service, known_sub):
    sent = service.send(message({"sub": known_sub})).json
    reply(app, sent, service.client_id, T0 - timedelta(seconds=1))
    at = reply(app, sent, service.client_id, T0)
    for seit in ("2026-03-01T09:00:00Z", "2026-03-01T11:00:00+02:00", "2026-03-01t09:00:00.000000000z"):
        assert [a["id"] for a in service.replies(seit=seit).json["antworten"]] == [at], seit
    assert service.replies(seit="2026-03-01T09:00:00.000001Z").json["antworten"] == []


def test_only_replies_to_this_service_and_not_its_own_messages(app, make_service, erika):
    a, b = make_service("Dienst A"), make_service("Dienst B")
    sent_a = a.send(message({"sub": log_in_at(app, a)["sub"]})).json
    sent_b = b.send(message({"sub": log_in_at(app, b)["sub"]})).json
    to_a = reply(app, sent_a, a.client_id, T0)
    reply(app, sent_b, b.client_id, T0)
    assert [x["id"] for x in a.replies(seit="2026-01-01T00:00:00Z").json["antworten"]] == [to_a]


def test_pages_continue_after_the_last_reply_without_loss_at_equal_times(app, service, known_sub):
    sent = service.send(message({"sub": known_sub})).json
    with app.app_context():
        rows = [Message(case_id=sent["vorgang_id"], client_id=service.client_id, direction=OUTGOING, subject="AW",
                        text=f"Antwort {i}", in_reply_to=sent["id"],
                        delivered_at=T0 + timedelta(seconds=min(i, PAGE_SIZE - 1))) for i in range(PAGE_SIZE + 2)]
        db.session.add_all(rows)
        db.session.commit()
    first = service.replies(seit="2026-03-01T09:00:00Z").json
    assert len(first["antworten"]) == PAGE_SIZE and first["weiter"]
    assert first["weiter"].startswith("/api/postfach/v1/antworten?")
    second = service.replies(first["weiter"]).json
    assert second["weiter"] is None
    texts = [a["text"] for a in first["antworten"] + second["antworten"]]
    assert sorted(texts) == sorted(f"Antwort {i}" for i in range(PAGE_SIZE + 2))
    assert len(set(texts)) == PAGE_SIZE + 2


@pytest.mark.parametrize("query, field", [
    ({}, "seit"), ({"seit": "gestern"}, "seit"), ({"seit": "2026-03-01"}, "seit"),
    ({"seit": "2026-03-01T09:00:00"}, "seit"), ({"seit": "2026-13-01T09:00:00Z"}, "seit"),
    ({"seit": "2026-03-01T09:00:00Z", "nach": "x" * 37}, "nach")])
def test_a_missing_or_malformed_query_is_400_naming_it(service, query, field):
    r = service.replies(**query)
    assert r.status_code == 400 and [e["feld"] for e in r.json["errors"]] == [field], r.json
