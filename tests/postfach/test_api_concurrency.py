"""Requests that race each other over real HTTP (the threaded live server; on
PostgreSQL truly in parallel): the first messages of one Vorgang, sent at once, join
one Vorgang; retries under one Idempotency-Key, sent at once, deliver one message."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from idp.extensions import db
from idp.postfach.models import Case, Message
from tests.postfach.conftest import BASE, message


def post_all(live_server, service, bodies, key=None) -> list[requests.Response]:
    headers = service.headers("POST", BASE + "/nachrichten")
    if key:
        headers["Idempotency-Key"] = key

    def post(body):
        return requests.post(live_server + BASE + "/nachrichten", json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case)), \
            db.session.scalar(select(func.count()).select_from(Message))


def test_first_messages_of_one_vorgang_at_once_join_one_vorgang(app, live_server, service, known_sub):
    bodies = [message({"sub": known_sub}, reference="AZ-7", betreff=f"Nachricht {n}") for n in range(8)]
    answers = post_all(live_server, service, bodies)
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["vorgang_id"] for a in answers}) == 1
    assert counts(app) == (1, 8)


def test_retries_under_one_key_at_once_deliver_one_message(app, live_server, service, known_sub):
    body = message({"sub": known_sub}, reference="AZ-8")
    answers = post_all(live_server, service, [body] * 6, key="einmal-8")
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert counts(app) == (1, 1)
