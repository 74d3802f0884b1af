"""What the provider refuses, as the browser and the online service see it.

Requests that cannot be trusted (unknown client, redirect URI not registered) end on
an error page here and never send the browser anywhere; everything else goes back to
the service's registered address with an error, the `state` and the `iss` (RFC 9207).
"""
import json
from datetime import timedelta

import jwt as pyjwt
import pytest

from idp import timeutil
from idp.loa import Level
from tests.conftest import pkce_pair, query_of
from tests.support.flows import (Grant, assert_error_page, assert_error_redirect, authorize_query, back_channel, exchange,
                                 location, obtain_code, path_of, refresh, token_request, tokens, userinfo)


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def rp(make_client):
    return make_client()


def _id_token(response) -> dict:
    return pyjwt.decode(response.json["id_token"], options={"verify_signature": False})


# -- requests that cannot be trusted: error page, no redirect --------------------------------
@pytest.mark.parametrize("logged_in", [False, True])
def test_unknown_client_ends_on_error_page(user_agent, erika, rp, logged_in):
    if logged_in:
        user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, client_id="unbekannter-dienst"))
    assert_error_page(r, not_to=rp.redirect_uri)
    assert "invalid_client" in r.text


def test_missing_client_id_ends_on_error_page(user_agent, rp):
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, client_id=None))
    assert_error_page(r, not_to=rp.redirect_uri)


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:9/elsewhere",            # not registered
    "http://127.0.0.1:9/callback/",            # trailing slash
    "http://127.0.0.1:9/callback/../evil",     # path games
    "http://127.0.0.1:9/callback?next=x",      # extra query
    "http://127.0.0.1:9/Callback",             # case
    "http://127.0.0.1:10/callback",            # other port
    "http://localhost:9/callback",             # other host name for the same machine
    "https://127.0.0.1:9/callback",            # other scheme
    "http://127.0.0.1:9/callback#frag",        # fragment
    "http://127.0.0.1:9/callbackx",            # prefix match is no match
])
@pytest.mark.parametrize("logged_in", [False, True])
def test_altered_redirect_uri_is_never_followed(user_agent, erika, rp, uri, logged_in):
    if logged_in:
        user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, redirect_uri=uri))
    assert_error_page(r, not_to=uri)


def test_unregistered_redirect_uri_with_prompt_none_is_not_followed(user_agent, rp):
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, redirect_uri="http://127.0.0.1:9/evil", prompt="none"))
    assert_error_page(r)


def test_missing_redirect_uri_with_several_registered_is_not_guessed(app, user_agent, erika):
    from idp.clients import add_client

    with app.app_context():
        client, secret = add_client("Zwei Adressen", ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"])
        client_id = client.client_id
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=dict(response_type="code", client_id=client_id, scope="openid",
                                                       state="s", code_challenge=challenge,
                                                       code_challenge_method="S256"))
    assert_error_page(r)


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "code token", "", None])
def test_unsupported_response_type_goes_back_without_code(app, user_agent, erika, rp, response_type):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, response_type=response_type))
    params = assert_error_redirect(r, rp, "unsupported_response_type", app)
    assert "#" not in location(r) and "access_token" not in params and "id_token" not in params


def test_unsupported_response_type_with_foreign_redirect_uri_stays_here(user_agent, erika, rp):
    _, challenge = pkce_pair()
    evil = "http://127.0.0.1:9/evil"
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, response_type="token",
                                                                  redirect_uri=evil))
    assert_error_page(r, not_to=evil)


# -- errors that go back to the online service ---------------------------------------------
@pytest.mark.parametrize("logged_in", [False, True])
def test_public_client_without_pkce_gets_invalid_request(app, user_agent, erika, make_client, logged_in):
    public = make_client(public=True)
    if logged_in:
        user_agent.login()
    r = user_agent.get("/authorize", query_string=authorize_query(public))
    params = assert_error_redirect(r, public, "invalid_request", app)
    assert "PKCE" in params.get("error_description", "")


