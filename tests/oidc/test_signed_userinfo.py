"""Signed userinfo (OIDC Core §5.3.2) for services registered with
`userinfo_signed_response_alg`: a JWT with the provider's key, iss and aud."""
import json

import jwt as pyjwt
import pytest

from idp.clients import ClientError, add_client
from tests.support.cli import run_cli
from tests.support.flows import tokens, userinfo


@pytest.fixture
def erika(make_account):
    return make_account()


def verify(app, user_agent, answer: str, client_id: str) -> dict:
    jwks = user_agent.client.get("/jwks").json
    header = pyjwt.get_unverified_header(answer)
    key = pyjwt.PyJWK.from_dict(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    return pyjwt.decode(answer, key, algorithms=[header["alg"]], audience=client_id,
                        issuer=app.config["SERVICEKONTO"].issuer)


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_userinfo_is_a_signed_jwt(app, user_agent, erika, make_client, alg):
    rp = make_client(userinfo_alg=alg)
    user_agent.login()
    issued = tokens(user_agent, rp, scope="openid profile")
    r = userinfo(user_agent, issued["access_token"])
    assert r.status_code == 200
    assert r.mimetype == "application/jwt"
    assert r.headers["Cache-Control"] == "no-store"
    assert pyjwt.get_unverified_header(r.data.decode())["alg"] == alg
    claims = verify(app, user_agent, r.data.decode(), rp.client_id)
    plain = pyjwt.decode(issued["id_token"], options={"verify_signature": False})
    assert claims["sub"] == plain["sub"]
    assert claims["family_name"] == "Mustermann"


def test_without_the_setting_userinfo_stays_json(user_agent, erika, make_client):
    rp = make_client()
    user_agent.login()
    r = userinfo(user_agent, tokens(user_agent, rp)["access_token"])
    assert r.mimetype == "application/json" and "sub" in r.json and "iss" not in r.json


def test_refusals_stay_json_errors(user_agent, make_client):
    make_client(userinfo_alg="ES256")
    r = userinfo(user_agent, "unbekannt")
    assert r.status_code == 401 and r.json["error"] == "invalid_token"


def test_unknown_algorithm_is_refused(app):
    with app.app_context(), pytest.raises(ClientError, match="userinfo-signed-response-alg"):
        add_client("Dienst", ["https://dienst.example.de/cb"], userinfo_alg="HS256")


def test_discovery_names_the_algorithms(app):
    meta = app.test_client().get("/.well-known/openid-configuration").json
    assert meta["userinfo_signing_alg_values_supported"] == ["ES256", "RS256"]


def test_cli_registers_the_algorithm(app, tmp_path):
    out = run_cli(app, tmp_path, "clients", "add", "--name", "Signiert", "--redirect-uri",
                  "https://dienst.example.de/cb", "--userinfo-signed-response-alg", "RS256")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["userinfo_signed_response_alg"] == "RS256"
