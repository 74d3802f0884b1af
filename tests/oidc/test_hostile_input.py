"""Hostile or malformed input at the protocol endpoints gets the endpoint's standard
error (an error page at /authorize when the redirect URI cannot be trusted, JSON at
/par, /token, /revoke and /introspect), never a server error."""
import base64

import pytest

from tests.conftest import pkce_pair
from tests.support.flows import (assert_error_page, assert_error_redirect, authorize_query, back_channel, location,
                                 path_of)

HOSTILE_REDIRECT_URIS = [
    "http://127.0.0.1:9\\callback",              # backslash
    "http://127.0.0.1:9/callback\\..\\evil",      # backslash path games
    "http://１２７.0.0.1:9/callback",            # full-width digits
    "http://127.0.0.1:９/callback",               # full-width port
    "http://127.0.0.1:9/cаllback",               # Cyrillic а (homoglyph)
    "http://127.0.0.1:9/call\x00back",           # NUL
    'http://127.0.0.1:9/callback"',              # quote
]
HOSTILE_RESPONSE_TYPES = ['co"de', 'code" onload="x', "ｃｏｄｅ", "code\x00", "code\\"]


@pytest.fixture
def rp(make_client):
    return make_client()


def push(user_agent, rp, data):
    return back_channel(user_agent).post("/par", data=data, auth=(rp.client_id, rp.client_secret))


@pytest.mark.parametrize("uri", HOSTILE_REDIRECT_URIS)
@pytest.mark.parametrize("logged_in", [False, True])
def test_hostile_redirect_uri_ends_on_the_error_page(user_agent, make_account, rp, uri, logged_in):
    if logged_in:
        make_account()
        user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, redirect_uri=uri))
    assert_error_page(r, not_to=uri)
    assert "invalid_request" in r.text


@pytest.mark.parametrize("response_type", HOSTILE_RESPONSE_TYPES)
def test_hostile_response_type_goes_back_as_unsupported(app, user_agent, rp, response_type):
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, response_type=response_type))
    assert_error_redirect(r, rp, "unsupported_response_type", app)


@pytest.mark.parametrize("response_type", HOSTILE_RESPONSE_TYPES)
def test_hostile_response_type_with_an_untrusted_redirect_uri_ends_on_the_error_page(user_agent, rp, response_type):
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, response_type=response_type, redirect_uri="http://127.0.0.1:9\\evil"))
    assert_error_page(r)
    assert "unsupported_response_type" in r.text


@pytest.mark.parametrize("name, value, error", [
    *(("redirect_uri", uri, "invalid_request") for uri in HOSTILE_REDIRECT_URIS),
    *(("response_type", value, "unsupported_response_type") for value in HOSTILE_RESPONSE_TYPES),
])
def test_hostile_parameters_are_refused_at_par(user_agent, rp, name, value, error):
    _, challenge = pkce_pair()
    r = push(user_agent, rp, authorize_query(rp, challenge, **{name: value}))
    assert r.status_code == 400, r.text
    assert r.json["error"] == error
    assert "request_uri" not in r.json


@pytest.mark.parametrize("max_age", ["²", "１", "1" * 5000, "-1", " 1"])
def test_max_age_takes_ascii_digits_only(app, user_agent, make_account, rp, max_age):
    make_account()
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, max_age=max_age))
    assert_error_redirect(r, rp, "invalid_request", app)


@pytest.mark.parametrize("target", ["/mein-bereich\r\nSet-Cookie: boese=1", "/mein-bereich\n", "/\x00", "/x\u2028y"])
def test_login_next_with_control_characters_is_ignored(user_agent, make_account, target):
    make_account()
    r = user_agent.client.get("/anmelden", query_string={"next": target})
    assert r.status_code == 200
    r = user_agent.submit("/anmelden?" + _query(next=target),
                          {"email": "erika@example.org", "password": "ABab1234", "next": target})
    assert path_of(location(r)) == "/mein-bereich"
    assert "boese" not in r.headers.get("Set-Cookie", "")


def _query(**params) -> str:
    from urllib.parse import urlencode
    return urlencode(params)


def _basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize("endpoint", ["/token", "/revoke", "/introspect", "/par"])
@pytest.mark.parametrize("headers", [
    _basic(b"\xff\xfe:\xfd"),                      # not UTF-8
    {"Authorization": "Basic ÿÿ=="},                # not ASCII
    {"Authorization": "Basic !!!!"},                # not base64
    _basic(b"nur-eine-kennung"),                    # no secret
])
def test_undecodable_basic_credentials_are_invalid_client(user_agent, rp, endpoint, headers):
    r = back_channel(user_agent).post(endpoint, data={"grant_type": "client_credentials", "token": "x"},
                                      headers=headers)
    assert r.status_code == 401, r.text
    assert r.json["error"] == "invalid_client"


@pytest.mark.parametrize("endpoint", ["/token", "/revoke", "/introspect", "/par"])
@pytest.mark.parametrize("data", [
    b"grant_type=\xff&token=\xfe&client_id=\xff&client_secret=\xfe",   # not UTF-8
    b"grant_type=authorization_code&code=%00&token=%00&redirect_uri=%00",
])
def test_odd_bodies_get_a_standard_error(user_agent, rp, endpoint, data):
    r = back_channel(user_agent).post(endpoint, data=data, content_type="application/x-www-form-urlencoded",
                                      auth=(rp.client_id, rp.client_secret))
    assert r.status_code in (200, 400, 401), r.text
    if r.status_code != 200:
        assert r.json["error"] in ("invalid_request", "invalid_grant", "unsupported_grant_type",
                                   "unsupported_response_type", "invalid_client"), r.json


@pytest.mark.parametrize("authorization", ["Bearer \x00", "Bearer " + "x" * 20000, "Bearer ä", "Bearer"])
def test_odd_bearer_tokens_are_invalid_token(user_agent, authorization):
    for method, path in (("get", "/userinfo"), ("post", "/register")):
        r = getattr(back_channel(user_agent), method)(path, headers={"Authorization": authorization})
        assert r.status_code == 401, (path, r.text)
