"""JSON logs (issue #14): one object per line with time, level, logger, message and
the request's id, which the answer echoes as X-Request-ID; never personal data or
secrets."""
from __future__ import annotations

import json
import logging
import re

import requests
from sqlalchemy import select

from idp.extensions import db
from idp.mail.outbox import OutboxMail
from tests.conftest import csrf_from
from tests.support.flows import obtain_code, exchange

FIELDS = {"time", "level", "logger", "message", "request_id"}
CLIENT_ADDRESS = "198.51.100.23"


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "idp.request"]


def test_every_answer_names_its_request_and_the_log_line_carries_the_name(user_agent, json_log):
    answer = user_agent.get("/anmelden")
    request_id = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = request_lines(json_log())
    assert FIELDS <= line.keys() and line["request_id"] == request_id and line["level"] == "INFO"
    assert line["route"] == "/anmelden" and line["status"] == 200 and line["method"] == "GET"
    assert user_agent.get("/anmelden").headers["X-Request-ID"] != request_id


def test_the_constant_documents_answered_before_flask_are_logged_by_route_too(user_agent, json_log):
    paths = ("/.well-known/openid-configuration", "/jwks")
    ids = [user_agent.get(path).headers["X-Request-ID"] for path in paths]
    assert [(line["route"], line["status"], line["request_id"]) for line in request_lines(json_log())] == [
        (path, 200, request_id) for path, request_id in zip(paths, ids)]


def test_a_request_id_is_taken_only_from_a_trusted_proxy(variant_app, user_agent):
    offered = {"X-Request-ID": "proxy-7f3a9c21"}
    assert user_agent.get("/healthz", headers=offered).headers["X-Request-ID"] != "proxy-7f3a9c21"

    behind_proxy = variant_app(trusted_proxies=1).test_client()
    assert behind_proxy.get("/healthz", headers=offered).headers["X-Request-ID"] == "proxy-7f3a9c21"
    for unusable in ("kurz", "zeile neu 12345678", "\"}{\"level\": 1", "x" * 200, "<script>12345678"):
        assert behind_proxy.get("/healthz", headers={"X-Request-ID": unusable}).headers["X-Request-ID"] != unusable


def test_no_personal_data_or_secrets_in_the_log(app, json_log, make_account, make_client, mail_worker_stopped):
    make_account()
    rp = make_client()
    environ = {"REMOTE_ADDR": CLIENT_ADDRESS}
    client = app.test_client()

    def submit(path, data):
        page = client.get(path, environ_base=environ)
        return client.post(path, environ_base=environ, data={**data, "csrf_token": csrf_from(page.text)})

    assert submit("/anmelden", {"email": "erika@example.org", "password": "Falsch-geraten1"}).status_code == 400
    assert submit("/anmelden", {"email": "erika@example.org", "password": "ABab1234"}).status_code == 302

    class Agent:  # what tests.support.flows expects of a user agent
        def __init__(self):
            self.client = client

        def get(self, url, **kw):
            return client.get(url, environ_base=environ, **kw)

        def submit(self, path, data):
            return submit(path, data)

    agent = Agent()
    grant = obtain_code(agent, rp, login_hint="erika@example.org", state="zustand-geheim-42")
    issued = exchange(agent, rp, grant).json
    submit("/passwort-vergessen", {"email": "erika@example.org"})
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMail)).all()
        reset_path = re.search(r"https?://[^/]+(/\S+)", mail.body).group(1)
    client.get(reset_path, environ_base=environ)

    lines = json_log()
    assert lines and all(FIELDS <= line.keys() for line in lines)
    text = "\n".join(json.dumps(line) for line in lines)
    secrets_and_data = ["erika@example.org", "erika%40example.org", "Falsch-geraten1", "ABab1234", CLIENT_ADDRESS,
                        grant.code, grant.verifier, "zustand-geheim-42", issued["access_token"],
                        issued["refresh_token"], issued["id_token"], rp.client_secret,
                        reset_path.rsplit("/", 1)[1]]
    assert [leak for leak in secrets_and_data if leak in text] == []
    assert {"/authorize", "/token", "/passwort-vergessen/neu/<secret>"} <= {line.get("route") for line in lines}


def test_an_exception_is_logged_by_its_kind_and_stack_not_its_message(json_log):
    address = "erika" + "@example.org"  # data, not source text (the stack shows source lines)
    try:
        raise ValueError(f"duplicate key (email)=({address})")
    except ValueError:
        logging.getLogger("idp.test").exception("could not save")
    # Only this test's line: background threads (the outbox worker) log too.
    [line] = [line for line in json_log() if line["logger"] == "idp.test"]
    assert line["message"] == "could not save" and line["level"] == "ERROR"
    assert line["exception"] == "ValueError" and "test_logging.py" in line["stack"]
    assert "erika@example.org" not in json.dumps(line)


def test_the_production_server_writes_json_lines(production_server):
    answer, _ = production_server.request(requests.Session(), "GET", "/healthz")
    request_id = answer.headers["X-Request-ID"]
    production_server.stop()  # flushes and ends the output
    lines = [json.loads(line) for line in production_server.server_log.read_text().splitlines()]
    assert all(FIELDS <= line.keys() for line in lines)
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own, in the same form
    [served] = [line for line in lines if line.get("request_id") == request_id]
    assert served["route"] == "/healthz" and served["status"] == 200


def test_the_mail_process_writes_json_lines_without_the_recipient(app, tmp_path, mail_worker_stopped):
    from idp.mail import queue_mail
    from tests.conftest import free_port
    from tests.ops.conftest import ProductionServer

    with app.app_context():
        queue_mail("erika@example.org", "Ihr Servicekonto", "Hallo")
        db.session.commit()
    operator = ProductionServer(app, tmp_path)  # its environment only; no server is started
    operator.env["SMTP_URL"] = f"smtp+starttls://konto:Geheim-99@127.0.0.1:{free_port()}"  # nobody listens
    out = operator.cli("mail", "send")
    assert out.returncode == 0 and out.stdout.strip() == "sent 0", out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines()]
    [warning] = [line for line in lines if line["level"] == "WARNING"]
    assert warning["logger"] == "idp.mail.outbox" and "not delivered" in warning["message"]
    assert all(FIELDS <= line.keys() for line in lines)
    assert "erika@example.org" not in out.stderr and "Geheim-99" not in out.stderr


def test_an_unhandled_error_names_the_route_not_the_path(variant_app, json_log):
    application = variant_app(testing=False)  # as in production: the error page, not the exception

    def broken(secret):
        raise RuntimeError(f"failed for {secret}")

    application.add_url_rule("/kaputt/<secret>", view_func=broken)
    answer = application.test_client().get("/kaputt/einmal-geheim-123?login_hint=erika%40example.org")
    assert answer.status_code == 500
    [error] = [line for line in json_log() if line["message"].startswith("unhandled exception")]
    assert error["message"] == "unhandled exception in GET /kaputt/<secret>" and error["exception"] == "RuntimeError"
    assert error["request_id"] == answer.headers["X-Request-ID"]
    text = json.dumps(json_log())
    assert "einmal-geheim-123" not in text and "erika" not in text
