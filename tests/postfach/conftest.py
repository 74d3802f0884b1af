"""Online services as the message API meets them: registered for the code flow (so
users log in and the service learns their identifiers) and for client credentials
(its own token for the API), some DPoP-bound; and the OpenAPI document the answers
are held to."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from joserfc.jwk import ECKey

from tests.conftest import Browserless, RegisteredClient
from tests.support.client_keys import dpop_proof
from tests.support.flows import tokens, userinfo
from tests.support.organisations import PASSWORD

BASE = "/api/postfach/v1"
DOCUMENT = json.loads((Path(__file__).parents[2] / "idp" / "postfach" / "openapi.json").read_text())
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
XML = b"<?xml version='1.0'?><bescheid><betrag>12</betrag></bescheid>"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def message(recipient: dict, reference="AZ-2026-1", **fields) -> dict:
    body = {"empfaenger": recipient, "vorgang": {"referenz": reference, "titel": "Anwohnerparkausweis"},
            "betreff": "Ihr Bescheid", "text": "Guten Tag,\nIhr Antrag ist bewilligt.", "antwort_erlaubt": True,
            "anhaenge": [{"dateiname": "bescheid.pdf", "medientyp": "application/pdf", "inhalt": b64(PDF)}]}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


# -- the OpenAPI document -------------------------------------------------------------------
def _pointer(ref: str):
    node = DOCUMENT
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def assert_documented(response, path: str, method: str) -> None:
    """The response is one the document names for this operation, with its media type,
    and the body validates against the document's schema."""
    status = str(response.status_code)
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert status in responses, f"{method.upper()} {path} answers {status}, which the document does not name"
    documented = responses[status]
    ref = f"#/paths/{_escape(path)}/{method}/responses/{status}"
    if "$ref" in documented:
        ref, documented = documented["$ref"], _pointer(documented["$ref"])
    media = response.mimetype
    assert media in documented["content"], (media, list(documented["content"]))
    for name, header in documented.get("headers", {}).items():
        assert not header.get("required") or name in response.headers, name
    schema = {**DOCUMENT, "$ref": f"{ref}/content/{_escape(media)}/schema"}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(response.get_json())


# -- services and their tokens --------------------------------------------------------------
@dataclass
class Service:
    """An online service: its registration, its API token and a test client as its HTTP
    client (none of a browser's cookies)."""

    app: object
    registered: RegisteredClient
    key: ECKey | None = None  # its DPoP key, for a service registered with --dpop
    access_token: str | None = None
    nonce: str | None = None

    @property
    def client_id(self) -> str:
        return self.registered.client_id

    @property
    def http(self):
        return self.app.test_client()

    def fetch_token(self):
        data = {"grant_type": "client_credentials", "scope": "postfach"}
        auth = (self.client_id, self.registered.client_secret)
        if self.key is None:
            r = self.http.post("/token", data=data, auth=auth)
        else:
            r = self.http.post("/token", data=data, auth=auth, headers={"DPoP": dpop_proof(self.app, self.key)})
            assert r.status_code == 400 and r.json["error"] == "use_dpop_nonce", r.json
            self.nonce = r.headers["DPoP-Nonce"]
            r = self.http.post("/token", data=data, auth=auth,
                               headers={"DPoP": dpop_proof(self.app, self.key, nonce=self.nonce)})
        assert r.status_code == 200, r.json
        self.access_token = r.json["access_token"]
        return r.json

    def headers(self, method: str, path: str, proof: str | None = None) -> dict:
        if self.access_token is None:
            self.fetch_token()
        if self.key is None:
            return {"Authorization": f"Bearer {self.access_token}"}
        proof = proof or dpop_proof(self.app, self.key, method, path, self.access_token, self.nonce)
        return {"Authorization": f"DPoP {self.access_token}", "DPoP": proof}

    def send(self, body, idempotency_key: str | None = None, **kwargs):
        headers = self.headers("POST", BASE + "/nachrichten", kwargs.pop("proof", None))
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(kwargs.pop("headers", {}))
        if "data" not in kwargs:
            kwargs["json"] = body
        response = self.http.post(BASE + "/nachrichten", headers=headers, **kwargs)
        assert_documented(response, "/nachrichten", "post")
        return response

    def status(self, message_id: str):
        path = f"{BASE}/nachrichten/{message_id}"
        response = self.http.get(path, headers=self.headers("GET", path))
        assert_documented(response, "/nachrichten/{id}", "get")
        return response

    def replies(self, url: str = BASE + "/antworten", **query):
        """A page of replies; `url` is a page's `weiter` link."""
        response = self.http.get(url, query_string=query or None, headers=self.headers("GET", BASE + "/antworten"))
        assert_documented(response, "/antworten", "get")
        return response


@pytest.fixture
def make_service(app, make_client):
    """A service for both grants; `dpop=True` registers it for DPoP-bound tokens."""
    counter = iter(range(1, 100))

    def make(name=None, dpop=False, **kwargs) -> Service:
        number = next(counter)
        kwargs.setdefault("audience", "both")
        registered = make_client(name=name or f"Dienst {number}", redirect_uri=f"http://127.0.0.1:9/cb{number}",
                                 grants=["authorization_code", "client_credentials"], dpop=dpop, **kwargs)
        return Service(app, registered, key=ECKey.generate_key("P-256") if dpop else None)

    return make


@pytest.fixture
def service(make_service):
    return make_service("Anwohnerparken")


def log_in_at(app, service: Service, email="erika@example.org", password="ABab1234", scope="openid profile") -> dict:
    """The user logs in at the service (code flow); what the service learns (userinfo)."""
    browser = Browserless(app)
    r = browser.login(email=email, password=password)
    assert r.status_code == 302, r.text[:300]
    answer = tokens(browser, service.registered, scope=scope)
    info = userinfo(browser, answer["access_token"])
    assert info.status_code == 200, info.json
    return info.json


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def known_sub(app, service, erika) -> str:
    """Erika logged in at the service once: the service knows her pairwise sub."""
    return log_in_at(app, service)["sub"]


__all__ = ["BASE", "DOCUMENT", "JPEG", "PASSWORD", "PDF", "PNG", "Service", "XML", "assert_documented", "b64",
           "log_in_at", "message"]
