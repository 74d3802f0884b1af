"""Back-channel logout through the outbox (OIDC Back-Channel Logout 1.0): the
user's logout never waits for an online service, and a service that is down at that
moment gets its logout token once it is back."""
from __future__ import annotations

import http.server
import threading
from datetime import timedelta
from urllib.parse import parse_qs

import jwt
import pytest
from sqlalchemy import select

from idp import timeutil
from idp.authn import backchannel
from idp.extensions import db
from idp.maintenance import purge_expired
from tests.conftest import free_port
from tests.support.flows import tokens


class Service:
    """An online service's back-channel logout endpoint that answers 503 while `down`."""

    def __init__(self):
        self.down = True
        self.received: list[str] = []
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if not service.down:
                    service.received.append(parse_qs(body)["logout_token"][0])
                self.send_response(503 if service.down else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_port}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service():
    s = Service()
    yield s
    s.stop()


@pytest.fixture
def clock():
    yield timeutil.travel
    timeutil.travel(None)


def notices(app) -> list[backchannel.LogoutNotice]:
    with app.app_context():
        rows = list(db.session.scalars(select(backchannel.LogoutNotice)))
        db.session.expunge_all()
        return rows


def deliver(app) -> int:
    with app.app_context():
        return backchannel.deliver_due()


def test_a_service_down_at_logout_gets_the_token_when_it_is_back(app, user_agent, make_account, make_client,
                                                                  service, clock, mail_worker_stopped):
    make_account()
    client = make_client(backchannel_logout_uri=service.uri)
    user_agent.login()
    issued = tokens(user_agent, client)
    id_claims = jwt.decode(issued["id_token"], options={"verify_signature": False})

    r = user_agent.submit("/abmelden", {})
    assert r.status_code == 200 and "Sie sind abgemeldet" in r.text
    # Logged out here at once; the notice waits in the outbox.
    assert [n.client_id for n in notices(app)] == [client.client_id]

    assert deliver(app) == 0
    [waiting] = notices(app)
    assert waiting.attempts == 1 and waiting.last_error == "HTTP 503"
    service.down = False
    assert deliver(app) == 0, "retried before its back-off"
    clock(timedelta(seconds=31))
    assert deliver(app) == 1
    assert notices(app) == []

    [token] = service.received
    public = {k["kid"]: k for k in app.extensions["servicekonto.keys"].jwks()["keys"]}
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, jwt.PyJWK(public[header["kid"]]).key, algorithms=["ES256"],
                        audience=client.client_id, issuer=app.config["SERVICEKONTO"].issuer)
    assert header["typ"] == "logout+jwt"
    assert claims["sub"] == id_claims["sub"] and claims["sid"] == id_claims["sid"]


def test_a_service_that_never_answers_is_given_up_and_purged(app, user_agent, make_account, make_client,
                                                             service, clock, mail_worker_stopped):
    make_account()
    client = make_client(backchannel_logout_uri=service.uri)
    user_agent.login()
    tokens(user_agent, client)
    user_agent.submit("/abmelden", {})
    for _ in range(backchannel.MAX_ATTEMPTS):
        clock(timedelta(hours=1) + (timeutil._offset or timedelta()))
        deliver(app)
    [given_up] = notices(app)
    assert given_up.attempts == backchannel.MAX_ATTEMPTS
    service.down = False
    clock(timedelta(days=30))
    assert deliver(app) == 0 and service.received == []
    with app.app_context():
        assert purge_expired()["back-channel logout notices given up"] == 1
    assert notices(app) == []


def test_a_notice_for_a_service_that_dropped_its_logout_uri_is_discarded(app, user_agent, make_account, make_client,
                                                                        service, mail_worker_stopped):
    from idp.oidc.models import Client

    make_account()
    client = make_client(backchannel_logout_uri=service.uri)
    user_agent.login()
    tokens(user_agent, client)
    user_agent.submit("/abmelden", {})
    with app.app_context():
        db.session.get(Client, client.client_id).backchannel_logout_uri = None
        db.session.commit()
    service.down = False
    assert deliver(app) == 0
    assert notices(app) == [] and service.received == []


def test_a_notice_whose_client_is_removed_during_a_failed_delivery_does_not_stop_the_others(
        app, user_agent, make_account, make_client, service, mail_worker_stopped, monkeypatch):
    """The notice goes with its client (ON DELETE CASCADE). On PostgreSQL the removal
    waits for the worker's row lock; SQLite has none, so the row can vanish between
    the worker's claim and its commit, and noting the failed attempt finds nothing
    to update. The worker goes on with the next notice."""
    from idp.clients import remove_client

    make_account()
    leaving, staying = (make_client(backchannel_logout_uri=service.uri) for _ in range(2))
    user_agent.login()
    tokens(user_agent, leaving)
    tokens(user_agent, staying)
    user_agent.submit("/abmelden", {})  # the service is down: both attempts fail

    def remove_the_client():
        with app.app_context():  # a session and connection of its own, as the CLI has
            remove_client(leaving.client_id)

    removal = threading.Thread(target=remove_the_client)
    post = backchannel._post

    def post_while_the_client_is_removed(client, notice):
        if client.client_id == leaving.client_id:
            removal.start()
            if db.engine.dialect.name == "sqlite":
                removal.join()  # nothing holds the row: the removal lands first
        return post(client, notice)

    monkeypatch.setattr(backchannel, "_post", post_while_the_client_is_removed)
    assert deliver(app) == 0
    removal.join()
    assert [(n.client_id, n.attempts) for n in notices(app)] == [(staying.client_id, 1)]
