"""RFC 7009 revocation and RFC 7662 introspection as an online service uses them:
authenticated like at /token, only for its own tokens, and with the standard errors."""
from datetime import timedelta

import pytest

from idp import timeutil
from tests.support.flows import back_channel, refresh, tokens, userinfo


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def rp(make_client):
    return make_client()


def introspect(user_agent, rp, token, secret="__rp__", **extra):
    secret = rp.client_secret if secret == "__rp__" else secret
    return back_channel(user_agent).post("/introspect", data={"token": token, **extra}, auth=(rp.client_id, secret))


def revoke(user_agent, rp, token, **extra):
    return back_channel(user_agent).post("/revoke", data={"token": token, **extra},
                                         auth=(rp.client_id, rp.client_secret))


def test_discovery_names_both_endpoints_and_their_methods(app, user_agent):
    meta = back_channel(user_agent).get("/.well-known/openid-configuration").json
    issuer = app.config["SERVICEKONTO"].issuer
    assert meta["revocation_endpoint"] == issuer + "/revoke"
    assert meta["introspection_endpoint"] == issuer + "/introspect"
    assert "client_secret_basic" in meta["revocation_endpoint_auth_methods_supported"]
    assert "none" in meta["revocation_endpoint_auth_methods_supported"]
    assert "client_secret_basic" in meta["introspection_endpoint_auth_methods_supported"]
    assert "none" not in meta["introspection_endpoint_auth_methods_supported"]


def test_introspection_of_an_access_token(app, user_agent, erika, rp):
    from idp.oidc.server import subject_for

    user_agent.login()
    issued = tokens(user_agent, rp, scope="openid profile")
    r = introspect(user_agent, rp, issued["access_token"])
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json
    with app.app_context():
        expected_sub = subject_for(rp.client_id, erika)
    assert body["active"] is True
    assert body["sub"] == expected_sub and erika not in body["sub"]
    assert body["client_id"] == rp.client_id
    assert body["scope"] == "openid profile"
    assert body["token_type"] == "Bearer"
    assert body["exp"] - body["iat"] == 600
    assert body["loa"] == "niedrig" and body["acr"] == "http://eidas.europa.eu/LoA/low"
    assert body["iss"] == app.config["SERVICEKONTO"].issuer


def test_introspection_as_signed_jwt_when_the_resource_server_asks(app, user_agent, erika, rp, make_client):
    """RFC 9701: the answer as a JWT signed by the provider, for the asking client only."""
    import jwt as pyjwt

    user_agent.login()
    issued = tokens(user_agent, rp, scope="openid profile")
    asked = {"Accept": "application/token-introspection+jwt"}
    r = back_channel(user_agent).post("/introspect", data={"token": issued["access_token"]}, headers=asked,
                                      auth=(rp.client_id, rp.client_secret))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/token-introspection+jwt"
    assert r.headers["Cache-Control"] == "no-store"
    keys = {k["kid"]: k for k in back_channel(user_agent).get("/jwks").json["keys"]}
    header = pyjwt.get_unverified_header(r.text)
    assert header["typ"] == "token-introspection+jwt"
    issuer = app.config["SERVICEKONTO"].issuer
    claims = pyjwt.decode(r.text, pyjwt.PyJWK(keys[header["kid"]]).key, algorithms=[header["alg"]],
                          audience=rp.client_id, issuer=issuer)
    assert claims["token_introspection"]["active"] is True
    assert claims["token_introspection"]["client_id"] == rp.client_id
    assert introspect(user_agent, rp, issued["access_token"]).json == claims["token_introspection"]
    # Inactive for another client, signed for that client.
    other = make_client()
    r = back_channel(user_agent).post("/introspect", data={"token": issued["access_token"]}, headers=asked,
                                      auth=(other.client_id, other.client_secret))
    claims = pyjwt.decode(r.text, options={"verify_signature": False})
    assert claims["aud"] == other.client_id and claims["token_introspection"] == {"active": False}
    meta = back_channel(user_agent).get("/.well-known/openid-configuration").json
    assert "ES256" in meta["introspection_signing_alg_values_supported"]


def test_introspection_of_a_refresh_token(user_agent, erika, rp):
    user_agent.login()
    issued = tokens(user_agent, rp)
    body = introspect(user_agent, rp, issued["refresh_token"], token_type_hint="refresh_token").json
    assert body["active"] is True and body["client_id"] == rp.client_id and "token_type" not in body
    # Rotated out, it is no longer active; its successor is.
    rotated = refresh(user_agent, rp, issued["refresh_token"]).json
    assert introspect(user_agent, rp, issued["refresh_token"]).json == {"active": False}
    assert introspect(user_agent, rp, rotated["refresh_token"]).json["active"] is True


