"""Discovery and the signing keys as an online service sees them: over HTTP, through
the document and the JWKS it points to, across a key rotation."""
import os
import time

import jwt as pyjwt
import pytest
import requests

from idp.loa import Level
from tests.support.cli import run
from tests.support.flows import exchange, obtain_code, tokens


@pytest.fixture
def discovery(live_server) -> dict:
    r = requests.get(live_server + "/.well-known/openid-configuration", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def jwks_of(discovery: dict) -> dict:
    r = requests.get(discovery["jwks_uri"], timeout=10)
    assert r.status_code == 200
    return r.json()


def verify(id_token: str, jwks: dict, client_id: str, issuer: str) -> dict:
    """What an online service does with an ID token: key by kid from the JWKS, then
    signature, issuer and audience."""
    header = pyjwt.get_unverified_header(id_token)
    matching = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert len(matching) == 1, f"kid {header['kid']} not in JWKS"
    key = pyjwt.PyJWK.from_dict(matching[0])
    return pyjwt.decode(id_token, key, algorithms=[header["alg"]], audience=client_id, issuer=issuer)


def test_discovery_document_describes_the_provider(app, discovery):
    issuer = app.config["SERVICEKONTO"].issuer
    assert discovery["issuer"] == issuer
    for endpoint, path in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                           ("userinfo_endpoint", "/userinfo"), ("jwks_uri", "/jwks"),
                           ("end_session_endpoint", "/logout")):
        assert discovery[endpoint] == issuer + path
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["subject_types_supported"] == ["pairwise"]
    assert set(discovery["id_token_signing_alg_values_supported"]) == {"ES256", "RS256"}
    assert "none" not in discovery["id_token_signing_alg_values_supported"]
    assert discovery["authorization_response_iss_parameter_supported"] is True
    assert discovery["claims_parameter_supported"] is True
    assert {"openid", "profile", "email"} <= set(discovery["scopes_supported"])
    assert {"authorization_code", "refresh_token"} <= set(discovery["grant_types_supported"])
    assert "implicit" not in discovery["grant_types_supported"]
    assert {"none", "login", "consent"} <= set(discovery["prompt_values_supported"])
    assert {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "loa", "given_name",
            "family_name", "email"} <= set(discovery["claims_supported"])
    assert discovery["backchannel_logout_supported"] is True


def test_discovery_lists_every_level_name_of_spec(discovery):
    acr = set(discovery["acr_values_supported"])
    assert {"http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial",
            "http://eidas.europa.eu/LoA/high"} <= acr
    assert {"niedrig", "substanziell", "hoch"} <= acr
    assert {"http://bsi.bund.de/eID/LoA/normal", "http://bsi.bund.de/eID/LoA/substantiell",
            "http://bsi.bund.de/eID/LoA/hoch"} <= acr
    assert {f"STORK-QAA-Level-{n}" for n in range(1, 5)} <= acr


def test_endpoints_named_in_discovery_answer(discovery):
    assert requests.get(discovery["authorization_endpoint"], timeout=10, allow_redirects=False).status_code == 400
    r = requests.post(discovery["token_endpoint"], data={"grant_type": "authorization_code"}, timeout=10)
    assert r.status_code in (400, 401) and "error" in r.json()
    assert requests.get(discovery["userinfo_endpoint"], timeout=10).status_code == 401


def test_jwks_has_keys_for_both_algorithms_and_no_private_parts(app, discovery):
    keys = jwks_of(discovery)["keys"]
    # One current key per algorithm, and the previous one after a rotation.
    for alg in ("ES256", "RS256"):
        assert 1 <= sum(k["alg"] == alg for k in keys) <= 2
    store = app.extensions["servicekonto.keys"]
    assert {store.signing_key(alg).kid for alg in ("ES256", "RS256")} <= {k["kid"] for k in keys}
    for key in keys:
        assert key["kid"] and key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert {k["kty"] for k in keys} == {"EC", "RSA"}


