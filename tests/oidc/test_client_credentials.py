"""RFC 6749 §4.4 client credentials: a service's own token for service-to-service
scopes, never personal data; every refusal as a standard error."""
from datetime import timedelta

import pytest
from idp import timeutil
from idp.clients import ClientError, add_client
from tests.conftest import RegisteredClient
from tests.support.cli import run_cli
from tests.support.client_keys import assertion, dpop_proof, form, new_key, public_jwks
from tests.support.flows import userinfo


@pytest.fixture
def make_service(app):
    def make(**kwargs) -> RegisteredClient:
        kwargs.setdefault("grants", ["client_credentials"])
        with app.app_context():
            client, secret = add_client(kwargs.pop("name", "Postfachdienst"), kwargs.pop("redirect_uris", []),
                                        **kwargs)
            return RegisteredClient(client.client_id, secret, "")

    return make


@pytest.fixture
def service(make_service):
    return make_service()


def token(client, service, secret="__service__", **data):
    secret = service.client_secret if secret == "__service__" else secret
    return client.post("/token", data={"grant_type": "client_credentials", **data},
                       auth=(service.client_id, secret))


def introspect(client, service, access_token):
    return client.post("/introspect", data={"token": access_token}, auth=(service.client_id, service.client_secret))


def test_service_scope_is_granted_without_refresh_token_and_introspects_without_sub(app, service):
    client = app.test_client()
    r = token(client, service, scope="postfach")
    assert r.status_code == 200, r.json
    assert r.headers["Cache-Control"] == "no-store"
    assert r.json["token_type"] == "Bearer" and r.json["scope"] == "postfach"
    assert "refresh_token" not in r.json and "id_token" not in r.json
    info = introspect(client, service, r.json["access_token"]).json
    assert info["active"] is True and info["client_id"] == service.client_id and info["scope"] == "postfach"
    assert not {"sub", "acr", "loa", "auth_time"} & set(info)


def test_personal_scopes_are_left_out(app, service):
    r = token(app.test_client(), service, scope="openid profile postfach email address organisation")
    assert r.status_code == 200 and r.json["scope"] == "postfach"


@pytest.mark.parametrize("scope", [None, "", "openid profile email", "unbekannt"])
def test_no_service_scope_is_invalid_scope(app, service, scope):
    r = token(app.test_client(), service, **({"scope": scope} if scope is not None else {}))
    assert r.status_code == 400 and r.json["error"] == "invalid_scope", r.json
    assert "access_token" not in r.json


def test_userinfo_refuses_a_service_token(app, service, user_agent):
    access = token(app.test_client(), service, scope="postfach").json["access_token"]
    r = userinfo(user_agent, access)
    # RFC 6750 §3.1: the token lacks the openid scope /userinfo needs.
    assert r.status_code == 403 and r.json["error"] == "insufficient_scope", r.json
    assert "sub" not in r.json


def test_client_secret_post_and_private_key_jwt(app, make_service):
    client = app.test_client()
    post = make_service(token_endpoint_auth_method="client_secret_post")
    r = client.post("/token", data={"grant_type": "client_credentials", "scope": "postfach",
                                    "client_id": post.client_id, "client_secret": post.client_secret})
    assert r.status_code == 200, r.json
    key = new_key()
    signed = make_service(token_endpoint_auth_method="private_key_jwt", jwks=public_jwks(key))
    r = client.post("/token", data=form(assertion(app, signed, key), grant_type="client_credentials",
                                        scope="postfach"))
    assert r.status_code == 200, r.json


def test_a_client_without_the_grant_is_unauthorized_client(app, make_client):
    rp = make_client()
    r = token(app.test_client(), rp, scope="postfach")
    assert r.status_code == 400 and r.json["error"] == "unauthorized_client", r.json


def test_a_service_cannot_use_the_code_or_refresh_grant(app, service):
    client = app.test_client()
    for data in ({"grant_type": "authorization_code", "code": "x", "redirect_uri": "http://127.0.0.1:9/cb",
                  "code_verifier": "v" * 43}, {"grant_type": "refresh_token", "refresh_token": "x"}):
        r = client.post("/token", data=data, auth=(service.client_id, service.client_secret))
        assert r.status_code == 400 and r.json["error"] == "unauthorized_client", (data, r.json)