@pytest.mark.parametrize("token", ["kein-token-von-hier", ""])
def test_unknown_token_is_inactive(user_agent, rp, token):
    r = introspect(user_agent, rp, token)
    assert r.status_code == 200 and r.json == {"active": False}


def test_expired_access_token_is_inactive(user_agent, erika, rp):
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    timeutil.travel(timedelta(seconds=601))
    assert introspect(user_agent, rp, access).json == {"active": False}


def test_another_clients_token_is_inactive_for_it(user_agent, erika, rp, make_client):
    other = make_client(redirect_uri="http://127.0.0.1:9/andere")
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    assert introspect(user_agent, other, access).json == {"active": False}
    assert introspect(user_agent, rp, access).json["active"] is True


def test_introspection_requires_client_authentication(user_agent, erika, rp, make_client):
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    r = introspect(user_agent, rp, access, secret="falsch")
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    r = back_channel(user_agent).post("/introspect", data={"token": access})
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    # A public client has nothing to authenticate with.
    public = make_client(public=True, redirect_uri="http://127.0.0.1:9/app")
    r = back_channel(user_agent).post("/introspect", data={"token": access, "client_id": public.client_id})
    assert r.status_code == 401 and r.json["error"] == "invalid_client"


def test_introspection_without_token_is_invalid_request(user_agent, rp):
    r = back_channel(user_agent).post("/introspect", data={}, auth=(rp.client_id, rp.client_secret))
    assert r.status_code == 400 and r.json["error"] == "invalid_request"


def test_unknown_token_type_hint_is_refused(user_agent, erika, rp):
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    for endpoint in ("/introspect", "/revoke"):
        r = back_channel(user_agent).post(endpoint, data={"token": access, "token_type_hint": "id_token"},
                                          auth=(rp.client_id, rp.client_secret))
        assert r.status_code == 400 and r.json["error"] == "unsupported_token_type"


def test_revoking_the_access_token_ends_it_and_its_refresh_token(user_agent, erika, rp):
    user_agent.login()
    issued = tokens(user_agent, rp)
    r = revoke(user_agent, rp, issued["access_token"], token_type_hint="access_token")
    assert r.status_code == 200
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    assert introspect(user_agent, rp, issued["access_token"]).json == {"active": False}
    assert refresh(user_agent, rp, issued["refresh_token"]).json["error"] == "invalid_grant"


def test_revoking_the_refresh_token_ends_the_whole_grant(user_agent, erika, rp):
    user_agent.login()
    issued = tokens(user_agent, rp)
    rotated = refresh(user_agent, rp, issued["refresh_token"]).json
    # The hint is only a hint: the refresh token is found without it too.
    assert revoke(user_agent, rp, rotated["refresh_token"]).status_code == 200
    assert userinfo(user_agent, rotated["access_token"]).status_code == 401
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    assert refresh(user_agent, rp, rotated["refresh_token"]).json["error"] == "invalid_grant"


def test_revoking_an_unknown_or_revoked_token_answers_200(user_agent, erika, rp):
    # RFC 7009 §2.2: invalid tokens do not cause an error response.
    assert revoke(user_agent, rp, "gibt-es-nicht").status_code == 200
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    assert revoke(user_agent, rp, access).status_code == 200
    assert revoke(user_agent, rp, access).status_code == 200


def test_a_client_cannot_revoke_another_clients_token(user_agent, erika, rp, make_client):
    other = make_client(redirect_uri="http://127.0.0.1:9/andere")
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    r = revoke(user_agent, other, access)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    assert userinfo(user_agent, access).status_code == 200


def test_revocation_requires_client_authentication(user_agent, erika, rp):
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    r = back_channel(user_agent).post("/revoke", data={"token": access}, auth=(rp.client_id, "falsch"))
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    # A confidential client cannot pass itself off as public.
    r = back_channel(user_agent).post("/revoke", data={"token": access, "client_id": rp.client_id})
    assert r.status_code in (400, 401) and r.json["error"] == "invalid_client"
    assert userinfo(user_agent, access).status_code == 200


def test_revocation_without_token_is_invalid_request(user_agent, rp):
    r = back_channel(user_agent).post("/revoke", data={}, auth=(rp.client_id, rp.client_secret))
    assert r.status_code == 400 and r.json["error"] == "invalid_request"


def test_public_client_revokes_its_own_token_with_its_client_id(user_agent, erika, make_client):
    public = make_client(public=True)
    user_agent.login()
    issued = tokens(user_agent, public)
    r = back_channel(user_agent).post("/revoke", data={"token": issued["refresh_token"],
                                                       "client_id": public.client_id})
    assert r.status_code == 200
    assert userinfo(user_agent, issued["access_token"]).status_code == 401


def test_introspection_and_revocation_take_only_post(user_agent, rp):
    for endpoint in ("/introspect", "/revoke"):
        assert back_channel(user_agent).get(endpoint).status_code == 405
