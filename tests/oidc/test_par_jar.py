"""RFC 9126 pushed authorization requests and RFC 9101 signed request objects, as an
online service and a browser see them. Every refusal is a standard error: JSON at
/par, an error page at /authorize (nothing there can be trusted to redirect to)."""
import base64
import json
import secrets
from datetime import timedelta, timezone

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from idp import timeutil
from tests.conftest import pkce_pair, query_of
from tests.support.client_keys import assertion, form
from tests.support.flows import Grant, assert_error_page, authorize_query, back_channel, consent, exchange, location

URN = "urn:ietf:params:oauth:request_uri:"


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def rp(make_client):
    return make_client(name="Wohngeld")


@pytest.fixture
def key():
    key = ECKey.generate_key("P-256")
    key.ensure_kid()
    return key


@pytest.fixture
def signer(make_client, key):
    """A client with keys, so it can sign request objects."""
    return make_client(name="Gewerbe", token_endpoint_auth_method="private_key_jwt",
                       jwks={"keys": [key.as_dict(private=False)]})


def now() -> int:
    return int(timeutil.utcnow().replace(tzinfo=timezone.utc).timestamp())


def push(user_agent, rp, **params):
    return back_channel(user_agent).post("/par", data=params, auth=(rp.client_id, rp.client_secret))


def pushed_query(rp, challenge, **extra):
    query = authorize_query(rp, challenge, **extra)
    query.pop("client_id")
    return query


def follow(user_agent, url_or_response, rp) -> dict:
    loc = url_or_response if isinstance(url_or_response, str) else location(url_or_response)
    if "/zustimmung" in loc:
        loc = location(consent(user_agent, loc))
    assert loc.startswith(rp.redirect_uri + "?"), loc
    return query_of(loc)


def request_object(app, rp, key, alg="ES256", **overrides) -> str:
    _, challenge = pkce_pair()
    claims = dict(authorize_query(rp, challenge), iss=rp.client_id, aud=app.config["SERVICEKONTO"].issuer,
                  exp=now() + 300, nbf=now())
    claims.update(overrides)
    return jwt.encode({"alg": alg, "kid": key.kid}, {k: v for k, v in claims.items() if v is not None}, key,
                      algorithms=[alg])


def authorize_with(user_agent, rp, **query):
    return user_agent.get("/authorize", query_string={"client_id": rp.client_id, **query})


# -- RFC 9126 ---------------------------------------------------------------------------------
def test_pushed_request_leads_to_a_code_and_is_single_use(user_agent, erika, rp):
    verifier, challenge = pkce_pair()
    r = push(user_agent, rp, **pushed_query(rp, challenge, state="gepusht"))
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    assert r.json["expires_in"] == 60 and r.json["request_uri"].startswith(URN)
    request_uri = r.json["request_uri"]
    user_agent.login()
    params = follow(user_agent, authorize_with(user_agent, rp, request_uri=request_uri), rp)
    assert params["state"] == "gepusht"
    assert exchange(user_agent, rp, Grant(params["code"], verifier, params)).status_code == 200
    r = authorize_with(user_agent, rp, request_uri=request_uri)
    assert_error_page(r, not_to=rp.redirect_uri)
    assert "invalid_request_uri" in r.text


def test_parameters_on_the_url_do_not_change_a_pushed_request(user_agent, erika, rp):
    _, challenge = pkce_pair()
    request_uri = push(user_agent, rp, **pushed_query(rp, challenge, state="echt")).json["request_uri"]
    user_agent.login()
    r = authorize_with(user_agent, rp, request_uri=request_uri, state="falsch", redirect_uri="http://127.0.0.1:9/x")
    assert follow(user_agent, r, rp)["state"] == "echt"


def test_pushed_request_expires_after_a_minute(user_agent, erika, rp):
    _, challenge = pkce_pair()
    request_uri = push(user_agent, rp, **pushed_query(rp, challenge)).json["request_uri"]
    timeutil.travel(timedelta(seconds=61))
    r = authorize_with(user_agent, rp, request_uri=request_uri)
    assert_error_page(r)
    assert "invalid_request_uri" in r.text


