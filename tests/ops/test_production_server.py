"""Several workers, one database (issue #14): the production server (gunicorn, two
worker processes) keeps nothing that matters in one process. A login, a one-time link
and a key rotation by the operator hold in whichever worker the next request lands."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from sqlalchemy import select

from idp.extensions import db
from idp.mail.outbox import OutboxMail

ENOUGH = 200  # requests on new connections until both workers answered; in practice a handful


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def submit(server, session, path: str, data: dict):
    page, _ = server.request(session, "GET", path)
    return server.request(session, "POST", path, data={**data, "csrf_token": csrf_of(page.text)})


def served_by_both(server, session, method: str, path: str, check, **kwargs) -> set[str]:
    """Repeat the request until both workers served it; every answer must pass `check`."""
    pids = set()
    for _ in range(ENOUGH):
        response, pid = server.request(session, method, path, **kwargs)
        check(response)
        pids.add(pid)
        if len(pids) == 2:
            break
    assert len(pids) == 2, "one worker served everything"
    return pids


def test_a_login_holds_in_every_worker(production_server, make_account):
    make_account()
    browser = requests.Session()
    answer, _ = submit(production_server, browser, "/anmelden",
                       {"email": "erika@example.org", "password": "ABab1234"})
    assert answer.status_code == 302 and urlparse(answer.headers["Location"]).path == "/mein-bereich"

    def logged_in(response):
        assert response.status_code == 200 and "Erika" in response.text

    served_by_both(production_server, browser, "GET", "/mein-bereich", logged_in)

    # Logging out in one worker ends the session in all of them.
    confirm, _ = production_server.request(browser, "GET", "/abmelden")
    production_server.request(browser, "POST", "/abmelden", data={"csrf_token": csrf_of(confirm.text)})

    def logged_out(response):
        assert response.status_code == 302 and "/anmelden" in response.headers["Location"]

    served_by_both(production_server, browser, "GET", "/mein-bereich", logged_out)


def test_a_one_time_link_is_used_once_across_workers(production_server, make_account, app):
    make_account()
    browser = requests.Session()
    answer, _ = submit(production_server, browser, "/passwort-vergessen", {"email": "erika@example.org"})
    assert answer.status_code == 200
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMail)).all()
        link = re.search(r"https?://\S+", mail.body).group(0)
    path = urlparse(link).path
    answer, _ = submit(production_server, browser, path, {"password": "Neu-und-gut7", "password_repeat": "Neu-und-gut7"})
    assert answer.status_code == 200 and "Passwort" in answer.text

    def refused(response):
        assert response.status_code == 400

    served_by_both(production_server, requests.Session(), "GET", path, refused)
    answer, _ = submit(production_server, requests.Session(), "/anmelden",
                       {"email": "erika@example.org", "password": "Neu-und-gut7"})
    assert answer.status_code == 302


def _kid(jwt: str) -> str:
    header = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def _id_token(server, browser, rp) -> dict:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(dict(response_type="code", client_id=rp.client_id, redirect_uri=rp.redirect_uri,
                           scope="openid", state="s", nonce="n", code_challenge=challenge,
                           code_challenge_method="S256"))
    answer, _ = server.request(browser, "GET", "/authorize?" + query)
    location = answer.headers["Location"]
    if "/zustimmung" in location:
        answer, _ = submit(server, browser, urlparse(location).path, {"decision": "zustimmen"})
        location = answer.headers["Location"]
    code = parse_qs(urlparse(location).query)["code"][0]
    exchange = dict(grant_type="authorization_code", code=code, redirect_uri=rp.redirect_uri, code_verifier=verifier)
    token, _ = server.request(requests.Session(), "POST", "/token", data=exchange, auth=(rp.client_id, rp.client_secret))
    assert token.status_code == 200, token.text
    # The code is spent in every worker.
    again, _ = server.request(requests.Session(), "POST", "/token", data=exchange, auth=(rp.client_id, rp.client_secret))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    return token.json()


def test_a_key_rotation_by_the_operator_reaches_every_worker_without_restart(production_server, make_account,
                                                                              make_client):
    make_account()
    rp = make_client()
    browser = requests.Session()
    submit(production_server, browser, "/anmelden", {"email": "erika@example.org", "password": "ABab1234"})
    before = _kid(_id_token(production_server, browser, rp)["id_token"])

    rotation = production_server.cli("keys", "rotate")
    assert rotation.returncode == 0, rotation.stderr
    rotated = {line.split()[2] for line in rotation.stdout.splitlines() if line.startswith("current")}
    assert before not in rotated

    # Each worker notices the new keys.json within a second; until then it publishes the old set.
    pids = set()
    for _ in range(10 * ENOUGH):
        answer, pid = production_server.request(requests.Session(), "GET", "/jwks")
        published = {key["kid"] for key in answer.json()["keys"]}
        if rotated <= published:
            assert before in published  # kept, so tokens signed just before still verify
            pids.add(pid)
        if len(pids) == 2:
            break
    assert len(pids) == 2, "a worker kept the old keys"
    for _ in range(4):
        assert _kid(_id_token(production_server, browser, rp)["id_token"]) in rotated
