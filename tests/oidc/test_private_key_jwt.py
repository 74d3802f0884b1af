"""RFC 7523 `private_key_jwt` client authentication at /token, /introspect and
/revoke: what is accepted, and every refusal as `invalid_client`."""
import json
import secrets
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey

from idp import timeutil
from tests.conftest import RegisteredClient
from tests.support.client_keys import assertion, form, new_key, now, public_jwks, sign
from tests.support.flows import back_channel, obtain_code, userinfo

@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def rp(make_client, key):
    return make_client(name="Gewerbeanmeldung", token_endpoint_auth_method="private_key_jwt", jwks=public_jwks(key))


def code_request(user_agent, rp, **extra) -> dict:
    grant = obtain_code(user_agent, rp)
    return dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier, **extra)


def token(user_agent, data):
    return back_channel(user_agent).post("/token", data=data)


def assert_invalid_client(r):
    assert r.status_code in (400, 401), (r.status_code, r.json)
    assert r.json["error"] == "invalid_client", r.json
    assert "access_token" not in r.json


def test_code_flow_introspection_and_revocation_with_private_key_jwt(app, user_agent, erika, rp, key):
    assert rp.client_secret is None
    user_agent.login()
    r = token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp)))
    assert r.status_code == 200, r.json
    issued = r.json
    r = back_channel(user_agent).post("/introspect", data=form(assertion(app, rp, key), token=issued["access_token"]))
    assert r.json["active"] is True and r.json["client_id"] == rp.client_id
    r = back_channel(user_agent).post("/revoke", data=form(assertion(app, rp, key), token=issued["refresh_token"]))
    assert r.status_code == 200
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    refreshed = token(user_agent, form(assertion(app, rp, key), grant_type="refresh_token",
                                       refresh_token=issued["refresh_token"]))
    assert refreshed.status_code == 400 and refreshed.json["error"] == "invalid_grant"


def test_token_endpoint_as_audience_and_a_list_are_accepted(app, user_agent, erika, rp, key):
    user_agent.login()
    issuer = app.config["SERVICEKONTO"].issuer
    for aud in (issuer + "/token", [issuer, "https://anderswo.example"]):
        r = token(user_agent, form(assertion(app, rp, key, aud=aud), **code_request(user_agent, rp)))
        assert r.status_code == 200, (aud, r.json)


def test_ps256_and_rs256_with_an_rsa_key(app, user_agent, erika, make_client):
    rsa = new_key("RSA")
    rp = make_client(token_endpoint_auth_method="private_key_jwt", jwks=public_jwks(rsa))
    user_agent.login()
    for alg in ("PS256", "RS256"):
        r = token(user_agent, form(assertion(app, rp, rsa, alg=alg), **code_request(user_agent, rp)))
        assert r.status_code == 200, (alg, r.json)


@pytest.mark.parametrize("overrides, reason", [
    (dict(aud="https://anderer-dienst.example"), "aud"),
    (dict(aud=None), "aud"),
    (dict(iss="jemand-anderes"), "iss and sub"),
    (dict(exp=None), "exp"),
    (dict(jti=None), "jti"),
    (dict(exp="morgen"), "exp"),
    (dict(iat=10**10), "iat"),
], ids=["foreign-aud", "no-aud", "iss-not-sub", "no-exp", "no-jti", "exp-not-number", "iat-in-future"])
def test_assertion_claims_that_are_refused(app, user_agent, erika, rp, key, overrides, reason):
    user_agent.login()
    r = token(user_agent, form(assertion(app, rp, key, **overrides), **code_request(user_agent, rp)))
    assert_invalid_client(r)
    assert reason in r.json["error_description"]


def test_assertion_valid_for_more_than_five_minutes_is_refused(app, user_agent, erika, rp, key):
    user_agent.login()
    r = token(user_agent, form(assertion(app, rp, key, exp=now() + 600), **code_request(user_agent, rp)))
    assert_invalid_client(r)
    # Five minutes is fine.
    r = token(user_agent, form(assertion(app, rp, key, exp=now() + 300), **code_request(user_agent, rp)))
    assert r.status_code == 200, r.json


def test_expired_assertion_is_refused(app, user_agent, erika, rp, key):
    user_agent.login()
    stale = assertion(app, rp, key, exp=now() + 30)
    request = code_request(user_agent, rp)
    timeutil.travel(timedelta(seconds=50))
    assert_invalid_client(token(user_agent, form(stale, **request)))