def test_pushed_request_of_another_client_is_refused(user_agent, erika, rp, make_client):
    other = make_client(redirect_uri="http://127.0.0.1:9/andere")
    _, challenge = pkce_pair()
    request_uri = push(user_agent, rp, **pushed_query(rp, challenge)).json["request_uri"]
    r = authorize_with(user_agent, other, request_uri=request_uri)
    assert_error_page(r, not_to=rp.redirect_uri)
    assert "invalid_request_uri" in r.text


@pytest.mark.parametrize("request_uri, error", [
    ("https://dienst.example/anfrage.jwt", "request_uri_not_supported"),
    (URN + "erfunden", "invalid_request_uri"),
])
def test_request_uris_not_from_par_are_refused(user_agent, rp, request_uri, error):
    r = authorize_with(user_agent, rp, request_uri=request_uri)
    assert_error_page(r)
    assert error in r.text


def test_client_that_must_push_is_refused_at_authorize(user_agent, erika, make_client):
    strict = make_client(require_par=True)
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(strict, challenge))
    assert_error_page(r, not_to=strict.redirect_uri)
    assert "invalid_request" in r.text and "/par" in r.text
    request_uri = push(user_agent, strict, **pushed_query(strict, challenge)).json["request_uri"]
    user_agent.login()
    assert "code" in follow(user_agent, authorize_with(user_agent, strict, request_uri=request_uri), strict)


def test_client_that_must_push_must_use_pkce(user_agent, erika, make_client):
    """FAPI 2.0 §5.3.2.2: a client of the profile gets no code without PKCE."""
    strict = make_client(require_par=True)
    query = pushed_query(strict, None)
    request_uri = push(user_agent, strict, **query).json["request_uri"]
    user_agent.login()
    answer = follow(user_agent, authorize_with(user_agent, strict, request_uri=request_uri), strict)
    assert answer["error"] == "invalid_request" and "code" not in answer
    assert "PKCE" in answer["error_description"]


@pytest.mark.parametrize("change, status, error", [
    (dict(redirect_uri="http://127.0.0.1:9/evil"), 400, "invalid_request"),
    (dict(response_type="token"), 400, "unsupported_response_type"),
    (dict(request_uri=URN + "x"), 400, "invalid_request"),
    (dict(client_id="jemand-anderes"), 400, "invalid_request"),
])
def test_par_refuses_bad_requests_as_json(user_agent, rp, change, status, error):
    _, challenge = pkce_pair()
    r = push(user_agent, rp, **{**pushed_query(rp, challenge), **change})
    assert r.status_code == status and r.json["error"] == error, r.json
    assert "Location" not in r.headers and "request_uri" not in r.json


def test_par_requires_client_authentication(user_agent, rp):
    _, challenge = pkce_pair()
    r = back_channel(user_agent).post("/par", data=pushed_query(rp, challenge), auth=(rp.client_id, "falsch"))
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    r = back_channel(user_agent).post("/par", data={**pushed_query(rp, challenge), "client_id": rp.client_id})
    assert r.json["error"] == "invalid_client"
    assert back_channel(user_agent).get("/par").status_code == 405


def test_public_client_pushes_with_its_client_id(user_agent, erika, make_client):
    public = make_client(public=True)
    _, challenge = pkce_pair()
    r = back_channel(user_agent).post("/par", data=authorize_query(public, challenge))
    assert r.status_code == 201, r.json
    user_agent.login()
    assert "code" in follow(user_agent, authorize_with(user_agent, public, request_uri=r.json["request_uri"]), public)


def test_purge_removes_expired_pushed_requests(app, user_agent, rp):
    from idp.maintenance import purge_expired

    _, challenge = pkce_pair()
    assert push(user_agent, rp, **pushed_query(rp, challenge)).status_code == 201
    with app.app_context():
        assert purge_expired()["pushed authorization requests"] == 0
        timeutil.travel(timedelta(seconds=61))
        assert purge_expired()["pushed authorization requests"] == 1