@pytest.mark.parametrize("method", ["plain", None, "S512"])
def test_pkce_other_than_s256_is_refused(app, user_agent, erika, rp, method):
    user_agent.login()
    verifier, _ = pkce_pair()
    query = authorize_query(rp, code_challenge=verifier, code_challenge_method=method)
    r = user_agent.get("/authorize", query_string=query)
    assert_error_redirect(r, rp, "invalid_request", app)


def test_public_client_with_s256_gets_tokens_without_secret(user_agent, erika, make_client):
    public = make_client(public=True)
    user_agent.login()
    grant = obtain_code(user_agent, public)
    r = exchange(user_agent, public, grant)
    assert r.status_code == 200, r.json
    assert r.json["id_token"]


def test_missing_openid_scope_gets_invalid_scope(app, user_agent, erika, rp):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, scope="profile email"))
    assert_error_redirect(r, rp, "invalid_scope", app)


def test_unknown_scope_is_left_out_of_the_grant(user_agent, erika, rp):
    # RFC 6749 §3.3: the server grants less and says so in the token response.
    user_agent.login()
    r = exchange(user_agent, rp, obtain_code(user_agent, rp, scope="openid steuerakte email"))
    assert r.status_code == 200, r.json
    assert r.json["scope"] == "openid email"


def test_refused_consent_tells_the_service_access_denied(app, user_agent, erika, rp):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge))
    r = user_agent.submit(location(r), {"decision": "ablehnen"})
    assert_error_redirect(r, rp, "access_denied", app)


# -- prompt, max_age, levels ------------------------------------------------------------------
def test_prompt_none_without_session_gets_login_required(app, user_agent, rp):
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, prompt="none", state="xyz"))
    assert_error_redirect(r, rp, "login_required", app, state="xyz")


def test_prompt_none_without_consent_gets_consent_required(app, user_agent, erika, rp):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, prompt="none"))
    assert_error_redirect(r, rp, "consent_required", app)
    # Once agreed, the same silent request is answered with a code.
    obtain_code(user_agent, rp)
    grant = obtain_code(user_agent, rp, prompt="none", state="still")
    assert grant.params["state"] == "still"


def test_prompt_none_combined_with_another_prompt_is_invalid(app, user_agent, erika, rp):
    user_agent.login()
    obtain_code(user_agent, rp)
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, prompt="none login"))
    assert_error_redirect(r, rp, "invalid_request", app)


def test_prompt_login_asks_for_the_password_again(user_agent, erika, rp):
    user_agent.login()
    obtain_code(user_agent, rp)  # consent on record
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, prompt="login"))
    loc = location(r)
    assert path_of(loc) == "/anmelden"
    anfrage = query_of(loc)["anfrage"]
    r = user_agent.login(anfrage=anfrage)
    r = user_agent.get(location(r))
    assert location(r).startswith(rp.redirect_uri + "?code=") or "code" in query_of(location(r))


@pytest.mark.parametrize("acr", ["http://eidas.europa.eu/LoA/substantial", "substanziell", "hoch",
                                 "http://bsi.bund.de/eID/LoA/hoch", "STORK-QAA-Level-3"])
def test_acr_values_above_the_session_lead_to_step_up(app, user_agent, erika, rp, acr):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, acr_values=acr))
    step_up = location(r)
    assert "/vertrauensniveau" in step_up
    page = user_agent.get(step_up)
    assert page.status_code == 200
    assert "Höheres Vertrauensniveau erforderlich" in page.text
    assert "„niedrig“" in page.text
    # Giving up tells the service that the level was not reached; no code.
    r = user_agent.submit(step_up, {})
    assert_error_redirect(r, rp, "unmet_authentication_requirements", app)


def test_acr_values_above_the_session_with_prompt_none_gets_login_required(app, user_agent, erika, rp):
    user_agent.login()
    obtain_code(user_agent, rp)
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, prompt="none", acr_values="http://eidas.europa.eu/LoA/high"))
    assert_error_redirect(r, rp, "login_required", app)