def test_assertion_is_single_use(app, user_agent, erika, rp, key):
    user_agent.login()
    once = assertion(app, rp, key)
    assert token(user_agent, form(once, **code_request(user_agent, rp))).status_code == 200
    assert_invalid_client(token(user_agent, form(once, **code_request(user_agent, rp))))
    # Also when the first use failed for another reason (a bad code).
    twice = assertion(app, rp, key)
    r = token(user_agent, form(twice, **{**code_request(user_agent, rp), "code": "falsch"}))
    assert r.json["error"] == "invalid_grant"
    assert_invalid_client(token(user_agent, form(twice, **code_request(user_agent, rp))))


def test_unsigned_and_symmetric_assertions_are_refused(app, user_agent, erika, rp, key):
    import base64

    user_agent.login()
    t = now()
    claims = dict(iss=rp.client_id, sub=rp.client_id, aud=app.config["SERVICEKONTO"].issuer,
                  jti=secrets.token_urlsafe(16), exp=t + 60)

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none'})}.{b64(claims)}."
    assert_invalid_client(token(user_agent, form(unsigned, **code_request(user_agent, rp))))
    hmac = OctKey.generate_key(256)
    symmetric = jwt.encode({"alg": "HS256"}, {**claims, "jti": "x2"}, hmac, algorithms=["HS256"])
    assert_invalid_client(token(user_agent, form(symmetric, **code_request(user_agent, rp))))
    # ES512 is no FAPI algorithm, even with a valid signature of a P-521 key.
    p521 = ECKey.generate_key("P-521")
    es512 = jwt.encode({"alg": "ES512", "kid": key.kid}, {**claims, "jti": "x3"}, p521, algorithms=["ES512"])
    assert_invalid_client(token(user_agent, form(es512, **code_request(user_agent, rp))))


def test_assertion_signed_with_an_unregistered_key_is_refused(app, user_agent, erika, rp):
    user_agent.login()
    stranger = new_key(kid="fremd")
    assert_invalid_client(token(user_agent, form(assertion(app, rp, stranger), **code_request(user_agent, rp))))
    # The same with the registered key's kid.
    assert_invalid_client(token(user_agent, form(sign(stranger, dict(
        iss=rp.client_id, sub=rp.client_id, aud=app.config["SERVICEKONTO"].issuer, jti="y", exp=now() + 60)),
        **code_request(user_agent, rp))))


def test_methods_are_not_mixed(app, user_agent, erika, rp, key, make_client):
    user_agent.login()
    # The private_key_jwt client has no secret and is no public client.
    request = code_request(user_agent, rp)
    assert_invalid_client(back_channel(user_agent).post("/token", data=request, auth=(rp.client_id, "geraten")))
    assert_invalid_client(token(user_agent, {**request, "client_id": rp.client_id}))
    # A client with a secret cannot switch to an assertion, even one signed by a key.
    secretive = make_client(redirect_uri="http://127.0.0.1:9/geheim")
    other = RegisteredClient(secretive.client_id, None, secretive.redirect_uri)
    assert_invalid_client(token(user_agent, form(assertion(app, other, key), **code_request(user_agent, secretive))))


def test_discovery_lists_private_key_jwt(user_agent):
    meta = back_channel(user_agent).get("/.well-known/openid-configuration").json
    for prefix in ("token", "revocation", "introspection"):
        assert "private_key_jwt" in meta[f"{prefix}_endpoint_auth_methods_supported"]
        assert meta[f"{prefix}_endpoint_auth_signing_alg_values_supported"] == ["ES256", "RS256", "PS256"]


def test_purge_removes_used_assertion_ids_once_expired(app, user_agent, erika, rp, key):
    from idp.extensions import db
    from idp.maintenance import purge_expired
    from idp.oidc.models import ClientAssertionUse

    user_agent.login()
    assert token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp))).status_code == 200
    with app.app_context():
        assert purge_expired()["used client assertion IDs"] == 0
        timeutil.travel(timedelta(minutes=2))
        assert purge_expired()["used client assertion IDs"] == 1
        assert db.session.query(ClientAssertionUse).count() == 0


