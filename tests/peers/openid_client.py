"""The harness of the openid-client peer tests: panva's openid-client (Node) driven as
an online service, a browser over real HTTP that logs in and consents, and the checks
the tests share."""
from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from tests.conftest import csrf_from


REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("openid_client_rp.mjs")
NODE_MAX_SECONDS = 120  # the Node process ends itself after this, whatever happens
CALL_TIMEOUT = 20
HTTP_TIMEOUT = 10

PASSWORD = "ABab1234"
CALLBACK = "http://127.0.0.1:9/callback"  # never contacted: the browser stops at it
AFTER_LOGOUT = "http://127.0.0.1:9/abgemeldet"


# -- the Node relying party ----------------------------------------------------------------
class PeerError(AssertionError):
    def __init__(self, command: str, error: dict):
        super().__init__(f"openid-client failed on {command}: {json.dumps(error, ensure_ascii=False)}")
        self.error = error


class OpenIdClientRP:
    """Talks JSON lines with tests/peers/openid_client_rp.mjs."""

    def __init__(self):
        node = shutil.which("node")
        assert node, "node is not on PATH"
        assert (REPO / "node_modules" / "openid-client").is_dir(), "run `npm ci` (make deps) first"
        self.proc = subprocess.Popen(
            [node, str(SCRIPT), "--max-seconds", str(NODE_MAX_SECONDS)],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        self._next_id = 0
        self.readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line)
        sink(None)

    def _send(self, cmd: str, fields: dict, timeout: float) -> dict:
        self._next_id += 1
        msg_id = self._next_id
        self.proc.stdin.write(json.dumps({"id": msg_id, "cmd": cmd, **fields}) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise AssertionError(f"openid-client did not answer {cmd} within {timeout}s; "
                                     f"stderr: {''.join(x for x in self.stderr if x)}") from None
            if line is None:
                raise AssertionError(f"openid-client exited ({self.proc.poll()}) during {cmd}; "
                                     f"stderr: {''.join(x for x in self.stderr if x)}")
            reply = json.loads(line)
            if reply.get("id") == msg_id:
                return reply

    def call(self, cmd: str, timeout: float = CALL_TIMEOUT, **fields) -> dict:
        reply = self._send(cmd, fields, timeout)
        if not reply["ok"]:
            raise PeerError(cmd, reply["error"])
        return reply["result"]

    def fails(self, cmd: str, timeout: float = CALL_TIMEOUT, **fields) -> dict:
        """Run a command that must fail; return openid-client's error."""
        reply = self._send(cmd, fields, timeout)
        assert not reply["ok"], f"openid-client accepted {cmd}: {reply['result']}"
        return reply["error"]

    def close(self):
        try:
            if self.proc.stdin and not self.proc.stdin.closed:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            for reader in self.readers:
                reader.join(timeout=5)
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture
def openid_client(live_server):
    rp = OpenIdClientRP()
    try:
        assert rp.call("ping")["pong"] is True
        yield rp
    finally:
        rp.close()


# -- the browser -----------------------------------------------------------------------------
class Browser:
    """Real HTTP with cookies against the live IdP; stops at the online service's URIs."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.http = requests.Session()
        self.visited: list[str] = []

    def _get(self, url):
        self.visited.append(url)
        return self.http.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)

    def _post(self, url, data):
        self.visited.append("POST " + url)
        return self.http.post(url, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)

    def read_card(self, client_url: str, card: str = "erika") -> str:
        """At the eID-Client simulator (the AusweisApp's place): send the test card
        with its PIN; returns where the eID-Client sends the browser back to."""
        form = self._get(client_url)
        assert form.status_code == 200, form.text[:500]
        handle = re.search(r'name="vorgang" value="([^"]+)"', form.text).group(1)
        action = urljoin(client_url, "/eID-Client")
        back = self._post(action, {"vorgang": handle, "card": card, "pin": "123456", "pseudonym": "ja",
                                   "aktion": "uebermitteln"})
        assert back.is_redirect, back.text[:500]
        return back.headers["Location"]

    def go(self, url: str, stop_at: str, email: str = "erika@example.org", consent: str = "zustimmen",
           expect_login: bool | None = None, card: str | None = None) -> str:
        """Follow `url` through login (with e-mail and password, or with the test
        `card` through the eID simulators) and consent until the IdP sends the browser
        to `stop_at`; return that URL."""
        logged_in = False
        for _ in range(20):
            if url.startswith(stop_at):
                if expect_login is not None:
                    assert logged_in == expect_login, f"login page shown: {logged_in}; path: {self.visited}"
                return url
            assert url.startswith(self.issuer + "/"), f"left the IdP for {url}; path: {self.visited}"
            response = self._get(url)
            path = urlparse(url).path
            if response.status_code == 200 and path == "/anmelden" and card:
                anfrage = query(url).get("anfrage")
                start = self._get(self.issuer + "/anmelden/eid" + (f"?anfrage={anfrage}" if anfrage else ""))
                assert start.is_redirect, start.text[:500]
                url = urljoin(url, self.read_card(start.headers["Location"], card))
                logged_in = True
                continue
            if response.status_code == 200 and path == "/anmelden":
                data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(response.text)}
                if "anfrage" in query(url):
                    data["anfrage"] = query(url)["anfrage"]
                response = self._post(self.issuer + "/anmelden", data)
                logged_in = True
            elif response.status_code == 403 and path.endswith("/kein-zugang"):
                # The page says why; its one button goes back to the online service.
                assert "Kein Zugang zu diesem Online-Dienst" in response.text
                response = self._post(url, {"csrf_token": csrf_from(response.text)})
            elif response.status_code == 200 and path.endswith("/zustimmung"):
                assert "Zustimmen" in response.text and "Ablehnen" in response.text
                response = self._post(url, {"decision": consent, "csrf_token": csrf_from(response.text)})
            assert response.is_redirect, (f"unexpected {response.status_code} at {url}: "
                                          f"{response.text[:500]}; path: {self.visited}")
            url = urljoin(url, response.headers["Location"])
        raise AssertionError(f"too many redirects: {self.visited}")

    def logged_in(self) -> bool:
        """Whether the IdP still knows this browser: "Mein Bereich" needs a session."""
        response = self._get(self.issuer + "/mein-bereich")
        assert response.status_code in (200, 302), response.status_code
        return response.status_code == 200


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


# -- helpers -------------------------------------------------------------------------------
def discover(rp: OpenIdClientRP, name: str, issuer: str, client, auth: str, alg: str | None = None,
             private_jwk: dict | None = None, dpop: bool = False, userinfo_alg: str | None = None) -> dict:
    fields = dict(rp=name, issuer=issuer, client_id=client.client_id, auth=auth, dpop=dpop)
    if userinfo_alg:
        fields["userinfo_signed_response_alg"] = userinfo_alg
    if private_jwk:
        fields["private_jwk"] = private_jwk
    if client.client_secret:
        fields["client_secret"] = client.client_secret
    if alg:
        fields["id_token_signed_response_alg"] = alg
    return rp.call("discover", **fields)["server_metadata"]


def sign_in(rp, browser, name, client, scope="openid profile email", extra=None, **go) -> tuple[dict, str]:
    """One authorization code flow: openid-client builds the request and redeems the
    code; the browser logs in and consents in between."""
    fields = dict(rp=name, redirect_uri=client.redirect_uri, scope=scope, extra=extra or {})
    for flag in ("jar", "par"):
        if go.pop(flag, False):
            fields[flag] = True
    if "max_age" in go:
        fields["max_age"] = go.pop("max_age")
    request = rp.call("authorize", **fields)
    params = query(request["url"])
    if not (fields.get("jar") or fields.get("par")):
        assert params["code_challenge_method"] == "S256" and params["code_challenge"]
        assert params["state"] == request["state"] and params["nonce"] == request["nonce"]
    callback = browser.go(request["url"], client.redirect_uri, **go)
    return rp.call("callback", rp=name, url=callback), callback


def account_id(app) -> str:
    from idp.accounts.models import Account
    from idp.extensions import db

    with app.app_context():
        return db.session.query(Account).one().id


def expected_sub(app, client_id: str, account: str) -> str:
    from idp.oidc.claims import pairwise_subject

    with app.app_context():
        return pairwise_subject(app.extensions["servicekonto.keys"].secret("pairwise"), client_id, account)


def token_requests(rp, name) -> list[dict]:
    return [r for r in rp.call("requests", rp=name)["requests"] if r["url"].endswith("/token")]


def assert_level_claims(claims: dict, issuer: str, client_id: str, before: int):
    assert claims["iss"] == issuer
    assert claims["aud"] == client_id or claims["aud"] == [client_id]
    assert claims["loa"] == "niedrig"
    assert claims["acr"] == "http://eidas.europa.eu/LoA/low"
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["auth_time"], int)
    assert before - 2 <= claims["auth_time"] <= time.time() + 2
    assert claims["exp"] > time.time()
    assert claims.get("sid")