def test_essential_acr_in_claims_parameter_leads_to_step_up(user_agent, erika, rp):
    user_agent.login()
    _, challenge = pkce_pair()
    claims = '{"id_token": {"acr": {"essential": true, "values": ["http://eidas.europa.eu/LoA/high"]}}}'
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, claims=claims))
    assert "/vertrauensniveau" in location(r)


@pytest.mark.parametrize("essential", [
    '{"values": ["http://eidas.europa.eu/LoA/substantial"]}',
    '{"value": "http://eidas.europa.eu/LoA/substantial"}',
])
def test_acr_values_do_not_lower_an_essential_acr(app, user_agent, erika, rp, essential):
    """OIDC Core 5.5.1.1: the returned acr must be one of the essential values; a lower
    acr_values preference does not let a niedrig login through."""
    user_agent.login()
    _, challenge = pkce_pair()
    acr = json.loads(essential) | {"essential": True}
    claims = json.dumps({"id_token": {"acr": acr}})
    r = user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, claims=claims, acr_values="http://eidas.europa.eu/LoA/low"))
    step_up = location(r)
    assert "/vertrauensniveau" in step_up
    assert "„substanziell“" in user_agent.get(step_up).text
    r = user_agent.get("/authorize", query_string=authorize_query(
        rp, challenge, claims=claims, acr_values="http://eidas.europa.eu/LoA/low", prompt="none"))
    assert_error_redirect(r, rp, "login_required", app)


def test_acr_values_at_or_below_the_session_are_met(user_agent, erika, rp):
    user_agent.login()
    r = exchange(user_agent, rp, obtain_code(user_agent, rp, acr_values="niedrig STORK-QAA-Level-2"))
    assert _id_token(r)["acr"] == "http://eidas.europa.eu/LoA/low"


def test_client_minimum_level_steps_up_a_servicekonto(app, user_agent, erika, make_client):
    strict = make_client(min_loa="substanziell")
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(strict, challenge))
    step_up = location(r)
    assert "/vertrauensniveau" in step_up
    page = user_agent.get(step_up).text
    assert "„substanziell“" in page and "Servicekonto Plus" in page
    r = user_agent.get("/authorize", query_string=authorize_query(strict, challenge, prompt="none"))
    assert_error_redirect(r, strict, "login_required", app)


def test_client_minimum_level_is_met_by_servicekonto_plus(user_agent, make_account, make_client):
    make_account(email="plus@example.org", level=Level.SUBSTANZIELL)
    strict = make_client(min_loa="substanziell")
    user_agent.login(email="plus@example.org")
    r = exchange(user_agent, strict, obtain_code(user_agent, strict))
    claims = _id_token(r)
    assert claims["loa"] == "substanziell"
    assert claims["acr"] == "http://eidas.europa.eu/LoA/substantial"


def test_client_requiring_hoch_is_not_satisfied_by_password(user_agent, make_account, make_client):
    make_account(email="plus@example.org", level=Level.SUBSTANZIELL)
    eid_only = make_client(min_loa="hoch")
    user_agent.login(email="plus@example.org")
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(eid_only, challenge))
    page = user_agent.get(location(r))
    assert "Online-Ausweisfunktion" in page.text and "„hoch“" in page.text


def test_max_age_forces_a_new_login(app, user_agent, erika, rp):
    user_agent.login()
    obtain_code(user_agent, rp)  # consent on record
    timeutil.travel(timedelta(minutes=10))
    # A younger login is enough for a generous max_age ...
    grant = obtain_code(user_agent, rp, max_age="3600")
    first_auth_time = _id_token(exchange(user_agent, rp, grant))["auth_time"]
    # ... but not for a strict one: the password is asked again, the request kept.
    verifier, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, max_age="300", state="ma"))
    loc = location(r)
    assert path_of(loc) == "/anmelden"
    assert "bittet Sie, sich mit Ihrem Servicekonto anzumelden" in user_agent.get(loc).text
    r = user_agent.login(anfrage=query_of(loc)["anfrage"])
    r = user_agent.get(location(r))
    params = query_of(location(r))
    assert params["state"] == "ma" and "code" in params
    renewed = _id_token(exchange(user_agent, rp, Grant(params["code"], verifier, params)))["auth_time"]
    assert renewed >= first_auth_time + 600