def test_id_token_verifies_with_the_published_jwks(app, discovery, user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    user_agent.login()
    id_token = tokens(user_agent, rp)["id_token"]
    assert pyjwt.get_unverified_header(id_token)["alg"] == "ES256"
    claims = verify(id_token, jwks_of(discovery), rp.client_id, discovery["issuer"])
    assert claims["loa"] == "niedrig"


def test_rs256_client_receives_rs256_id_token(app, discovery, user_agent, make_account, make_client):
    make_account()
    rp = make_client(id_token_alg="RS256")
    user_agent.login()
    id_token = tokens(user_agent, rp, nonce="rs")["id_token"]
    header = pyjwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256"
    jwks = jwks_of(discovery)
    assert next(k for k in jwks["keys"] if k["kid"] == header["kid"])["kty"] == "RSA"
    claims = verify(id_token, jwks, rp.client_id, discovery["issuer"])
    assert claims["nonce"] == "rs"
    assert claims["acr"] == Level.NIEDRIG.eidas_uri


def test_token_signed_before_rotation_verifies_after_it(app, discovery, user_agent, make_account, make_client):
    store = app.extensions["servicekonto.keys"]
    make_account()
    rp = make_client()
    user_agent.login()
    before = tokens(user_agent, rp)["id_token"]
    old_kid = pyjwt.get_unverified_header(before)["kid"]

    store.rotate()
    jwks = jwks_of(discovery)
    assert len(jwks["keys"]) == 4  # current and previous, per algorithm
    assert verify(before, jwks, rp.client_id, discovery["issuer"])["aud"] == rp.client_id
    after = exchange(user_agent, rp, obtain_code(user_agent, rp)).json["id_token"]
    new_kid = pyjwt.get_unverified_header(after)["kid"]
    assert new_kid != old_kid
    verify(after, jwks, rp.client_id, discovery["issuer"])

    # A second rotation retires the first generation: its tokens no longer verify.
    store.rotate()
    jwks = jwks_of(discovery)
    assert old_kid not in {k["kid"] for k in jwks["keys"]}
    assert new_kid in {k["kid"] for k in jwks["keys"]}
    with pytest.raises(AssertionError, match="not in JWKS"):
        verify(before, jwks, rp.client_id, discovery["issuer"])


def test_cli_key_rotation_is_published_without_restart(app, discovery, user_agent, make_account, make_client):
    settings = app.config["SERVICEKONTO"]
    make_account()
    rp = make_client(id_token_alg="RS256")
    user_agent.login()
    before = tokens(user_agent, rp)["id_token"]
    env = {**os.environ, "SERVICEKONTO_KEYS_DIR": str(settings.keys_dir), "DATABASE_URL": settings.database_url,
           "SERVICEKONTO_ISSUER": settings.issuer, "SERVICEKONTO_INSTANCE_DIR": str(settings.instance_dir)}
    out = run(env, "keys", "rotate")
    assert out.returncode == 0, out.stderr
    # A running server sees a rotation another key store made (the command's, which
    # shares nothing with it but the files) within a second (keys.STATE_CHECK_SECONDS).
    rotated = {line.split()[-1] for line in out.stdout.splitlines()}
    deadline = time.monotonic() + 5
    while True:
        jwks = jwks_of(discovery)
        published = {k["kid"] for k in jwks["keys"]}
        if rotated <= published:
            break
        assert time.monotonic() < deadline, "the rotation was not published"
        time.sleep(0.1)
    assert len(published) == 4
    verify(before, jwks, rp.client_id, discovery["issuer"])
    after = exchange(user_agent, rp, obtain_code(user_agent, rp)).json["id_token"]
    assert pyjwt.get_unverified_header(after)["kid"] != pyjwt.get_unverified_header(before)["kid"]
    verify(after, jwks, rp.client_id, discovery["issuer"])
