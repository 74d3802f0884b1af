"""The OpenID Connect relying back end against another state's Servicekonto played
by panva's oidc-provider (a certified OP): discovery, the code flow with PKCE, the
checks on the answer and the ID token, and the mapping of claims to account
attributes at their levels.

The provider signs with keys made here, so that tokens with one wrong claim but a
valid signature can be forged: only then does each claim check stand on its own.
Those forged tokens reach the client through a rewriting transport adapter on the
token endpoint; everything else is the real provider.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from federation import oidc_upstream as upstream
from federation.oidc_upstream import (
    UpstreamCancelled,
    UpstreamError,
    UpstreamLevelNotMet,
    UpstreamProvider,
    account_values,
    attributes_from_claims,
    begin,
    complete,
    discover,
)
from federation.remote import RemoteAttribute
from idp.loa import Level
from tests.peers.oidc_provider import (
    EIDAS_HIGH,
    EIDAS_LOW,
    EIDAS_SUBSTANTIAL,
    OidcProviderPeer,
    sign_in_over_http,
)

pytestmark = pytest.mark.peer

CALLBACK = "http://127.0.0.1:9/servicekonto/oidc/callback"  # never contacted
SECRET = "ge heim:+/&=%"  # needs RFC 6749 form-encoding inside HTTP Basic
POST_SECRET = "post-geheim-0123456789"
BSI_SUBSTANTIAL = "http://bsi.bund.de/eID/LoA/substantiell"
UNKNOWN_ACR = "urn:example:acr:zauberstab"

ERIKA_ADDRESS = {"street_address": "Heidestraße 17", "postal_code": "51147", "locality": "Köln", "country": "DE"}
ACCOUNTS = {
    "erika": {
        "acr": EIDAS_SUBSTANTIAL,
        "amr": ["pwd", "hwk"],
        "claims": {
            "title": "Dr.",
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birth_family_name": "Gabler",
            "birthdate": "1964-08-12",
            "place_of_birth": {"locality": "Berlin"},
            "nationalities": ["DE", "AT"],
            "email": "erika@example.org",
            "email_verified": True,
            "address": {**ERIKA_ADDRESS, "street_address": "heidestr. 17"},
            "verified_claims": {
                "verification": {"trust_framework": "eidas", "assurance_level": "substantial"},
                "claims": {
                    "given_name": "ERIKA",
                    "family_name": "MUSTERMANN",
                    "birthdate": "1964-08-12",
                    "address": {**ERIKA_ADDRESS, "street_address": "HEIDESTRASSE 17", "locality": "KÖLN"},
                    "email": "erika@example.org",
                },
            },
        },
    },
    "max": {
        "acr": EIDAS_LOW,
        "claims": {
            "given_name": "Max",
            "family_name": "Muster",
            "birthdate": "1970",
            "address": {"street_address": "Am Markt", "postal_code": "39104", "locality": "Magdeburg"},
            "verified_claims": [
                {"verification": {"trust_framework": "eidas", "assurance_level": "high"},
                 "claims": {"family_name": "MUSTER"}},
                {"verification": {"trust_framework": "de_aml", "assurance_level": "high"},
                 "claims": {"given_name": "MAXIMILIAN"}},
            ],
        },
    },
    "uwe": {"acr": UNKNOWN_ACR, "claims": {
        "given_name": "Uwe",
        "verified_claims": {"verification": {"trust_framework": "eidas", "assurance_level": "high"},
                            "claims": {"given_name": "UWE"}}}},
    "hannah": {"acr": EIDAS_HIGH, "amr": ["hwk", "pin"], "claims": {"given_name": "Hannah"}},
}


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def clean_database():
    """Pure protocol: no database to clean, so the IdP app of tests/conftest.py
    need not start for these tests."""
    yield


@pytest.fixture(autouse=True)
def fresh_key_cache():
    upstream.jwks_cache.clear()
    yield
    upstream.jwks_cache.clear()


@pytest.fixture(scope="module")
def op_keys() -> dict:
    return {
        "rsa": RSAKey.generate_key(2048, {"kid": "nrw-rsa-1", "alg": "RS256", "use": "sig"}, private=True),
        "ec": ECKey.generate_key("P-256", {"kid": "nrw-ec-1", "alg": "ES256", "use": "sig"}, private=True),
    }


@pytest.fixture(scope="module")
def op(op_keys):
    config = {
        "clients": [
            {"client_id": "sk-nrw", "client_secret": SECRET, "redirect_uris": [CALLBACK]},
            {"client_id": "sk-post", "client_secret": POST_SECRET, "redirect_uris": [CALLBACK],
             "token_endpoint_auth_method": "client_secret_post"},
        ],
        "accounts": ACCOUNTS,
        "acr_values": [EIDAS_LOW, EIDAS_SUBSTANTIAL, EIDAS_HIGH, BSI_SUBSTANTIAL, UNKNOWN_ACR],
        "jwks": {"keys": [op_keys["rsa"].as_dict(private=True), op_keys["ec"].as_dict(private=True)]},
    }
    with OidcProviderPeer(max_seconds=300) as peer:
        peer.start(config)
        yield peer


@pytest.fixture(scope="module")
def metadata(op) -> dict:
    return discover(op.issuer)


@pytest.fixture
def provider(op, metadata) -> UpstreamProvider:
    return UpstreamProvider("sk-nrw", op.issuer, "sk-nrw", SECRET, metadata)


# -- helpers -------------------------------------------------------------------------------------
def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def sign_in(provider, username, *, level=None, now=None, **drive) -> tuple[dict, dict]:
    """begin, then the browser at the partner; returns the pending dict and the
    query the partner sent the browser back with."""
    url, pending = begin(provider, CALLBACK, level=level, now=now)
    return pending, query(sign_in_over_http(url, CALLBACK, username, **drive))


class Recorder(requests.adapters.HTTPAdapter):
    """Transport that notes every request and can rewrite answers of one URL."""

    def __init__(self, rewrite=None):
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []
        self.rewrite = rewrite or {}

    def send(self, request, **kwargs):
        self.sent.append(request)
        response = super().send(request, **kwargs)
        change = self.rewrite.get(request.url)
        if change is not None:
            response._content = change(response.content)  # .content read the body off the wire
        return response

    def to(self, url: str) -> list[requests.PreparedRequest]:
        return [r for r in self.sent if r.url == url]


def session_with(recorder: Recorder) -> requests.Session:
    session = requests.Session()
    session.mount("http://", recorder)
    session.mount("https://", recorder)
    return session


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def token_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload))


def id_token_rewriter(forge):
    """A token endpoint answer whose id_token `forge(token, answer)` replaced."""

    def rewrite(body: bytes) -> bytes:
        answer = json.loads(body)
        answer["id_token"] = forge(answer["id_token"], answer)
        return json.dumps(answer).encode()

    return rewrite


def resign(key, **changes):
    """Forge: the partner's claims with `changes` (None removes), signed by `key`."""

    def forge(token, answer):
        header, claims = token_parts(token)
        for name, value in changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value(claims, answer) if callable(value) else value
        return jws.serialize_compact({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, json.dumps(claims), key)

    return forge


def attributes(identity) -> dict[str, tuple[str, Level | None]]:
    return {a.name: (a.value, a.level) for a in identity.attributes}


# -- discovery -----------------------------------------------------------------------------------
def test_discovery_by_issuer_and_by_well_known_url(op):
    by_issuer = discover(op.issuer)
    by_url = discover(op.issuer + "/.well-known/openid-configuration")
    assert by_issuer == by_url
    assert by_issuer["issuer"] == op.issuer
    assert by_issuer["token_endpoint"].startswith(op.issuer + "/")
    assert by_issuer["authorization_response_iss_parameter_supported"] is True


def test_discovery_refuses_a_document_naming_another_issuer(op):
    port = urlsplit(op.issuer).port
    # The same provider, asked under another name: its document names 127.0.0.1.
    with pytest.raises(UpstreamError) as refused:
        discover(f"http://localhost:{port}")
    assert "does not match" in refused.value.detail
    with pytest.raises(UpstreamError) as refused:
        discover(op.issuer + "/")
    assert "does not match" in refused.value.detail


def test_discovery_refuses_plain_http_to_other_hosts():
    recorder = Recorder()
    for url in ("http://sk.example.org", "http://sk.example.org/.well-known/openid-configuration",
                "ftp://127.0.0.1/"):
        with pytest.raises(UpstreamError) as refused:
            discover(url, session=session_with(recorder))
        assert "not https" in refused.value.detail
        assert "nicht richtig eingerichtet" in str(refused.value)
    assert recorder.sent == []


def test_discovery_refuses_plain_http_endpoints_in_the_document(metadata):
    # The real provider cannot serve this over https, so its document comes from a rewrite.
    well_known = "https://sk.example.org/.well-known/openid-configuration"

    class Fake(requests.adapters.BaseAdapter):
        def __init__(self, document):
            super().__init__()
            self.document = document

        def send(self, request, **kwargs):
            response = requests.Response()
            response.status_code, response.url = 200, request.url
            response.headers["Content-Type"] = "application/json"
            response._content = json.dumps(self.document).encode()
            response._content_consumed = True
            return response

        def close(self):
            pass

    def doc(**changes):
        out = {**metadata, "issuer": "https://sk.example.org",
               **{k: "https://sk.example.org/" + k for k in
                  ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")}}
        return {**out, **changes}

    def fetch(document):
        session = requests.Session()
        session.mount("https://", Fake(document))
        return discover(well_known, session=session)

    assert fetch(doc())["issuer"] == "https://sk.example.org"  # the fake itself is acceptable
    with pytest.raises(UpstreamError) as refused:
        fetch(doc(token_endpoint="http://sk.example.org/token"))
    assert "token_endpoint is not https" in refused.value.detail
    with pytest.raises(UpstreamError) as refused:
        fetch(doc(id_token_signing_alg_values_supported=["HS256", "none"]))
    assert "no asymmetric" in refused.value.detail


# -- the request ---------------------------------------------------------------------------------
def test_authorization_request(provider, op):
    moment = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
    url, pending = begin(provider, CALLBACK, level=Level.SUBSTANZIELL, now=moment)
    assert url.split("?")[0] == op.issuer + "/auth"
    params = query(url)
    assert params["response_type"] == "code" and params["client_id"] == "sk-nrw"
    assert params["redirect_uri"] == CALLBACK and params["scope"] == "openid profile email address"
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == b64(hashlib.sha256(pending["code_verifier"].encode()).digest())
    assert 43 <= len(pending["code_verifier"]) <= 128
    assert params["state"] == pending["state"] and params["nonce"] == pending["nonce"]
    # The level first with the partner's own name for it, then what is stronger.
    wanted = [EIDAS_SUBSTANTIAL, BSI_SUBSTANTIAL, EIDAS_HIGH]
    assert params["acr_values"].split() == wanted
    assert json.loads(params["claims"]) == {"id_token": {"acr": {"essential": True, "values": wanted}}}
    assert "prompt" not in params and "max_age" not in params
    assert pending == {"partner_id": "sk-nrw", "issuer": op.issuer, "state": params["state"],
                       "nonce": params["nonce"], "code_verifier": pending["code_verifier"],
                       "redirect_uri": CALLBACK, "level": "substanziell", "created_at": moment.isoformat()}
    json.dumps(pending)  # kept server-side, e.g. in a session store

    other_url, other = begin(provider, CALLBACK)
    assert {other["state"], other["nonce"], other["code_verifier"]}.isdisjoint(
        {pending["state"], pending["nonce"], pending["code_verifier"]})
    assert "acr_values" not in query(other_url) and "claims" not in query(other_url)
    assert other["level"] is None

    # A partner that lists no acr values of its own gets the eIDAS names.
    bare = replace(provider, metadata={k: v for k, v in provider.metadata.items() if k != "acr_values_supported"})
    assert query(begin(bare, CALLBACK, level=Level.NIEDRIG)[0])["acr_values"].split() == [
        EIDAS_LOW, EIDAS_SUBSTANTIAL, EIDAS_HIGH]


# -- the full login ------------------------------------------------------------------------------
def test_login_with_verified_claims(provider, op):
    recorder = Recorder()
    before = int(time.time())
    pending, params = sign_in(provider, "erika", level=Level.SUBSTANZIELL)
    assert params["iss"] == op.issuer
    identity = complete(provider, pending, params, session=session_with(recorder))

    assert identity.partner_id == "sk-nrw" and identity.subject == "erika"
    assert identity.level is Level.SUBSTANZIELL
    assert identity.amr == ("pwd", "hwk")
    assert before - 2 <= identity.auth_time.timestamp() <= time.time() + 2
    assert identity.auth_time.tzinfo is not None
    S, N = Level.SUBSTANZIELL, Level.NIEDRIG
    assert attributes(identity) == {
        # verified under eIDAS at substantial: those values, at that level ...
        "given_name": ("ERIKA", S),
        "family_name": ("MUSTERMANN", S),
        "birth_date": ("12.08.1964", S),
        # ... the address as a whole from the verified source ...
        "street": ("HEIDESTRASSE", S),
        "house_number": ("17", S),
        "postal_code": ("51147", S),
        "city": ("KÖLN", S),
        "country": ("DE", S),
        # ... the rest as plain claims, and an e-mail address is never identity-checked.
        "academic_title": ("Dr.", N),
        "birth_name": ("Gabler", N),
        "place_of_birth": ("Berlin", N),
        "nationality": ("DE", N),
        "email": ("erika@example.org", N),
    }
    assert identity.extra["email_verified"] is True
    assert token_parts(identity.extra["id_token"])[1]["sub"] == "erika"

    # What went over the wire: Basic with the form-encoded secret, the verifier, userinfo.
    [token_request] = recorder.to(provider.metadata["token_endpoint"])
    scheme, credentials = token_request.headers["Authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == "sk-nrw:ge+heim%3A%2B%2F%26%3D%25"
    body = dict(parse_qsl(token_request.body))
    assert body["code_verifier"] == pending["code_verifier"] and "client_secret" not in body
    assert body["redirect_uri"] == CALLBACK and body["code"] == params["code"]
    [userinfo] = recorder.to(provider.metadata["userinfo_endpoint"])
    assert userinfo.headers["Authorization"].startswith("Bearer ")
    assert len(recorder.to(provider.metadata["jwks_uri"])) == 1


def test_attribute_levels_never_above_the_login_and_only_under_eidas(provider):
    pending, params = sign_in(provider, "max")
    identity = complete(provider, pending, params)
    assert identity.level is Level.NIEDRIG and identity.amr == ("pwd",)
    assert attributes(identity) == {
        # verified "high" but the login was only low
        "family_name": ("MUSTER", Level.NIEDRIG),
        # the de_aml verification does not count: the plain value stays
        "given_name": ("Max", Level.NIEDRIG),
        "birth_date": ("00.00.1970", Level.NIEDRIG),
        # a street without a number: split_street's "0"
        "street": ("Am Markt", Level.NIEDRIG),
        "house_number": ("0", Level.NIEDRIG),
        "postal_code": ("39104", Level.NIEDRIG),
        "city": ("Magdeburg", Level.NIEDRIG),
    }


def test_unknown_acr_is_no_level_and_caps_attributes_at_niedrig(provider):
    pending, params = sign_in(provider, "uwe")
    identity = complete(provider, pending, params)
    assert identity.level is None
    assert identity.extra["acr"] == UNKNOWN_ACR
    assert attributes(identity) == {"given_name": ("UWE", Level.NIEDRIG)}


def test_a_stronger_login_satisfies_a_weaker_request(provider):
    pending, params = sign_in(provider, "hannah", level=Level.SUBSTANZIELL)
    identity = complete(provider, pending, params)
    assert identity.level is Level.HOCH and identity.amr == ("hwk", "pin")


def test_a_login_below_the_requested_level_is_refused(provider):
    # The partner itself refuses what it cannot reach ...
    pending, params = sign_in(provider, "erika", level=Level.HOCH)
    assert params["error"] == "unmet_authentication_requirements"
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params)
    assert not isinstance(refused.value, UpstreamCancelled)
    assert "unmet_authentication_requirements" in refused.value.detail
    # ... and if it ignored the request, the answer is refused here.
    pending, params = sign_in(provider, "max")
    pending["level"] = "substanziell"
    with pytest.raises(UpstreamLevelNotMet) as refused:
        complete(provider, pending, params)
    assert refused.value.required is Level.SUBSTANZIELL and refused.value.asserted is Level.NIEDRIG
    assert "Vertrauensniveau" in str(refused.value)


def test_client_secret_post(op, metadata):
    registered = UpstreamProvider("sk-post", op.issuer, "sk-post", POST_SECRET, metadata,
                                  token_endpoint_auth_method="client_secret_post")
    only_post = UpstreamProvider("sk-post", op.issuer, "sk-post", POST_SECRET,
                                 {**metadata, "token_endpoint_auth_methods_supported": ["client_secret_post"]})
    for provider in (registered, only_post):
        recorder = Recorder()
        pending, params = sign_in(provider, "max")
        assert complete(provider, pending, params, session=session_with(recorder)).subject == "max"
        [sent] = recorder.to(metadata["token_endpoint"])
        assert "Authorization" not in sent.headers
        body = dict(parse_qsl(sent.body))
        assert body["client_id"] == "sk-post" and body["client_secret"] == POST_SECRET

    # A wrong secret: the partner refuses the code's redemption, and so does complete.
    wrong = replace(registered, client_secret=POST_SECRET + "x")
    pending, params = sign_in(wrong, "max")
    with pytest.raises(UpstreamError) as refused:
        complete(wrong, pending, params)
    assert "invalid_client" in refused.value.detail


class Canned(requests.adapters.BaseAdapter):
    """Transport that gives one answer (or raises `error`) to whatever is sent."""

    def __init__(self, status=200, body=b"", content_type="application/json", error=None, **headers):
        super().__init__()
        self.status, self.body, self.error = status, body, error
        self.headers = {"Content-Type": content_type, **headers}
        self.options: list[dict] = []

    def send(self, request, **kwargs):
        self.options.append(kwargs)
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code, response.reason, response.url, response.request = self.status, "", request.url, request
        response.headers.update(self.headers)
        response.raw = io.BytesIO(self.body)
        return response

    def close(self):
        pass


def test_token_endpoint_failures(provider):
    """Whatever the token endpoint answers short of tokens: the network's failures
    tell the citizen the partner is unreachable, the partner's own answers that the
    login failed; nothing is followed, nothing waits without a timeout."""
    token_endpoint = provider.metadata["token_endpoint"]
    tokens = {"access_token": "a", "token_type": "Bearer", "id_token": "x"}
    huge = json.dumps({**tokens, "padding": "x" * upstream.MAX_RESPONSE_BYTES}).encode()
    cases = [
        (Canned(error=requests.ConnectionError("refused")), upstream.MSG_UNREACHABLE, "token: ConnectionError"),
        (Canned(error=requests.ReadTimeout("slow")), upstream.MSG_UNREACHABLE, "token: ReadTimeout"),
        (Canned(500, b'{"error": "server_error"}'), upstream.MSG_FAILED, "HTTP 500"),
        (Canned(400, b"<h1>Bad Request</h1>", "text/html"), upstream.MSG_FAILED, "HTTP 400"),
        (Canned(400, b"{}"), upstream.MSG_FAILED, "HTTP 400"),
        # Followed, this would come back here (and again, and again).
        (Canned(302, b"", Location=token_endpoint + "/again"), upstream.MSG_FAILED, "HTTP 302"),
        (Canned(200, b"<html></html>", "text/html"), upstream.MSG_FAILED, "HTTP 200"),
        (Canned(200, huge), upstream.MSG_FAILED, "token: answer larger than"),
        (Canned(200, json.dumps({**tokens, "expires_in": [3600]}).encode()), upstream.MSG_FAILED, "unusable answer"),
        (Canned(200, json.dumps({**tokens, "token_type": "DPoP"}).encode()), upstream.MSG_FAILED,
         "no bearer access token"),
        (Canned(200, json.dumps({k: v for k, v in tokens.items() if k != "id_token"}).encode()),
         upstream.MSG_FAILED, "token: no id_token"),
    ]
    _, pending = begin(provider, CALLBACK)
    params = {"state": pending["state"], "iss": provider.issuer, "code": "egal"}
    for canned, message, detail in cases:
        session = requests.Session()
        session.mount(token_endpoint, canned)
        with pytest.raises(UpstreamError) as refused:
            complete(provider, pending, params, session=session)
        assert str(refused.value) == message, detail
        assert detail in refused.value.detail
        [options] = canned.options
        assert options["timeout"] == upstream.TIMEOUT


# -- refusals of the answer ----------------------------------------------------------------------
def test_wrong_state_is_refused_before_the_code_is_redeemed(provider):
    recorder = Recorder()
    pending, params = sign_in(provider, "max")
    for state in (params["state"][:-1] + "x", "", None):
        changed = {**params, "state": state} if state is not None else {k: v for k, v in params.items()
                                                                         if k != "state"}
        with pytest.raises(UpstreamError) as refused:
            complete(provider, pending, changed, session=session_with(recorder))
        assert refused.value.detail == "state does not match"
        assert "passt nicht" in str(refused.value)
    assert recorder.sent == []
    assert complete(provider, pending, params).subject == "max"  # the code was still unused


def test_replayed_code_is_refused(provider):
    pending, params = sign_in(provider, "max")
    assert complete(provider, pending, params).subject == "max"
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params)
    assert "invalid_grant" in refused.value.detail


def test_nonce_mismatch_is_refused(provider):
    pending, params = sign_in(provider, "max")
    with pytest.raises(UpstreamError) as refused:
        complete(provider, {**pending, "nonce": pending["nonce"][::-1]}, params)
    assert refused.value.detail == "id_token: nonce does not match"


def test_iss_parameter_must_match_and_be_present(provider, op):
    pending, params = sign_in(provider, "max")
    for changed in ({**params, "iss": "http://127.0.0.1:1"}, {**params, "iss": op.issuer + "/"}):
        with pytest.raises(UpstreamError) as refused:
            complete(provider, pending, changed)
        assert "iss parameter" in refused.value.detail
    missing = {k: v for k, v in params.items() if k != "iss"}
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, missing)
    assert refused.value.detail == "iss parameter missing although the partner announces it"
    # A partner that does not announce RFC 9207 may leave it out.
    quiet = replace(provider, metadata={**provider.metadata,
                                        "authorization_response_iss_parameter_supported": False})
    assert complete(quiet, pending, missing).subject == "max"


def test_cancel_at_the_partner_is_upstream_cancelled(provider):
    for drive in ({"cancel": True}, {"consent": False}):
        pending, params = sign_in(provider, "erika", **drive)
        assert params["error"] == "access_denied"
        with pytest.raises(UpstreamCancelled) as cancelled:
            complete(provider, pending, params)
        assert str(cancelled.value) == "Die Anmeldung beim anderen Servicekonto wurde abgebrochen."


def test_pending_login_of_another_partner_or_too_old_is_refused(provider, op, metadata):
    recorder = Recorder()
    old = datetime.now(timezone.utc) - upstream.PENDING_MAX_AGE - timedelta(minutes=1)
    pending, params = sign_in(provider, "max", now=old)
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params, session=session_with(recorder))
    assert "expired" in refused.value.detail and "zu lange" in str(refused.value)

    pending, params = sign_in(provider, "max")
    other = UpstreamProvider("sk-post", op.issuer, "sk-post", POST_SECRET, metadata)
    with pytest.raises(UpstreamError) as refused:
        complete(other, pending, params, session=session_with(recorder))
    assert refused.value.detail == "pending login belongs to another partner"
    assert recorder.sent == []


