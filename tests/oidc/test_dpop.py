"""RFC 9449 DPoP as an online service meets it: proofs at /token, key-bound tokens at
/userinfo and in introspection, and every way a proof is refused."""
import base64
import hashlib
import json
import uuid
from datetime import timedelta, timezone

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from idp import timeutil
from tests.support.flows import back_channel, obtain_code

PUBLIC_REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def rp(make_client):
    return make_client(name="Wohngeld")


@pytest.fixture
def strict(make_client):
    return make_client(name="Elterngeld", dpop=True)


@pytest.fixture
def app_client(make_client):
    return make_client(name="Wohngeld-App", public=True)


@pytest.fixture
def key():
    return ECKey.generate_key("P-256")


def now() -> int:
    return int(timeutil.utcnow().replace(tzinfo=timezone.utc).timestamp())


def proof(app, key, method="POST", path="/token", *, access_token=None, nonce=None, typ="dpop+jwt",
          alg="ES256", jwk=None, **claims) -> str:
    body = {"jti": uuid.uuid4().hex, "htm": method, "htu": app.config["SERVICEKONTO"].issuer + path, "iat": now()}
    if access_token:
        body["ath"] = base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
    if nonce:
        body["nonce"] = nonce
    body.update(claims)
    header = {"typ": typ, "alg": alg, "jwk": jwk if jwk is not None else key.as_dict(private=False)}
    return jwt.encode(header, {k: v for k, v in body.items() if v is not None}, key, algorithms=[alg])


def code_request(user_agent, rp) -> dict:
    grant = obtain_code(user_agent, rp)
    return dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier)


def token_with(user_agent, rp, data, dpop=None):
    headers = {"DPoP": dpop} if dpop else {}
    if rp.client_secret is None:
        return back_channel(user_agent).post("/token", data={**data, "client_id": rp.client_id}, headers=headers)
    return back_channel(user_agent).post("/token", data=data, auth=(rp.client_id, rp.client_secret), headers=headers)


def nonce_for(app, user_agent, rp, key, data) -> str:
    r = token_with(user_agent, rp, data, proof(app, key))
    assert r.status_code == 400 and r.json["error"] == "use_dpop_nonce", r.json
    return r.headers["DPoP-Nonce"]


def userinfo(user_agent, access_token, dpop=None, scheme="DPoP"):
    headers = {"Authorization": f"{scheme} {access_token}"}
    if dpop:
        headers["DPoP"] = dpop
    return back_channel(user_agent).get("/userinfo", headers=headers)


def bound_tokens(app, user_agent, rp, key) -> dict:
    user_agent.login()
    r = token_with(user_agent, rp, code_request(user_agent, rp), proof(app, key))
    assert r.status_code == 200, r.json
    return r.json


# -- token endpoint ------------------------------------------------------------------------


def test_discovery_names_the_proof_algorithms(user_agent):
    meta = back_channel(user_agent).get("/.well-known/openid-configuration").json
    assert {"ES256", "RS256", "PS256"} <= set(meta["dpop_signing_alg_values_supported"])


def test_a_proof_binds_the_tokens_to_the_key(app, user_agent, erika, rp, key):
    issued = bound_tokens(app, user_agent, rp, key)
    assert issued["token_type"] == "DPoP"
    r = userinfo(user_agent, issued["access_token"], proof(app, key, "GET", "/userinfo",
                                                           access_token=issued["access_token"]))
    assert r.status_code == 200 and r.json["sub"]


def test_without_a_proof_a_client_not_registered_for_dpop_gets_bearer_tokens(app, user_agent, erika, rp):
    user_agent.login()
    r = token_with(user_agent, rp, code_request(user_agent, rp))
    assert r.status_code == 200 and r.json["token_type"] == "Bearer"