def test_max_age_must_be_a_number(app, user_agent, erika, rp):
    user_agent.login()
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, max_age="bald"))
    assert_error_redirect(r, rp, "invalid_request", app)


# -- token endpoint ----------------------------------------------------------------------------
def test_wrong_code_verifier_gets_invalid_grant(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    other_verifier, _ = pkce_pair()
    r = exchange(user_agent, rp, grant, code_verifier=other_verifier)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_missing_code_verifier_is_refused(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    r = exchange(user_agent, rp, grant, code_verifier=None)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"


def test_code_with_other_redirect_uri_is_refused(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    r = exchange(user_agent, rp, grant, redirect_uri="http://127.0.0.1:9/other")
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_code_of_another_client_is_refused(user_agent, erika, rp, make_client):
    other = make_client(redirect_uri="http://127.0.0.1:9/callback")
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    r = exchange(user_agent, other, grant)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    # The rightful client still gets its tokens.
    assert exchange(user_agent, rp, grant).status_code == 200


def test_reused_code_is_refused_and_revokes_what_it_gave(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    first = exchange(user_agent, rp, grant)
    assert first.status_code == 200
    access, refresh_token = first.json["access_token"], first.json["refresh_token"]
    assert userinfo(user_agent, access).status_code == 200
    second = exchange(user_agent, rp, grant)
    assert second.status_code == 400 and second.json["error"] == "invalid_grant"
    assert "access_token" not in second.json
    # RFC 6749 §4.1.2: the tokens issued with that code are revoked.
    r = userinfo(user_agent, access)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = refresh(user_agent, rp, refresh_token)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_expired_code_is_refused(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    timeutil.travel(timedelta(seconds=61))
    r = exchange(user_agent, rp, grant)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_code_within_its_minute_is_accepted(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    timeutil.travel(timedelta(seconds=50))
    assert exchange(user_agent, rp, grant).status_code == 200


def test_unknown_code_is_refused(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    r = exchange(user_agent, rp, grant, code=grant.code + "x")
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_wrong_client_secret_gets_invalid_client(user_agent, erika, rp):
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    data = dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier)
    r = token_request(user_agent, rp, data, secret=rp.client_secret + "x")
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = back_channel(user_agent).post("/token", data={**data, "client_id": rp.client_id, "client_secret": "falsch"})
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    # A confidential client cannot pass itself off as public.
    r = token_request(user_agent, rp, data, secret=None)
    assert r.status_code in (400, 401) and r.json["error"] in ("invalid_client", "unauthorized_client")
    assert "access_token" not in r.json


def test_unknown_grant_type_is_refused(user_agent, rp):
    r = token_request(user_agent, rp, dict(grant_type="password", username="erika@example.org", password="ABab1234"))
    assert r.status_code == 400 and r.json["error"] == "unsupported_grant_type"


def test_refresh_token_rotates(user_agent, erika, rp):
    user_agent.login()
    first = tokens(user_agent, rp)
    r = refresh(user_agent, rp, first["refresh_token"])
    assert r.status_code == 200, r.json
    assert r.json["refresh_token"] != first["refresh_token"]
    assert userinfo(user_agent, r.json["access_token"]).status_code == 200


def test_reused_refresh_token_ends_the_whole_grant(user_agent, erika, rp):
    user_agent.login()
    first = tokens(user_agent, rp)
    rotated = refresh(user_agent, rp, first["refresh_token"]).json
    assert "refresh_token" in rotated
    r = refresh(user_agent, rp, first["refresh_token"])
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    # Reuse detection (RFC 9700 §4.14.2): the rotated token is revoked as well.
    r = refresh(user_agent, rp, rotated["refresh_token"])
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    assert userinfo(user_agent, rotated["access_token"]).status_code == 401


def test_refresh_token_of_another_client_is_refused(user_agent, erika, rp, make_client):
    other = make_client(redirect_uri="http://127.0.0.1:9/other")
    user_agent.login()
    first = tokens(user_agent, rp)
    r = refresh(user_agent, other, first["refresh_token"])
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


# -- userinfo and logout -----------------------------------------------------------------------
@pytest.mark.parametrize("token", ["kein-gueltiges-token", ""])
def test_userinfo_with_bad_token_is_401(user_agent, token):
    r = back_channel(user_agent).get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    challenge = r.headers["WWW-Authenticate"]
    assert challenge.lower().startswith("bearer")  # the scheme is case-insensitive (RFC 9110 §11.1)
    if token:
        assert 'error="invalid_token"' in challenge


def test_userinfo_without_token_is_401(user_agent):
    r = back_channel(user_agent).get("/userinfo")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_userinfo_with_expired_access_token_is_401(user_agent, erika, rp):
    user_agent.login()
    access = tokens(user_agent, rp)["access_token"]
    assert userinfo(user_agent, access).status_code == 200
    timeutil.travel(timedelta(seconds=601))
    r = userinfo(user_agent, access)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_logout_with_unregistered_post_logout_redirect_uri_does_not_redirect(app, user_agent, erika, make_client):
    rp = make_client(post_logout_redirect_uris=["http://127.0.0.1:9/abgemeldet"])
    user_agent.login()
    id_token = tokens(user_agent, rp)["id_token"]
    evil = "http://127.0.0.1:9/woanders"
    for query in (dict(id_token_hint=id_token, post_logout_redirect_uri=evil),
                  dict(client_id=rp.client_id, post_logout_redirect_uri=evil),
                  dict(post_logout_redirect_uri=evil),
                  dict(id_token_hint=id_token, post_logout_redirect_uri="http://127.0.0.1:9/abgemeldet/x")):
        r = user_agent.get("/logout", query_string=query)
        assert_error_page(r, not_to=evil)
    # The registered one works, with the state.
    r = user_agent.get("/logout", query_string=dict(id_token_hint=id_token, state="tschuess",
                                                    post_logout_redirect_uri="http://127.0.0.1:9/abgemeldet"))
    assert location(r) == "http://127.0.0.1:9/abgemeldet?state=tschuess"


def test_logout_with_forged_id_token_hint_is_refused(user_agent, erika, rp):
    user_agent.login()
    id_token = tokens(user_agent, rp)["id_token"]
    header, payload, signature = id_token.split(".")
    forged = ".".join((header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")))
    r = user_agent.get("/logout", query_string=dict(id_token_hint=forged))
    assert_error_page(r)
    # Still logged in: a forged hint ends nothing.
    assert user_agent.get("/mein-bereich").status_code == 200


@pytest.fixture
def berlin_time(monkeypatch):
    """The server runs with German local time, as a state's data centre may."""
    import time as _time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    _time.tzset()
    yield
    monkeypatch.undo()
    _time.tzset()


def test_auth_time_is_the_real_login_time_whatever_the_server_zone(user_agent, erika, rp, berlin_time):
    import time as _time

    before = int(_time.time())
    user_agent.login()
    claims = _id_token(exchange(user_agent, rp, obtain_code(user_agent, rp)))
    after = int(_time.time())
    # RPs check max_age against auth_time; an hour off would make every login look stale or fresh.
    assert before - 1 <= claims["auth_time"] <= after + 1
    assert abs(claims["iat"] - claims["auth_time"]) < 60


def test_a_second_app_in_the_process_keeps_the_scope_filter(app, tmp_path, user_agent, erika, rp):
    """The Authlib server object is shared by all apps of a process (the two-state
    demo, the CLI); creating another app must not change what is granted."""
    from idp import create_app
    from idp.config import Settings

    create_app(Settings.from_env({}, database_url=f"sqlite:///{tmp_path / 'other.db'}", keys_dir=tmp_path / "keys",
                                 instance_dir=tmp_path, testing=True))
    user_agent.login()
    r = exchange(user_agent, rp, obtain_code(user_agent, rp, scope="openid steuerakte"))
    assert r.json["scope"] == "openid"