@pytest.mark.parametrize("shift, detail", [
    (timedelta(hours=2), "id_token: expired"),  # the provider's ID tokens live one hour
    (-timedelta(minutes=5), "id_token: issued in the future"),
])
def test_id_token_times_are_checked(provider, shift, detail):
    moment = datetime.now(timezone.utc) + shift
    pending, params = sign_in(provider, "max", now=moment)
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params, now=moment)
    assert refused.value.detail == detail
    # Within the skew the same kind of token passes.
    pending, params = sign_in(provider, "max", now=moment - shift + timedelta(seconds=30))
    assert complete(provider, pending, params, now=moment - shift + timedelta(seconds=30)).subject == "max"


# -- tampered ID tokens (through the rewriting adapter) ------------------------------------------
def _at_hash(claims, answer):
    return b64(hashlib.sha256(answer["access_token"].encode()).digest()[:16])


def _alg_none(token, answer):
    _, payload, _ = token.split(".")
    return b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + payload + "."


def _hs256_with_public_key(op_keys):
    def forge(token, answer):
        _, payload, _ = token.split(".")
        secret = op_keys["rsa"].as_pem(private=False)
        header = b64(json.dumps({"alg": "HS256", "kid": op_keys["rsa"].kid, "typ": "JWT"}).encode())
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64(mac)}"

    return forge


