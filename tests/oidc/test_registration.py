"""Dynamic client registration (RFC 7591) and its management (RFC 7592), guarded by
the operator's single-use initial access token; every refusal as a standard error."""
import json
from datetime import timedelta

import pytest

from idp import timeutil
from idp.oidc.registration import issue_initial_token
from tests.conftest import RegisteredClient
from tests.support.cli import run_cli
from tests.support.client_keys import assertion, form, new_key, public_jwks
from tests.support.client_registration import CALLBACK, METADATA, manage, register
from tests.support.flows import tokens


@pytest.fixture
def initial(app):
    def issue(validity=timedelta(days=1)) -> str:
        with app.app_context():
            return issue_initial_token(validity)[0]

    return issue


def assert_invalid_token(r):
    assert r.status_code == 401 and r.json == {"error": "invalid_token"}, (r.status_code, r.json)
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_registered_client_signs_in_and_manages_itself(app, user_agent, make_account, initial):
    client = app.test_client()
    r = register(client, initial())
    assert r.status_code == 201, r.json
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json
    assert body["client_secret"] and body["client_secret_expires_at"] == 0
    assert body["registration_access_token"]
    issuer = app.config["SERVICEKONTO"].issuer
    assert body["registration_client_uri"] == f"{issuer}/register/{body['client_id']}"
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["grant_types"] == ["authorization_code", "refresh_token"] and body["response_types"] == ["code"]

    make_account()
    user_agent.login()
    rp = RegisteredClient(body["client_id"], body["client_secret"], CALLBACK)
    assert tokens(user_agent, rp)["id_token"]

    read = manage(client, "GET", body)
    assert read.status_code == 200 and read.json["client_name"] == "Hundesteuer"
    assert "client_secret" not in read.json and "registration_access_token" not in read.json
    changed = manage(client, "PUT", body, {**METADATA, "client_id": body["client_id"], "client_name": "Hundesteuer 2",
                                           "userinfo_signed_response_alg": "ES256"})
    assert changed.status_code == 200, changed.json
    assert changed.json["client_name"] == "Hundesteuer 2" and changed.json["userinfo_signed_response_alg"] == "ES256"
    assert "client_secret" not in changed.json  # the secret stays as it is
    assert tokens(user_agent, rp)["access_token"]

    assert manage(client, "DELETE", body).status_code == 204
    assert_invalid_token(manage(client, "GET", body))


def test_initial_access_token_is_single_use(app, initial):
    client, token = app.test_client(), initial()
    assert register(client, token).status_code == 201
    assert_invalid_token(register(client, token))


def test_refused_metadata_leave_the_initial_token_usable(app, initial):
    client, token = app.test_client(), initial()
    r = register(client, token, {"client_name": "X", "redirect_uris": ["http://dienst.example.de/cb"]})
    assert r.status_code == 400 and r.json["error"] == "invalid_redirect_uri"
    assert register(client, token).status_code == 201


@pytest.mark.parametrize("token", [None, "unbekannt"])
def test_registration_without_a_valid_initial_token(app, token):
    assert_invalid_token(register(app.test_client(), token))


def test_expired_initial_token(app, initial):
    token = initial(timedelta(seconds=60))
    timeutil.travel(timedelta(seconds=61))
    assert_invalid_token(register(app.test_client(), token))