def test_a_dpop_client_must_send_a_proof_and_a_server_nonce(app, user_agent, erika, strict, key):
    user_agent.login()
    data = code_request(user_agent, strict)
    r = token_with(user_agent, strict, data)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"
    nonce = nonce_for(app, user_agent, strict, key, data)
    stale = proof(app, key, nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    r = token_with(user_agent, strict, data, stale)
    assert r.json["error"] == "use_dpop_nonce" and r.headers["DPoP-Nonce"]
    # The refusals left the code usable: the retry with the nonce succeeds.
    r = token_with(user_agent, strict, data, proof(app, key, nonce=nonce))
    assert r.status_code == 200 and r.json["token_type"] == "DPoP", r.json


def test_a_nonce_expires_after_its_window(app, user_agent, erika, strict, key):
    user_agent.login()
    data = code_request(user_agent, strict)
    nonce = nonce_for(app, user_agent, strict, key, data)
    issued = token_with(user_agent, strict, data, proof(app, key, nonce=nonce)).json
    refresh = dict(grant_type="refresh_token", refresh_token=issued["refresh_token"])
    timeutil.travel(timedelta(seconds=290))
    r = token_with(user_agent, strict, refresh, proof(app, key, nonce=nonce))
    assert r.status_code == 200, r.json  # still the window of the nonce or the one after
    refresh["refresh_token"] = r.json["refresh_token"]
    timeutil.travel(timedelta(seconds=601))
    r = token_with(user_agent, strict, refresh, proof(app, key, nonce=nonce))
    assert r.status_code == 400 and r.json["error"] == "use_dpop_nonce"
    r = token_with(user_agent, strict, refresh, proof(app, key, nonce=r.headers["DPoP-Nonce"]))
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("change, what", [
    (dict(typ="JWT"), "typ"),
    (dict(alg="HS256"), "alg"),
    (dict(method="GET"), "htm"),
    (dict(path="/userinfo"), "htu"),
    (dict(htu="https://anderer-dienst.example/token"), "htu elsewhere"),
    (dict(iat_shift=-120), "iat too old"),
    (dict(iat_shift=120), "iat in the future"),
    (dict(jti=None), "no jti"),
])
def test_malformed_proofs_are_refused(app, user_agent, erika, rp, key, change, what):
    user_agent.login()
    data = code_request(user_agent, rp)
    change = dict(change)
    if change.get("alg") == "HS256":
        dpop = proof(app, key, alg="ES256")
        head, body, sig = dpop.split(".")
        header = base64.urlsafe_b64encode(b'{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}')
        dpop = ".".join([header.rstrip(b"=").decode(), body, sig])
    else:
        shift = change.pop("iat_shift", 0)
        dpop = proof(app, key, iat=now() + shift, **change)
    r = token_with(user_agent, rp, data, dpop)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof", (what, r.json)


def test_a_proof_with_the_private_key_in_its_header_is_refused(app, user_agent, erika, rp, key):
    user_agent.login()
    dpop = proof(app, key, jwk=key.as_dict(private=True))
    r = token_with(user_agent, rp, code_request(user_agent, rp), dpop)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"


def test_a_proof_signed_by_another_key_than_its_header_names_is_refused(app, user_agent, erika, rp, key):
    user_agent.login()
    other = ECKey.generate_key("P-256")
    dpop = proof(app, key, jwk=other.as_dict(private=False))
    r = token_with(user_agent, rp, code_request(user_agent, rp), dpop)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"


def test_two_proof_headers_are_refused(app, user_agent, erika, rp, key):
    user_agent.login()
    data = code_request(user_agent, rp)
    r = back_channel(user_agent).post("/token", data=data, auth=(rp.client_id, rp.client_secret),
                                      headers=[("DPoP", proof(app, key)), ("DPoP", proof(app, key))])
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"


def test_a_proof_is_used_once(app, user_agent, erika, rp, key):
    user_agent.login()
    dpop = proof(app, key)
    assert token_with(user_agent, rp, code_request(user_agent, rp), dpop).status_code == 200
    r = token_with(user_agent, rp, code_request(user_agent, rp), dpop)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"


@pytest.mark.parametrize("alg, make", [("RS256", lambda: RSAKey.generate_key(2048)),
                                       ("PS256", lambda: RSAKey.generate_key(2048)),
                                       ("EdDSA", lambda: OKPKey.generate_key("Ed25519")),
                                       ("Ed25519", lambda: OKPKey.generate_key("Ed25519"))])
def test_other_proof_algorithms_are_accepted(app, user_agent, erika, rp, alg, make):
    user_agent.login()
    rsa = make()
    r = token_with(user_agent, rp, code_request(user_agent, rp), proof(app, rsa, alg=alg))
    assert r.status_code == 200 and r.json["token_type"] == "DPoP"


# -- refresh -------------------------------------------------------------------------------


def test_a_public_clients_refresh_token_is_bound_to_the_key(app, user_agent, erika, app_client, key):
    issued = bound_tokens(app, user_agent, app_client, key)
    refresh = dict(grant_type="refresh_token", refresh_token=issued["refresh_token"])
    other = ECKey.generate_key("P-256")
    r = token_with(user_agent, app_client, refresh, proof(app, other))
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"
    r = token_with(user_agent, app_client, refresh)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"
    r = token_with(user_agent, app_client, refresh, proof(app, key))
    assert r.status_code == 200 and r.json["token_type"] == "DPoP"
    rotated = r.json
    assert rotated["refresh_token"] != issued["refresh_token"]
    # The old refresh token is spent; the new one works with the key.
    again = dict(grant_type="refresh_token", refresh_token=rotated["refresh_token"])
    assert token_with(user_agent, app_client, again, proof(app, key)).status_code == 200


def test_a_confidential_clients_refresh_needs_a_proof_but_may_change_keys(app, user_agent, erika, rp, key):
    issued = bound_tokens(app, user_agent, rp, key)
    refresh = dict(grant_type="refresh_token", refresh_token=issued["refresh_token"])
    r = token_with(user_agent, rp, refresh)
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"
    other = ECKey.generate_key("P-256")
    r = token_with(user_agent, rp, refresh, proof(app, other))
    assert r.status_code == 200 and r.json["token_type"] == "DPoP"
    access = r.json["access_token"]
    r = userinfo(user_agent, access, proof(app, key, "GET", "/userinfo", access_token=access))
    assert r.status_code == 401 and r.json["error"] == "invalid_dpop_proof"
    assert userinfo(user_agent, access, proof(app, other, "GET", "/userinfo", access_token=access)).status_code == 200


# -- resources -----------------------------------------------------------------------------


def test_a_bound_token_is_refused_as_bearer(app, user_agent, erika, rp, key):
    issued = bound_tokens(app, user_agent, rp, key)
    r = userinfo(user_agent, issued["access_token"], scheme="Bearer")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')


def test_a_bearer_token_is_refused_as_dpop(app, user_agent, erika, rp, key):
    user_agent.login()
    access = token_with(user_agent, rp, code_request(user_agent, rp)).json["access_token"]
    r = userinfo(user_agent, access, proof(app, key, "GET", "/userinfo", access_token=access))
    assert r.status_code == 401 and r.json["error"] == "invalid_token"


@pytest.mark.parametrize("what", ["no proof", "no ath", "wrong ath", "wrong htm", "wrong htu", "other key",
                                  "replayed"])
def test_userinfo_refuses_a_bad_proof(app, user_agent, erika, rp, key, what):
    issued = bound_tokens(app, user_agent, rp, key)
    access = issued["access_token"]
    good = dict(method="GET", path="/userinfo", access_token=access)
    dpop = {
        "no proof": None,
        "no ath": proof(app, key, "GET", "/userinfo"),
        "wrong ath": proof(app, key, "GET", "/userinfo", access_token=access + "x"),
        "wrong htm": proof(app, key, "POST", "/userinfo", access_token=access),
        "wrong htu": proof(app, key, "GET", "/token", access_token=access),
        "other key": proof(app, ECKey.generate_key("P-256"), **good),
        "replayed": proof(app, key, **good),
    }[what]
    if what == "replayed":
        assert userinfo(user_agent, access, dpop).status_code == 200
    r = userinfo(user_agent, access, dpop)
    assert r.status_code == 401 and r.json["error"] == "invalid_dpop_proof", (what, r.json)
    challenge = r.headers["WWW-Authenticate"]
    assert challenge.startswith('DPoP error="invalid_dpop_proof"') and 'algs="ES256' in challenge


def test_userinfo_asks_a_dpop_client_for_a_nonce(app, user_agent, erika, strict, key):
    user_agent.login()
    data = code_request(user_agent, strict)
    nonce = nonce_for(app, user_agent, strict, key, data)
    access = token_with(user_agent, strict, data, proof(app, key, nonce=nonce)).json["access_token"]
    r = userinfo(user_agent, access, proof(app, key, "GET", "/userinfo", access_token=access))
    assert r.status_code == 401 and r.json["error"] == "use_dpop_nonce"
    assert r.headers["WWW-Authenticate"].startswith('DPoP error="use_dpop_nonce"')
    fresh = r.headers["DPoP-Nonce"]
    r = userinfo(user_agent, access, proof(app, key, "GET", "/userinfo", access_token=access, nonce=fresh))
    assert r.status_code == 200


def test_introspection_names_the_key(app, user_agent, erika, rp, app_client, key):
    issued = bound_tokens(app, user_agent, rp, key)
    body = back_channel(user_agent).post("/introspect", data={"token": issued["access_token"]},
                                         auth=(rp.client_id, rp.client_secret)).json
    assert body["active"] is True and body["token_type"] == "DPoP"
    assert body["cnf"] == {"jkt": key.thumbprint()}
    refresh = back_channel(user_agent).post("/introspect", data={"token": issued["refresh_token"]},
                                            auth=(rp.client_id, rp.client_secret)).json
    assert refresh["active"] is True and "cnf" not in refresh  # RFC 9449 §5: not bound for confidential clients


def test_purge_removes_expired_proof_ids(app, user_agent, erika, rp, key):
    from idp.extensions import db
    from idp.maintenance import purge_expired
    from idp.oidc.models import DPoPProofUse

    bound_tokens(app, user_agent, rp, key)
    timeutil.travel(timedelta(seconds=120))
    with app.app_context():
        assert db.session.query(DPoPProofUse).count() == 1
        assert purge_expired()["used DPoP proof IDs"] == 1
        assert db.session.query(DPoPProofUse).count() == 0


def test_clients_add_with_dpop_registers_a_client_that_must_send_proofs(app, tmp_path, user_agent, erika):
    from tests.conftest import RegisteredClient
    from tests.support.cli import run_cli

    out = run_cli(app, tmp_path, "clients", "add", "--name", "Kindergeld", "--redirect-uri", PUBLIC_REDIRECT, "--dpop")
    assert out.returncode == 0, out.stderr
    new = json.loads(out.stdout)
    assert new["dpop_bound_access_tokens"] is True
    rp = RegisteredClient(new["client_id"], new["client_secret"], PUBLIC_REDIRECT)
    user_agent.login()
    r = token_with(user_agent, rp, code_request(user_agent, rp))
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof"


# -- authorization code binding (§10) and nonces on success (§8.2) --------------------------


def test_a_code_bound_by_dpop_jkt_goes_only_with_a_proof_of_that_key(app, user_agent, erika, rp, key):
    other = ECKey.generate_key("P-256")
    user_agent.login()
    grant = obtain_code(user_agent, rp, dpop_jkt=key.thumbprint())
    data = dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier)
    for attempt in (None, proof(app, other)):
        r = token_with(user_agent, rp, data, attempt)
        assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof", r.json
    r = token_with(user_agent, rp, data, proof(app, key))
    assert r.status_code == 200 and r.json["token_type"] == "DPoP", r.json


def test_a_malformed_dpop_jkt_is_refused(user_agent, erika, rp):
    from tests.support.flows import authorize_query, location, query_of
    from tests.conftest import pkce_pair

    user_agent.login()
    _, challenge = pkce_pair()
    answer = query_of(location(user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, dpop_jkt="kein-fingerabdruck"))))
    assert answer["error"] == "invalid_request" and "dpop_jkt" in answer["error_description"]


def test_successful_answers_carry_the_next_nonce(app, user_agent, erika, strict, key):
    user_agent.login()
    data = code_request(user_agent, strict)
    nonce = nonce_for(app, user_agent, strict, key, data)
    r = token_with(user_agent, strict, data, proof(app, key, nonce=nonce))
    assert r.status_code == 200 and r.headers["DPoP-Nonce"]
    access = r.json["access_token"]
    answer = userinfo(user_agent, access, proof(app, key, "GET", "/userinfo", access_token=access,
                                                 nonce=r.headers["DPoP-Nonce"]))
    assert answer.status_code == 200 and answer.headers["DPoP-Nonce"]
    # A bearer answer has none.
    assert "DPoP-Nonce" not in token_with(user_agent, strict, {"grant_type": "x"}).headers
