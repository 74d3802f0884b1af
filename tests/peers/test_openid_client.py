"""Peer test: panva's openid-client (a certified, strict relying party) against the IdP.

openid-client does everything an online service does — discovery, the authorization
request with PKCE S256, state and nonce, the code grant with all ID token checks
(signature from the JWKS, iss, aud, exp/iat, nonce, RFC 9207 `iss` in the response),
userinfo with the expected `sub`, refresh and the end-session URL. The test plays the
browser over real HTTP (log in, give consent) and checks what the RP reports.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urljoin

import pytest

from tests.conftest import csrf_from
from tests.peers.openid_client import (AFTER_LOGOUT, CALLBACK, Browser, account_id, assert_level_claims, discover,
                                       expected_sub, query, sign_in, token_requests)

pytestmark = pytest.mark.peer


# -- tests ---------------------------------------------------------------------------------
def test_discovery_is_accepted_as_is(openid_client, live_server, make_client):
    client = make_client()
    meta = discover(openid_client, "rp", live_server, client, "client_secret_basic")
    assert meta["issuer"] == live_server
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "S256" in meta["code_challenge_methods_supported"]
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                     "end_session_endpoint"):
        assert meta[endpoint].startswith(live_server + "/")


def test_confidential_client_secret_basic(app, openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Wohngeld")
    discover(openid_client, "wohngeld", live_server, client, "client_secret_basic", alg="ES256")
    browser = Browser(live_server)
    before = int(time.time())

    tokens, callback = sign_in(openid_client, browser, "wohngeld", client, expect_login=True)
    assert query(callback)["iss"] == live_server  # RFC 9207, also checked by openid-client

    claims = tokens["claims"]
    assert tokens["id_token_header"]["alg"] == "ES256" and tokens["id_token_header"]["kid"]
    assert tokens["token_type"].lower() == "bearer"
    assert_level_claims(claims, live_server, client.client_id, before)
    assert claims["sub"] == expected_sub(app, client.client_id, account_id(app))
    assert account_id(app) not in claims["sub"]

    info = openid_client.call("userinfo", rp="wohngeld", access_token=tokens["access_token"], sub=claims["sub"])
    assert info["userinfo"]["sub"] == claims["sub"]
    assert info["userinfo"]["email"] == "erika@example.org"
    assert info["userinfo"]["given_name"] == "Erika" and info["userinfo"]["family_name"] == "Mustermann"

    # The client authenticated with HTTP Basic only.
    sent = token_requests(openid_client, "wohngeld")
    assert [r["authorization_scheme"] for r in sent] == ["Basic"]
    assert "client_secret" not in sent[0]["body_keys"] and "code_verifier" in sent[0]["body_keys"]


def test_refresh_rotates_and_detects_reuse(openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Kfz-Zulassung")
    discover(openid_client, "kfz", live_server, client, "client_secret_basic")
    browser = Browser(live_server)
    first, _ = sign_in(openid_client, browser, "kfz", client)
    sub = first["claims"]["sub"]
    assert first["refresh_token"]

    second = openid_client.call("refresh", rp="kfz", refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] and second["refresh_token"] != first["refresh_token"]
    if second["claims"] is not None:  # an ID token on refresh must be about the same login
        assert second["claims"]["sub"] == sub
        assert second["claims"]["auth_time"] == first["claims"]["auth_time"]
    info = openid_client.call("userinfo", rp="kfz", access_token=second["access_token"], sub=sub)
    assert info["userinfo"]["sub"] == sub

    # The rotated-out refresh token is refused, as openid-client sees it ...
    error = openid_client.fails("refresh", rp="kfz", refresh_token=first["refresh_token"])
    assert error["error"] == "invalid_grant", error
    assert error["status"] == 400
    # ... and its reuse ends the grant: the current refresh token is dead too.
    error = openid_client.fails("refresh", rp="kfz", refresh_token=second["refresh_token"])
    assert error["error"] == "invalid_grant", error
    error = openid_client.fails("userinfo", rp="kfz", access_token=second["access_token"], sub=sub)
    assert error.get("status") == 401, error


def test_confidential_client_secret_post(openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Elterngeld")
    discover(openid_client, "elterngeld", live_server, client, "client_secret_post")
    browser = Browser(live_server)
    tokens, _ = sign_in(openid_client, browser, "elterngeld", client, scope="openid email")
    assert tokens["claims"]["loa"] == "niedrig"
    refreshed = openid_client.call("refresh", rp="elterngeld", refresh_token=tokens["refresh_token"])
    assert refreshed["access_token"] != tokens["access_token"]
    info = openid_client.call("userinfo", rp="elterngeld", access_token=refreshed["access_token"],
                              sub=tokens["claims"]["sub"])
    assert info["userinfo"]["email"] == "erika@example.org"
    assert "given_name" not in info["userinfo"]  # only what the scope asked for

    sent = token_requests(openid_client, "elterngeld")
    assert len(sent) == 2
    for request in sent:
        assert request["authorization_scheme"] is None
        assert {"client_id", "client_secret"} <= set(request["body_keys"])


def test_public_client_with_pkce(app, openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Bürger-App", redirect_uri="http://127.0.0.1:9/app", public=True)
    assert client.client_secret is None
    discover(openid_client, "app", live_server, client, "none")
    browser = Browser(live_server)
    before = int(time.time())
    tokens, _ = sign_in(openid_client, browser, "app", client)
    assert_level_claims(tokens["claims"], live_server, client.client_id, before)
    assert tokens["claims"]["sub"] == expected_sub(app, client.client_id, account_id(app))

    refreshed = openid_client.call("refresh", rp="app", refresh_token=tokens["refresh_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert refreshed["access_token"] != tokens["access_token"]
    info = openid_client.call("userinfo", rp="app", access_token=refreshed["access_token"],
                              sub=tokens["claims"]["sub"])
    assert info["userinfo"]["email"] == "erika@example.org"
    error = openid_client.fails("refresh", rp="app", refresh_token=tokens["refresh_token"])
    assert error["error"] == "invalid_grant", error

    sent = token_requests(openid_client, "app")
    assert len(sent) == 3
    for request in sent:
        assert request["authorization_scheme"] is None
        assert "client_id" in request["body_keys"] and "client_secret" not in request["body_keys"]


def test_rs256_client_with_max_age(openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Gewerbeanmeldung", id_token_alg="RS256")
    # openid-client refuses an ID token in any other algorithm than the registered one.
    discover(openid_client, "gewerbe", live_server, client, "client_secret_basic", alg="RS256")
    browser = Browser(live_server)
    tokens, _ = sign_in(openid_client, browser, "gewerbe", client, max_age=600,
                        extra={"acr_values": "http://eidas.europa.eu/LoA/low"})
    assert tokens["id_token_header"]["alg"] == "RS256"
    assert tokens["claims"]["acr"] == "http://eidas.europa.eu/LoA/low"
    assert tokens["claims"]["loa"] == "niedrig"

    # An RP that expects ES256 rejects the same kind of token: the check above is real.
    discover(openid_client, "gewerbe-es", live_server, client, "client_secret_basic", alg="ES256")
    request = openid_client.call("authorize", rp="gewerbe-es", redirect_uri=client.redirect_uri, scope="openid")
    callback = browser.go(request["url"], client.redirect_uri, expect_login=False)
    error = openid_client.fails("callback", rp="gewerbe-es", url=callback)
    assert error["cause"]["message"] == 'unexpected JWT "alg" header parameter', error
    assert error["cause"]["cause"]["header"]["alg"] == "RS256", error


def test_essential_acr_is_not_lowered_by_acr_values(openid_client, live_server, make_account, make_client):
    """An essential acr (substantial) with a lower acr_values: a niedrig login is sent to
    the step-up page, and giving up there is an error response openid-client accepts."""
    make_account()
    client = make_client(name="Wohngeld")
    discover(openid_client, "wohngeld", live_server, client, "client_secret_basic")
    browser = Browser(live_server)
    essential = {"id_token": {"acr": {"essential": True, "values": ["http://eidas.europa.eu/LoA/substantial"]}}}
    request = openid_client.call("authorize", rp="wohngeld", redirect_uri=client.redirect_uri, scope="openid",
                                 extra={"acr_values": "http://eidas.europa.eu/LoA/low",
                                        "claims": json.dumps(essential)})
    step_up = browser.go(request["url"], live_server + "/anfrage/", expect_login=True)
    assert step_up.endswith("/vertrauensniveau"), step_up
    page = browser._get(step_up)
    assert "Höheres Vertrauensniveau erforderlich" in page.text
    given_up = browser._post(step_up, {"csrf_token": csrf_from(page.text)})
    callback = given_up.headers["Location"]
    assert callback.startswith(client.redirect_uri + "?"), callback
    error = openid_client.fails("callback", rp="wohngeld", url=callback)
    assert error["error"] == "unmet_authentication_requirements", error
    assert error["name"] == "AuthorizationResponseError", error


def test_pairwise_sub_per_service_and_remembered_consent(app, openid_client, live_server, make_account,
                                                         make_client):
    make_account()
    one = make_client(name="Hundesteuer", redirect_uri="http://127.0.0.1:9/eins")
    two = make_client(name="Anwohnerparken", redirect_uri="http://127.0.0.1:9/zwei")
    discover(openid_client, "eins", live_server, one, "client_secret_basic")
    discover(openid_client, "zwei", live_server, two, "client_secret_post")
    browser = Browser(live_server)

    first, _ = sign_in(openid_client, browser, "eins", one, expect_login=True)
    second, _ = sign_in(openid_client, browser, "zwei", two, expect_login=False)  # single sign-on
    assert first["claims"]["sub"] != second["claims"]["sub"]
    assert first["claims"]["sid"] == second["claims"]["sid"]
    for name, tokens in (("eins", first), ("zwei", second)):
        info = openid_client.call("userinfo", rp=name, access_token=tokens["access_token"],
                                  sub=tokens["claims"]["sub"])
        assert info["userinfo"]["email"] == "erika@example.org"

    # Again at the first service: same pseudonym, no second consent page.
    visited = len(browser.visited)
    again, _ = sign_in(openid_client, browser, "eins", one, expect_login=False)
    assert again["claims"]["sub"] == first["claims"]["sub"]
    assert not any("/zustimmung" in url for url in browser.visited[visited:]), browser.visited[visited:]


def test_declined_consent_is_an_error_response_openid_client_accepts(openid_client, live_server, make_account,
                                                                    make_client):
    make_account()
    client = make_client(name="Fischereischein")
    discover(openid_client, "fisch", live_server, client, "client_secret_basic")
    browser = Browser(live_server)
    request = openid_client.call("authorize", rp="fisch", redirect_uri=client.redirect_uri, scope="openid email")
    callback = browser.go(request["url"], client.redirect_uri, consent="ablehnen")
    params = query(callback)
    assert params["iss"] == live_server and params["state"] == request["state"]
    # openid-client validates iss and state of the error response before reporting it.
    error = openid_client.fails("callback", rp="fisch", url=callback)
    assert error["error"] == "access_denied", error
    assert error["name"] == "AuthorizationResponseError", error


def test_rp_initiated_logout(openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Meldebescheinigung", post_logout_redirect_uris=[AFTER_LOGOUT])
    discover(openid_client, "melde", live_server, client, "client_secret_basic")
    browser = Browser(live_server)
    tokens, _ = sign_in(openid_client, browser, "melde", client)
    assert browser.logged_in()

    url = openid_client.call("end_session", rp="melde", params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT, "state": "tschuess"})["url"]
    assert url.startswith(live_server + "/")
    assert query(url)["client_id"] == client.client_id
    back = browser.go(url, AFTER_LOGOUT)  # a valid hint for this session: no confirmation page
    assert back.split("?")[0] == AFTER_LOGOUT
    assert query(back) == {"state": "tschuess"}

    assert not browser.logged_in()
    # The tokens of the session ended with it ...
    error = openid_client.fails("refresh", rp="melde", refresh_token=tokens["refresh_token"])
    assert error["error"] == "invalid_grant", error
    error = openid_client.fails("userinfo", rp="melde", access_token=tokens["access_token"],
                                sub=tokens["claims"]["sub"])
    assert error.get("status") == 401, error
    # ... and a silent request now gets login_required, which openid-client accepts as a
    # proper error response (iss and state checked).
    request = openid_client.call("authorize", rp="melde", redirect_uri=client.redirect_uri, scope="openid",
                                 extra={"prompt": "none"})
    callback = browser.go(request["url"], client.redirect_uri, expect_login=False)
    error = openid_client.fails("callback", rp="melde", url=callback)
    assert error["error"] == "login_required", error


def test_eid_login_gives_hoch_and_verified_claims(app, openid_client, live_server, make_account, make_client):
    """A Servicekonto Plus with its card (upgrade through the eID simulators), then a
    login with the card: openid-client accepts the tokens and sees loa hoch, acr high
    and the verified data as verified_claims (OIDC4IDA)."""
    make_account()
    browser = Browser(live_server)
    assert browser.go(live_server + "/anmelden?next=/mein-bereich", live_server + "/mein-bereich") \
        == live_server + "/mein-bereich"
    form = browser._get(live_server + "/mein-bereich/upgrade")
    started = browser._post(live_server + "/mein-bereich/upgrade/eid", {"csrf_token": csrf_from(form.text)})
    done = browser._get(urljoin(live_server, browser.read_card(started.headers["Location"])))
    assert "Upgrade abgeschlossen" in done.text

    client = make_client(name="Elterngeld", min_loa="hoch")
    discover(openid_client, "eg", live_server, client, "client_secret_basic")
    tokens, _ = sign_in(openid_client, Browser(live_server), "eg", client, scope="openid profile address",
                        card="erika")
    claims = tokens["claims"]
    assert claims["loa"] == "hoch" and claims["acr"] == "http://eidas.europa.eu/LoA/high"
    assert claims["amr"] == ["hwk", "pin"]
    info = openid_client.call("userinfo", rp="eg", access_token=tokens["access_token"], sub=claims["sub"])["userinfo"]
    assert info["family_name"] == "MUSTERMANN" and info["birthdate"] == "1964-08-12"
    [verified] = info["verified_claims"]
    assert verified["verification"] == {"trust_framework": "eidas", "assurance_level": "high"}
    assert verified["claims"]["family_name"] == "MUSTERMANN"
    assert verified["claims"]["address"]["locality"] == "KÖLN"


def test_organisation_user_gets_organisation_and_roles_or_access_denied(app, openid_client, live_server,
                                                                        make_client):
    """openid-client receives the organisation and the roles for this service only for an
    entitled user, and a standard access_denied for a colleague without the grant."""
    from tests.support.organisations import grant, make_organisation, subscribe

    business = make_organisation(app, users=("anna@muster.example", "ben@muster.example"))
    client = make_client(name="Gewerbeanmeldung", audience="organisations", roles=["Sachbearbeitung", "Freigabe"])
    other = make_client(name="Vergabe", audience="organisations", roles=["Bieter"],
                        redirect_uri="http://127.0.0.1:9/vergabe")
    for rp in (client, other):
        subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts["anna@muster.example"], client.client_id, roles=["Freigabe"])
    grant(app, business.accounts["anna@muster.example"], other.client_id, roles=["Bieter"])
    discover(openid_client, "gewerbe", live_server, client, "client_secret_basic")

    # The scope alone puts organisation and roles into the ID token (SPEC §6).
    tokens, _ = sign_in(openid_client, Browser(live_server), "gewerbe", client, scope="openid profile organisation",
                        email="anna@muster.example")
    assert tokens["claims"]["roles"] == ["Freigabe"]  # not "Bieter" of the other service
    assert tokens["claims"]["organisation"]["name"] == "Muster GmbH"
    assert tokens["claims"]["loa"] == "niedrig"
    info = openid_client.call("userinfo", rp="gewerbe", access_token=tokens["access_token"],
                              sub=tokens["claims"]["sub"])["userinfo"]
    assert info["organisation"]["name"] == "Muster GmbH" and info["organisation"]["id"]
    assert info["roles"] == ["Freigabe"]

    request = openid_client.call("authorize", rp="gewerbe", redirect_uri=client.redirect_uri,
                                 scope="openid organisation")
    callback = Browser(live_server).go(request["url"], client.redirect_uri, email="ben@muster.example")
    error = openid_client.fails("callback", rp="gewerbe", url=callback)
    assert error["error"] == "access_denied", error
    assert error["name"] == "AuthorizationResponseError", error


@pytest.mark.parametrize("alg", ["ES256", "PS256"])
def test_private_key_jwt_code_flow_introspection_and_revocation(app, openid_client, live_server, make_account,
                                                                make_client, alg):
    """RFC 7523 client authentication as openid-client does it (assertion signed with
    the service's key, aud the issuer), then RFC 7662 and RFC 7009 with the same."""
    from joserfc.jwk import ECKey, RSAKey

    make_account()
    key = ECKey.generate_key("P-256") if alg == "ES256" else RSAKey.generate_key(2048)
    key.ensure_kid()
    client = make_client(name="Gewerbe", token_endpoint_auth_method="private_key_jwt",
                         jwks={"keys": [key.as_dict(private=False)]})
    meta = discover(openid_client, "gewerbe", live_server, client, "private_key_jwt",
                    private_jwk={**key.as_dict(private=True), "alg": alg})
    assert meta["introspection_endpoint"] == live_server + "/introspect"
    assert meta["revocation_endpoint"] == live_server + "/revoke"
    tokens, _ = sign_in(openid_client, Browser(live_server), "gewerbe", client)
    sub = tokens["claims"]["sub"]
    assert sub == expected_sub(app, client.client_id, account_id(app))

    info = openid_client.call("introspect", rp="gewerbe", token=tokens["access_token"])["introspection"]
    assert info["active"] is True and info["sub"] == sub and info["client_id"] == client.client_id
    assert info["loa"] == "niedrig" and info["scope"] == "openid profile email"

    openid_client.call("revoke", rp="gewerbe", token=tokens["refresh_token"])
    info = openid_client.call("introspect", rp="gewerbe", token=tokens["access_token"])["introspection"]
    assert info == {"active": False}
    error = openid_client.fails("refresh", rp="gewerbe", refresh_token=tokens["refresh_token"])
    assert error["error"] == "invalid_grant", error

    # Every back-channel request carried a client assertion and no secret.
    sent = [r for r in openid_client.call("requests", rp="gewerbe")["requests"] if r["method"] == "POST"]
    assert {r["url"].rsplit("/", 1)[1] for r in sent} == {"token", "introspect", "revoke"}
    for request in sent:
        assert "client_assertion" in request["body_keys"] and "client_secret" not in request["body_keys"]
        assert request["authorization_scheme"] is None


@pytest.mark.parametrize("jar", [False, True], ids=["par", "jar-par"])
def test_pushed_and_signed_authorization_requests(app, openid_client, live_server, make_account, make_client, jar):
    """RFC 9126 (and RFC 9101 inside it) as openid-client does it: the browser carries
    only client_id and request_uri; the code flow ends as usual."""
    from joserfc.jwk import ECKey

    make_account()
    key = ECKey.generate_key("P-256")
    key.ensure_kid()
    client = make_client(name="Bauantrag", token_endpoint_auth_method="private_key_jwt", require_par=True,
                         jwks={"keys": [key.as_dict(private=False)]})
    meta = discover(openid_client, "bau", live_server, client, "private_key_jwt",
                    private_jwk={**key.as_dict(private=True), "alg": "ES256"})
    assert meta["pushed_authorization_request_endpoint"] == live_server + "/par"
    tokens, _ = sign_in(openid_client, Browser(live_server), "bau", client, par=True, jar=jar)
    assert tokens["claims"]["sub"] == expected_sub(app, client.client_id, account_id(app))
    pushed = [r for r in openid_client.call("requests", rp="bau")["requests"] if r["url"].endswith("/par")]
    assert len(pushed) == 1 and "client_assertion" in pushed[0]["body_keys"]
    assert ("request" in pushed[0]["body_keys"]) == jar


def test_dpop_with_par_pkce_and_private_key_jwt(app, openid_client, live_server, make_account, make_client):
    """RFC 9449 as openid-client does it, for a service registered with --dpop: the
    token endpoint asks for a server nonce, openid-client retries with it; tokens,
    the refresh and userinfo are bound to its key."""
    from joserfc.jwk import ECKey

    make_account()
    key = ECKey.generate_key("P-256")
    key.ensure_kid()
    client = make_client(name="Elterngeld", token_endpoint_auth_method="private_key_jwt", require_par=True,
                         dpop=True, jwks={"keys": [key.as_dict(private=False)]})
    meta = discover(openid_client, "eltern", live_server, client, "private_key_jwt",
                    private_jwk={**key.as_dict(private=True), "alg": "ES256"}, dpop=True)
    assert "ES256" in meta["dpop_signing_alg_values_supported"]
    tokens, _ = sign_in(openid_client, Browser(live_server), "eltern", client, par=True)
    assert tokens["token_type"].lower() == "dpop"
    sub = tokens["claims"]["sub"]
    assert sub == expected_sub(app, client.client_id, account_id(app))

    info = openid_client.call("userinfo", rp="eltern", access_token=tokens["access_token"], sub=sub)["userinfo"]
    assert info["sub"] == sub
    refreshed = openid_client.call("refresh", rp="eltern", refresh_token=tokens["refresh_token"])
    assert refreshed["token_type"].lower() == "dpop" and refreshed["refresh_token"] != tokens["refresh_token"]
    info = openid_client.call("userinfo", rp="eltern", access_token=refreshed["access_token"], sub=sub)["userinfo"]
    assert info["sub"] == sub

    introspected = openid_client.call("introspect", rp="eltern", token=refreshed["access_token"])["introspection"]
    assert introspected["token_type"] == "DPoP" and introspected["cnf"]["jkt"]

    sent = openid_client.call("requests", rp="eltern")["requests"]
    at_token = [r for r in sent if r["url"].endswith("/token")]
    # The first code exchange was refused for want of a nonce, the retry succeeded.
    assert [r["status"] for r in at_token] == [400, 200, 200]
    assert all(r["dpop"] for r in at_token)
    at_userinfo = [r for r in sent if r["url"].endswith("/userinfo")]
    assert at_userinfo and all(r["dpop"] and r["authorization_scheme"] == "DPoP" for r in at_userinfo)


@pytest.mark.parametrize("auth", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_grant(openid_client, live_server, make_client, auth):
    client = make_client(name="Postfachdienst", grants=["authorization_code", "client_credentials"],
                         token_endpoint_auth_method=auth)
    meta = discover(openid_client, "postfach", live_server, client, auth)
    assert "client_credentials" in meta["grant_types_supported"] and "postfach" in meta["scopes_supported"]
    tokens = openid_client.call("client_credentials", rp="postfach", scope="openid profile postfach")
    assert tokens["scope"] == "postfach" and tokens["refresh_token"] is None and tokens["id_token"] is None
    info = openid_client.call("introspect", rp="postfach", token=tokens["access_token"])["introspection"]
    assert info["active"] is True and info["client_id"] == client.client_id and "sub" not in info
    error = openid_client.fails("client_credentials", rp="postfach", scope="openid email")
    assert error["error"] == "invalid_scope", error


def test_signed_userinfo(app, openid_client, live_server, make_account, make_client):
    make_account()
    client = make_client(name="Elterngeld", userinfo_alg="RS256")
    discover(openid_client, "eltern", live_server, client, "client_secret_basic", userinfo_alg="RS256")
    tokens, _ = sign_in(openid_client, Browser(live_server), "eltern", client)
    sub = tokens["claims"]["sub"]
    # openid-client checks the signature from the JWKS, iss and aud of the signed answer.
    info = openid_client.call("userinfo", rp="eltern", access_token=tokens["access_token"], sub=sub)["userinfo"]
    assert info["sub"] == sub and info["family_name"] == "Mustermann"
    assert info["iss"] == live_server and info["aud"] == client.client_id

    # An RP registered for ES256 refuses the RS256 answer: the check above is real.
    discover(openid_client, "eltern-es", live_server, client, "client_secret_basic", userinfo_alg="ES256")
    error = openid_client.fails("userinfo", rp="eltern-es", access_token=tokens["access_token"], sub=sub)
    assert "alg" in json.dumps(error), error


def test_dynamic_client_registration(app, openid_client, live_server, make_account):
    from idp.oidc.registration import issue_initial_token

    with app.app_context():
        initial = issue_initial_token()[0]
    registered = openid_client.call("register", rp="hund", issuer=live_server, initial_access_token=initial,
                                    metadata={"client_name": "Hundesteuer", "redirect_uris": [CALLBACK],
                                              "token_endpoint_auth_method": "client_secret_post",
                                              "userinfo_signed_response_alg": "ES256"})["client_metadata"]
    assert registered["client_secret"] and registered["registration_access_token"]
    assert registered["registration_client_uri"] == f"{live_server}/register/{registered['client_id']}"
    make_account()

    class Registered:
        redirect_uri = CALLBACK

    tokens, _ = sign_in(openid_client, Browser(live_server), "hund", Registered)
    assert tokens["claims"]["aud"] in (registered["client_id"], [registered["client_id"]])
    info = openid_client.call("userinfo", rp="hund", access_token=tokens["access_token"],
                              sub=tokens["claims"]["sub"])["userinfo"]
    assert info["aud"] == registered["client_id"]

    # The initial access token registered one client; a second registration is refused.
    error = openid_client.fails("register", rp="hund-2", issuer=live_server, initial_access_token=initial,
                                metadata={"client_name": "Noch einer", "redirect_uris": [CALLBACK]})
    assert error["status"] == 401 and error["code"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE", error
    assert error["cause"] == [{"scheme": "bearer", "parameters": {"error": "invalid_token"}}], error
