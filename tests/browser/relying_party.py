"""A small online service (a relying party) for browser tests: it takes part in the
code flow and receives back-channel logout tokens."""
from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

import jwt as pyjwt
import requests
from playwright.sync_api import Page, expect

from tests.conftest import pkce_pair, query_of

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


# -- a small online service ----------------------------------------------------------------
@dataclass
class ReceivedLogout:
    token: str
    content_type: str


class RelyingParty:
    """An online service on 127.0.0.1: its /callback takes the authorization
    response, its /backchannel-logout takes logout tokens (OIDC Back-Channel
    Logout 1.0 §2.5)."""

    def __init__(self):
        self.callbacks: list[dict[str, str]] = []
        self.logouts: list[ReceivedLogout] = []
        self._lock = threading.Lock()
        rp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlparse(self.path)
                if path.path != "/callback":
                    self._answer(404, "<h1>Nicht gefunden</h1>")
                    return
                with rp._lock:
                    rp.callbacks.append(query_of(self.path))
                self._answer(200, "<h1>Online-Dienst</h1><p>Anmeldung angekommen.</p>")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if urlparse(self.path).path != "/backchannel-logout":
                    self._answer(404, "")
                    return
                token = parse_qs(body).get("logout_token", [""])[0]
                with rp._lock:
                    rp.logouts.append(ReceivedLogout(token, self.headers.get("Content-Type", "")))
                self.send_response(200)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _answer(self, status: int, html: str):
                data = (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Online-Dienst</title>'
                        f"</head><body><main>{html}</main></body></html>").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return self.base + "/callback"

    @property
    def backchannel_logout_uri(self) -> str:
        return self.base + "/backchannel-logout"

    def start(self) -> "RelyingParty":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def wait_for_logout(self, count: int = 1, timeout: float = 10.0) -> ReceivedLogout:
        """The `count`-th logout token received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.logouts) >= count:
                    return self.logouts[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"the online service received {len(self.logouts)} logout token(s), not {count}")


@dataclass
class Tokens:
    id_token: str
    access_token: str
    id_claims: dict


def jwks_keys(issuer: str) -> pyjwt.PyJWKSet:
    return pyjwt.PyJWKSet.from_dict(requests.get(issuer + "/jwks", timeout=5).json())


def verify_jwt(token: str, issuer: str, audience: str, **options) -> dict:
    """Check the signature against the IdP's published keys, then iss and aud."""
    header = pyjwt.get_unverified_header(token)
    key = jwks_keys(issuer)[header["kid"]]
    return pyjwt.decode(token, key=key, algorithms=["ES256", "RS256"], audience=audience, issuer=issuer,
                        options=options)


def code_flow(page: Page, issuer: str, client, rp: RelyingParty, consent: bool = True) -> Tokens:
    """The authorization code flow with the browser's login session: consent on the
    page (unless given before), then the code exchanged at the token endpoint as the
    service would."""
    verifier, challenge = pkce_pair()
    page.goto("/authorize?" + urlencode(dict(
        response_type="code", client_id=client.client_id, redirect_uri=client.redirect_uri,
        scope="openid profile email", state="st-1", nonce="n-1", code_challenge=challenge,
        code_challenge_method="S256")))
    if consent:
        page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_text("Anmeldung angekommen.")).to_be_visible()
    params = rp.callbacks[-1]
    assert params["state"] == "st-1" and params["iss"] == issuer
    response = requests.post(issuer + "/token", data=dict(
        grant_type="authorization_code", code=params["code"], redirect_uri=client.redirect_uri,
        code_verifier=verifier), auth=(client.client_id, client.client_secret), timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    claims = verify_jwt(body["id_token"], issuer, client.client_id)
    assert claims["nonce"] == "n-1" and claims["sid"]
    return Tokens(body["id_token"], body["access_token"], claims)


def check_logout_token(received: ReceivedLogout, issuer: str, client_id: str, id_claims: dict) -> dict:
    """OIDC Back-Channel Logout 1.0 §2.4 and §2.6, as the online service validates it."""
    assert received.content_type.startswith("application/x-www-form-urlencoded")
    header = pyjwt.get_unverified_header(received.token)
    assert header["typ"] == "logout+jwt"
    claims = verify_jwt(received.token, issuer, client_id,
                        require=["iss", "aud", "iat", "exp", "jti", "events", "sid", "sub"])
    # PyJWT has refused an iat in the future; the token must still carry one.
    assert isinstance(claims["iat"], int) and claims["jti"]
    assert BACKCHANNEL_EVENT in claims["events"] and claims["events"][BACKCHANNEL_EVENT] == {}
    assert claims["sid"] == id_claims["sid"]
    assert claims["sub"] == id_claims["sub"]
    assert "nonce" not in claims
    return claims