# -- RFC 9101 ---------------------------------------------------------------------------------
def test_signed_request_object_by_value(app, user_agent, erika, signer, key):
    user_agent.login()
    r = authorize_with(user_agent, signer, request=request_object(app, signer, key, state="im-objekt"),
                       state="auf-der-url")
    params = follow(user_agent, r, signer)
    assert params["state"] == "im-objekt" and "code" in params


def test_claims_parameter_inside_a_request_object(app, user_agent, erika, signer, key):
    user_agent.login()
    claims = {"id_token": {"acr": {"essential": True, "values": ["http://eidas.europa.eu/LoA/high"]}}}
    r = authorize_with(user_agent, signer, request=request_object(app, signer, key, claims=claims))
    assert "/vertrauensniveau" in location(r)


def test_request_object_pushed_to_par(app, user_agent, erika, signer, key):
    r = back_channel(user_agent).post("/par", data=form(assertion(app, signer, key),
                                                         request=request_object(app, signer, key, state="jar-par")))
    assert r.status_code == 201, r.json
    user_agent.login()
    params = follow(user_agent, authorize_with(user_agent, signer, request_uri=r.json["request_uri"]), signer)
    assert params["state"] == "jar-par"
    bad = back_channel(user_agent).post("/par", data=form(assertion(app, signer, key),
                                                           request=request_object(app, signer, key, aud="x")))
    assert bad.status_code == 400 and bad.json["error"] == "invalid_request_object"


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("case", ["alg-none", "foreign-key", "aud", "client-id", "iss", "expired", "too-long",
                                  "no-exp", "not-a-jwt", "nested"])
def test_unusable_request_objects_are_refused(app, user_agent, erika, signer, key, case):
    stranger = ECKey.generate_key("P-256", parameters={"kid": key.kid})
    objects = {
        "alg-none": lambda: f"{_b64({'alg': 'none'})}.{_b64(dict(authorize_query(signer), iss=signer.client_id, aud=app.config['SERVICEKONTO'].issuer, exp=now() + 60))}.",
        "foreign-key": lambda: request_object(app, signer, stranger),
        "aud": lambda: request_object(app, signer, key, aud="https://anderer.example"),
        "client-id": lambda: request_object(app, signer, key, client_id="jemand-anderes"),
        "iss": lambda: request_object(app, signer, key, iss="jemand-anderes"),
        "expired": lambda: request_object(app, signer, key, exp=now() - 60),
        "too-long": lambda: request_object(app, signer, key, exp=now() + 7200),
        "no-exp": lambda: request_object(app, signer, key, exp=None),
        "not-a-jwt": lambda: "kein-jwt",
        "nested": lambda: request_object(app, signer, key, request_uri=URN + "x"),
    }
    user_agent.login()
    r = authorize_with(user_agent, signer, request=objects[case]())
    assert_error_page(r, not_to=signer.redirect_uri)
    assert "invalid_request_object" in r.text


def test_client_without_keys_cannot_use_request_objects(app, user_agent, erika, rp, key):
    r = authorize_with(user_agent, rp, request=request_object(app, rp, key))
    assert_error_page(r, not_to=rp.redirect_uri)
    assert "invalid_request_object" in r.text


def test_encrypted_request_object_is_not_supported(user_agent, signer):
    five_parts = ".".join(secrets.token_urlsafe(8) for _ in range(5))
    r = authorize_with(user_agent, signer, request=five_parts)
    assert_error_page(r, not_to=signer.redirect_uri)
    assert "request_not_supported" in r.text


def test_request_and_request_uri_together_are_refused(app, user_agent, signer, key):
    r = authorize_with(user_agent, signer, request=request_object(app, signer, key), request_uri=URN + "x")
    assert_error_page(r)
    assert "invalid_request" in r.text


def test_discovery_describes_par_and_request_objects(app, user_agent):
    meta = back_channel(user_agent).get("/.well-known/openid-configuration").json
    assert meta["pushed_authorization_request_endpoint"] == app.config["SERVICEKONTO"].issuer + "/par"
    assert meta["require_pushed_authorization_requests"] is False
    assert meta["request_parameter_supported"] is True
    assert meta["request_object_signing_alg_values_supported"] == ["ES256", "RS256", "PS256"]
    assert meta["request_uri_parameter_supported"] is False