@pytest.mark.parametrize("metadata, error", [
    ({"client_name": "X"}, "invalid_redirect_uri"),
    ({"client_name": "X", "redirect_uris": ["https://dienst.example.de/cb#frag"]}, "invalid_redirect_uri"),
    ({"client_name": "X", "redirect_uris": "https://dienst.example.de/cb"}, "invalid_client_metadata"),
    ({"redirect_uris": [CALLBACK]}, "invalid_client_metadata"),
    ({**METADATA, "token_endpoint_auth_method": "client_secret_jwt"}, "invalid_client_metadata"),
    ({**METADATA, "token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"),
    ({**METADATA, "jwks": {"keys": [{"kty": "EC"}]}, "token_endpoint_auth_method": "private_key_jwt"},
     "invalid_client_metadata"),
    ({**METADATA, "jwks_uri": "https://dienst.example.de/jwks"}, "invalid_client_metadata"),
    ({**METADATA, "id_token_signed_response_alg": "none"}, "invalid_client_metadata"),
    ({**METADATA, "userinfo_signed_response_alg": "HS256"}, "invalid_client_metadata"),
    ({**METADATA, "grant_types": ["implicit"]}, "invalid_client_metadata"),
    ({**METADATA, "grant_types": ["refresh_token"]}, "invalid_client_metadata"),
    ({**METADATA, "response_types": ["code id_token"]}, "invalid_client_metadata"),
    ({**METADATA, "grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"},
     "invalid_client_metadata"),
    ([1, 2], "invalid_client_metadata"),
])
def test_refused_metadata(app, initial, metadata, error):
    r = register(app.test_client(), initial(), metadata)
    assert r.status_code == 400 and r.json["error"] == error, r.json
    assert r.json["error_description"]


def test_private_key_jwt_and_client_credentials_service(app, initial):
    key = new_key()
    r = register(app.test_client(), initial(), {"client_name": "Postfach", "grant_types": ["client_credentials"],
                                                "response_types": [], "token_endpoint_auth_method": "private_key_jwt",
                                                "jwks": public_jwks(key), "software_id": "unbekannt-und-ignoriert"})
    assert r.status_code == 201, r.json
    assert "client_secret" not in r.json and r.json["grant_types"] == ["client_credentials"]
    service = RegisteredClient(r.json["client_id"], None, "")
    answer = app.test_client().post("/token", data=form(assertion(app, service, key),
                                                        grant_type="client_credentials", scope="postfach"))
    assert answer.status_code == 200, answer.json


def test_public_client(app, initial):
    r = register(app.test_client(), initial(), {**METADATA, "token_endpoint_auth_method": "none"})
    assert r.status_code == 201 and "client_secret" not in r.json


def test_management_refusals(app, initial, make_client):
    client = app.test_client()
    body = register(client, initial()).json
    other = register(client, initial()).json
    # Another client's registration access token, a wrong one, and an operator's client.
    assert_invalid_token(manage(client, "GET", body, token=other["registration_access_token"]))
    assert_invalid_token(manage(client, "GET", body, token="falsch"))
    rp = make_client()
    assert_invalid_token(manage(client, "GET", {**body, "registration_client_uri": f"/register/{rp.client_id}"}))
    r = manage(client, "PUT", body, {**METADATA, "client_id": "anderer"})
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = manage(client, "PUT", body, {**METADATA, "client_id": body["client_id"], "client_secret": "falsch"})
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = manage(client, "PUT", body, {"client_id": body["client_id"], "client_name": "X",
                                     "redirect_uris": ["ftp://x"]})
    assert r.status_code == 400 and r.json["error"] == "invalid_redirect_uri"
    assert manage(client, "GET", body).json["client_name"] == "Hundesteuer"


def test_disabled_client_cannot_manage_itself(app, initial):
    from idp.clients import set_disabled

    client = app.test_client()
    body = register(client, initial()).json
    with app.app_context():
        set_disabled(body["client_id"], True)
    assert_invalid_token(manage(client, "GET", body))


def test_purge_removes_expired_initial_tokens(app, initial):
    from idp.extensions import db
    from idp.maintenance import purge_expired
    from idp.oidc.models import InitialAccessToken

    initial(timedelta(seconds=60))
    kept = initial()
    timeutil.travel(timedelta(seconds=61))
    with app.app_context():
        assert purge_expired()["initial access tokens"] == 1
        assert db.session.query(InitialAccessToken).count() == 1
    assert register(app.test_client(), kept).status_code == 201


def test_discovery_names_the_endpoint(app):
    meta = app.test_client().get("/.well-known/openid-configuration").json
    assert meta["registration_endpoint"] == app.config["SERVICEKONTO"].issuer + "/register"


def test_cli_issues_an_initial_access_token(app, tmp_path):
    out = run_cli(app, tmp_path, "clients", "registration-token", "--expires-in", "600")
    assert out.returncode == 0, out.stderr
    issued = json.loads(out.stdout)
    r = register(app.test_client(), issued["initial_access_token"])
    assert r.status_code == 201, r.json