# -- keys at a jwks_uri ----------------------------------------------------------------------
class JwksServer:
    def __init__(self, jwks: dict):
        self.jwks = jwks
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.fetches += 1
                body = json.dumps(owner.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks_server(key):
    server = JwksServer(public_jwks(key))
    yield server
    server.close()


def test_keys_from_jwks_uri_are_cached_and_refetched_for_a_new_kid(app, user_agent, erika, make_client, key,
                                                                    jwks_server, monkeypatch):
    from idp.oidc import rfc7523

    rp = make_client(token_endpoint_auth_method="private_key_jwt", jwks_uri=jwks_server.url)
    user_agent.login()
    for _ in range(2):
        assert token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp))).status_code == 200
    assert jwks_server.fetches == 1
    # The service rotates: the next assertion names a key the cache does not know.
    rotated = new_key(kid="neu")
    jwks_server.jwks = public_jwks(rotated)
    # Right after a fetch an unknown kid is not fetched again (no fetch storms) ...
    assert_invalid_client(token(user_agent, form(assertion(app, rp, rotated), **code_request(user_agent, rp))))
    assert jwks_server.fetches == 1
    # ... but after the short gap it is.
    monkeypatch.setattr(rfc7523, "JWKS_REFETCH_GAP", 0)
    assert token(user_agent, form(assertion(app, rp, rotated), **code_request(user_agent, rp))).status_code == 200
    assert jwks_server.fetches == 2
    # The retired key is gone with the old set.
    assert_invalid_client(token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp))))


def test_unreachable_jwks_uri_is_invalid_client(app, user_agent, erika, make_client, key):
    from tests.conftest import free_port

    rp = make_client(token_endpoint_auth_method="private_key_jwt", jwks_uri=f"http://127.0.0.1:{free_port()}/jwks")
    user_agent.login()
    assert_invalid_client(token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp))))


# -- registration --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, complaint", [
    (dict(token_endpoint_auth_method="private_key_jwt"), "either jwks or jwks-uri"),
    (dict(token_endpoint_auth_method="private_key_jwt", jwks="__public__", jwks_uri="https://dienst.example/jwks"),
     "either jwks or jwks-uri"),
    (dict(token_endpoint_auth_method="private_key_jwt", jwks="__private__"), "public EC or RSA keys only"),
    (dict(token_endpoint_auth_method="private_key_jwt", jwks={"keys": []}), "non-empty"),
    (dict(token_endpoint_auth_method="private_key_jwt", jwks_uri="http://dienst.example/jwks"), "https"),
    (dict(jwks="__public__"), "private_key_jwt clients only"),
    (dict(public=True, token_endpoint_auth_method="private_key_jwt", jwks="__public__"), "public client"),
    (dict(token_endpoint_auth_method="tls_client_auth"), "must be one of"),
])
def test_registration_refuses_inconsistent_authentication(app, key, kwargs, complaint):
    from idp.clients import ClientError, add_client

    if kwargs.get("jwks") == "__public__":
        kwargs["jwks"] = public_jwks(key)
    elif kwargs.get("jwks") == "__private__":
        kwargs["jwks"] = {"keys": [key.as_dict(private=True)]}
    with app.app_context(), pytest.raises(ClientError, match=complaint):
        add_client("Dienst", ["https://dienst.example/cb"], **kwargs)


def test_registration_of_the_methods(app, key):
    from idp.clients import add_client, describe

    with app.app_context():
        for method, has_secret in (("client_secret_basic", True), ("client_secret_post", True), ("none", False)):
            client, secret = add_client("Dienst", ["https://dienst.example/cb"], token_endpoint_auth_method=method)
            assert bool(secret) == has_secret and client.public == (method == "none")
            assert describe(client)["token_endpoint_auth_method"] == method
        client, secret = add_client("Dienst", ["https://dienst.example/cb"], jwks_uri="https://dienst.example/jwks",
                                    token_endpoint_auth_method="private_key_jwt")
        assert secret is None and not client.public and describe(client)["jwks_uri"] == "https://dienst.example/jwks"


def test_cli_registers_a_private_key_jwt_client(app, tmp_path, user_agent, erika, key):
    from tests.support.cli import run_cli

    jwks_file = tmp_path / "dienst-jwks.json"
    jwks_file.write_text(json.dumps(public_jwks(key)))
    out = run_cli(app, tmp_path, "clients", "add", "--name", "Gewerbe", "--redirect-uri", "http://127.0.0.1:9/cb",
                  "--token-endpoint-auth-method", "private_key_jwt", "--jwks", str(jwks_file))
    assert out.returncode == 0, out.stderr
    new = json.loads(out.stdout)
    assert "client_secret" not in new and new["token_endpoint_auth_method"] == "private_key_jwt"
    rp = RegisteredClient(new["client_id"], None, "http://127.0.0.1:9/cb")
    user_agent.login()
    assert token(user_agent, form(assertion(app, rp, key), **code_request(user_agent, rp))).status_code == 200
    # Keys without the method to use them are refused, and nothing is added.
    out = run_cli(app, tmp_path, "clients", "add", "--name", "X", "--redirect-uri", "http://127.0.0.1:9/x",
                  "--jwks-uri", "https://dienst.example/jwks")
    assert out.returncode != 0 and "private_key_jwt clients only" in out.stderr