def test_wrong_secret_is_invalid_client(app, service):
    r = token(app.test_client(), service, secret="falsch", scope="postfach")
    assert r.status_code == 401 and r.json["error"] == "invalid_client"


def test_token_expires_and_revocation_ends_it(app, service):
    client = app.test_client()
    access = token(client, service, scope="postfach").json["access_token"]
    client.post("/revoke", data={"token": access}, auth=(service.client_id, service.client_secret))
    assert introspect(client, service, access).json == {"active": False}
    access = token(client, service, scope="postfach").json["access_token"]
    timeutil.travel(timedelta(seconds=601))
    assert introspect(client, service, access).json == {"active": False}


def test_disabled_service_gets_no_token(app, service):
    from idp.clients import set_disabled

    with app.app_context():
        set_disabled(service.client_id, True)
    r = token(app.test_client(), service, scope="postfach")
    assert r.status_code == 401 and r.json["error"] == "invalid_client"


@pytest.mark.parametrize("kwargs, message", [
    (dict(public=True), "confidential"),
    (dict(token_endpoint_auth_method="none"), "confidential"),
    (dict(redirect_uris=["https://dienst.example.de/cb"]), "authorization_code grant"),
    (dict(backchannel_logout_uri="https://dienst.example.de/bcl"), "authorization_code grant"),
    (dict(grants=["password"]), "grant must be one of"),
])
def test_registration_rules(app, kwargs, message):
    with app.app_context(), pytest.raises(ClientError, match=message):
        add_client("Dienst", kwargs.pop("redirect_uris", []), grants=kwargs.pop("grants", ["client_credentials"]),
                   **kwargs)


def test_discovery_names_the_grant_and_service_scope(app):
    meta = app.test_client().get("/.well-known/openid-configuration").json
    assert "client_credentials" in meta["grant_types_supported"]
    assert "postfach" in meta["scopes_supported"]


def test_cli_registers_a_service_with_both_grants(app, tmp_path):
    import json

    result = run_cli(app, tmp_path, "clients", "add", "--name", "Postfach", "--grant", "client_credentials",
                     "--grant", "authorization_code", "--redirect-uri", "https://postfach.example.de/cb")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["grant_types"] == ["client_credentials", "authorization_code", "refresh_token"]
    r = token(app.test_client(), RegisteredClient(out["client_id"], out["client_secret"], ""), scope="postfach")
    assert r.status_code == 200, r.json
    result = run_cli(app, tmp_path, "clients", "add", "--name", "Ohne Adresse", "--grant", "client_credentials")
    assert result.returncode == 0, result.stderr
    result = run_cli(app, tmp_path, "clients", "add", "--name", "Code ohne Adresse")
    assert result.returncode == 2 and "redirect URI is required" in result.stderr


def test_a_service_registered_with_dpop_gets_key_bound_tokens_only(app, make_service):
    from joserfc.jwk import ECKey

    service, key = make_service(dpop=True), ECKey.generate_key("P-256")
    client = app.test_client()
    r = token(client, service, scope="postfach")
    assert r.status_code == 400 and r.json["error"] == "invalid_dpop_proof", r.json
    r = client.post("/token", data={"grant_type": "client_credentials", "scope": "postfach"},
                    auth=(service.client_id, service.client_secret), headers={"DPoP": dpop_proof(app, key)})
    assert r.status_code == 400 and r.json["error"] == "use_dpop_nonce"
    r = client.post("/token", data={"grant_type": "client_credentials", "scope": "postfach"},
                    auth=(service.client_id, service.client_secret),
                    headers={"DPoP": dpop_proof(app, key, nonce=r.headers["DPoP-Nonce"])})
    assert r.status_code == 200 and r.json["token_type"] == "DPoP", r.json
    info = introspect(client, service, r.json["access_token"]).json
    assert info["cnf"] == {"jkt": key.thumbprint()}
