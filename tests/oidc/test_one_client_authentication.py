"""RFC 6749 §2.3: a request authenticates its client with one method. Basic plus a
secret or an assertion in the body is `invalid_request` at every endpoint that
authenticates clients, whatever the credentials are worth."""
import pytest

from tests.conftest import pkce_pair
from tests.support.client_keys import assertion, form, new_key, public_jwks
from tests.support.flows import authorize_query, back_channel, obtain_code

ENDPOINTS = ["/token", "/revoke", "/introspect", "/par"]


@pytest.fixture
def rp(make_client):
    return make_client(name="Wohngeld")


@pytest.fixture
def other(make_client):
    return make_client(name="Kindergeld")


def body_for(endpoint: str, rp) -> dict:
    if endpoint == "/token":
        return {"grant_type": "refresh_token", "refresh_token": "unbekannt"}
    if endpoint == "/par":
        _, challenge = pkce_pair()
        query = authorize_query(rp, challenge)
        query.pop("client_id")
        return query
    return {"token": "irgendein-token"}


def assert_invalid_request(r):
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json["error"] == "invalid_request", r.json
    assert not {"access_token", "request_uri", "active"} & set(r.json)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_basic_and_secret_in_body_of_the_same_client(user_agent, rp, endpoint):
    data = {**body_for(endpoint, rp), "client_id": rp.client_id, "client_secret": rp.client_secret}
    assert_invalid_request(back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, rp.client_secret)))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_basic_with_a_wrong_secret_and_the_right_secret_in_the_body(user_agent, rp, endpoint):
    data = {**body_for(endpoint, rp), "client_id": rp.client_id, "client_secret": rp.client_secret}
    assert_invalid_request(back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, "falsch")))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_basic_of_one_client_and_secret_of_another(user_agent, rp, other, endpoint):
    data = {**body_for(endpoint, rp), "client_id": other.client_id, "client_secret": other.client_secret}
    assert_invalid_request(back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, rp.client_secret)))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_basic_of_one_client_and_the_client_id_of_another(user_agent, rp, other, endpoint):
    data = {**body_for(endpoint, rp), "client_id": other.client_id}
    assert_invalid_request(back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, rp.client_secret)))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_assertion_and_basic(app, user_agent, make_client, rp, endpoint):
    key = new_key()
    signer = make_client(name="Gewerbe", token_endpoint_auth_method="private_key_jwt", jwks=public_jwks(key))
    data = form(assertion(app, signer, key), **body_for(endpoint, signer))
    assert_invalid_request(back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, rp.client_secret)))


def test_code_exchange_with_two_methods_is_refused_and_the_code_stays_usable(user_agent, make_account, rp):
    make_account()
    user_agent.login()
    grant = obtain_code(user_agent, rp)
    data = dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier)
    twice = back_channel(user_agent).post("/token", data={**data, "client_secret": rp.client_secret},
                                          auth=(rp.client_id, rp.client_secret))
    assert_invalid_request(twice)
    once = back_channel(user_agent).post("/token", data=data, auth=(rp.client_id, rp.client_secret))
    assert once.status_code == 200, once.json


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_one_method_with_the_own_client_id_in_the_body_is_accepted(user_agent, rp, endpoint):
    data = {**body_for(endpoint, rp), "client_id": rp.client_id}
    r = back_channel(user_agent).post(endpoint, data=data, auth=(rp.client_id, rp.client_secret))
    if endpoint == "/token":
        # Authenticated, and then the (unknown) refresh token is refused.
        assert r.status_code == 400 and r.json["error"] == "invalid_grant", r.json
    else:
        assert r.status_code in (200, 201), (r.status_code, r.text)