def _other_payload(token, answer):
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["sub"] = "mallory"
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def _foreign_key(kid):
    def forge(token, answer):
        key = RSAKey.generate_key(2048, {"kid": kid, "alg": "RS256"}, private=True)
        return resign(key)(token, answer)

    return forge


FORGERIES = {
    "payload changed, signature kept": (lambda keys: _other_payload, "signature"),
    "another key under the partner's kid": (lambda keys: _foreign_key("nrw-rsa-1"), "signature"),
    "another key, unknown kid": (lambda keys: _foreign_key("nrw-rsa-2"), "no key of the partner"),
    "alg none": (lambda keys: _alg_none, "algorithm 'none' not accepted"),
    "HS256 keyed with the public key": (_hs256_with_public_key, "algorithm 'HS256' not accepted"),
    "other audience": (lambda keys: resign(keys["rsa"], aud="sk-post"), "id_token: aud"),
    "several audiences, no azp": (lambda keys: resign(keys["rsa"], aud=["sk-nrw", "sk-post"]), "id_token: azp"),
    "azp of another client": (lambda keys: resign(keys["rsa"], azp="sk-post"), "id_token: azp"),
    "other issuer": (lambda keys: resign(keys["rsa"], iss="http://127.0.0.1:1"), "id_token: iss"),
    "no nonce": (lambda keys: resign(keys["rsa"], nonce=None), "nonce does not match"),
    "expired": (lambda keys: resign(keys["rsa"], exp=lambda c, a: c["iat"] - 3600), "id_token: expired"),
    "no exp": (lambda keys: resign(keys["rsa"], exp=None), "exp is not a number"),
    "at_hash of another token": (lambda keys: resign(keys["rsa"], at_hash=b64(b"x" * 16)), "at_hash"),
    "no sub": (lambda keys: resign(keys["rsa"], sub=None), "no usable sub"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_tampered_id_token_is_refused(provider, op_keys, forgery):
    make, detail = FORGERIES[forgery]
    recorder = Recorder({provider.metadata["token_endpoint"]: id_token_rewriter(make(op_keys))})
    pending, params = sign_in(provider, "erika")
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params, session=session_with(recorder))
    assert detail in refused.value.detail
    assert recorder.to(provider.metadata["userinfo_endpoint"]) == []


def test_the_rewriting_itself_keeps_a_good_token_good(provider, op_keys):
    """Control for the forgeries: re-signed with the partner's key, with several
    audiences and the right azp and at_hash, the token is accepted."""
    forge = resign(op_keys["rsa"], aud=["sk-nrw", "register"], azp="sk-nrw", at_hash=_at_hash)
    recorder = Recorder({provider.metadata["token_endpoint"]: id_token_rewriter(forge)})
    pending, params = sign_in(provider, "erika")
    assert complete(provider, pending, params, session=session_with(recorder)).subject == "erika"


def test_userinfo_for_another_subject_is_refused(provider):
    def other_sub(body):
        return json.dumps({**json.loads(body), "sub": "max"}).encode()

    recorder = Recorder({provider.metadata["userinfo_endpoint"]: other_sub})
    pending, params = sign_in(provider, "erika")
    with pytest.raises(UpstreamError) as refused:
        complete(provider, pending, params, session=session_with(recorder))
    assert refused.value.detail == "userinfo: sub differs from the ID token's"


# -- keys ----------------------------------------------------------------------------------------
def test_keys_are_fetched_again_for_an_unknown_kid_but_not_too_often(provider, op_keys):
    jwks_uri = provider.metadata["jwks_uri"]
    stale = RSAKey.generate_key(2048, {"kid": "nrw-rsa-0", "alg": "RS256", "use": "sig"})
    long_ago = time.monotonic() - upstream.JwksCache.REFETCH_INTERVAL - 1
    upstream.jwks_cache.put(provider.issuer, jwks_uri, [stale.as_dict()], fetched_at=long_ago)

    recorder = Recorder()
    pending, params = sign_in(provider, "max")
    assert complete(provider, pending, params, session=session_with(recorder)).subject == "max"
    assert len(recorder.to(jwks_uri)) == 1  # rollover: the partner's new key was fetched

    # Right after that fetch, an unknown kid does not make us ask again.
    forged = Recorder({provider.metadata["token_endpoint"]: id_token_rewriter(_foreign_key("nrw-rsa-9"))})
    pending, params = sign_in(provider, "max")
    with pytest.raises(UpstreamError):
        complete(provider, pending, params, session=session_with(forged))
    assert forged.to(jwks_uri) == []


def test_a_token_without_kid_needs_exactly_one_fitting_key(provider, op_keys):
    def without_kid(token, answer):
        _, claims = token_parts(token)
        return jws.serialize_compact({"alg": "RS256"}, json.dumps(claims), op_keys["rsa"])

    jwks_uri = provider.metadata["jwks_uri"]
    public = op_keys["rsa"].as_dict(private=False)
    second = RSAKey.generate_key(2048, {"kid": "nrw-rsa-2", "alg": "RS256", "use": "sig"}).as_dict()
    for keys, accepted in (([public], True), ([public, second], False)):
        upstream.jwks_cache.put(provider.issuer, jwks_uri, keys)
        recorder = Recorder({provider.metadata["token_endpoint"]: id_token_rewriter(without_kid)})
        pending, params = sign_in(provider, "max")
        if accepted:
            assert complete(provider, pending, params, session=session_with(recorder)).subject == "max"
        else:
            with pytest.raises(UpstreamError) as refused:
                complete(provider, pending, params, session=session_with(recorder))
            assert refused.value.detail == "id_token: no key of the partner for kid None"


# -- the mapping on its own ------------------------------------------------------------------------
@pytest.mark.parametrize("birthdate, expected", [
    ("1964-08-12", "12.08.1964"),
    ("1970", "00.00.1970"),
    ("0000-08-12", None),  # OIDC's way of withholding the year
    ("1964-02-30", None),
    ("12.08.1964", None),
    (19640812, None),
])
def test_birthdate(birthdate, expected):
    assert account_values({"birthdate": birthdate}).get("birth_date") == expected


def test_address_is_taken_whole_from_its_best_source():
    plain = {"address": {"street_address": "Nebenweg 3a", "postal_code": "10115", "locality": "Berlin"}}
    verified = {"verified_claims": {
        "verification": {"trust_framework": "eidas", "assurance_level": "high"},
        "claims": {"address": {"street_address": "Hauptstraße 48-50", "locality": "Potsdam"}}}}
    got = {a.name: a for a in attributes_from_claims(plain, verified, Level.HOCH)}
    # No postal code of Berlin mixed into the verified address in Potsdam.
    assert got == {
        "street": RemoteAttribute("street", "Hauptstraße", Level.HOCH),
        "house_number": RemoteAttribute("house_number", "48-50", Level.HOCH),
        "city": RemoteAttribute("city", "Potsdam", Level.HOCH),
    }
    # Without a verification the plain address is taken, split the same way.
    assert {a.name: a.value for a in attributes_from_claims(plain, {}, Level.HOCH)} == {
        "street": "Nebenweg", "house_number": "3a", "postal_code": "10115", "city": "Berlin"}
