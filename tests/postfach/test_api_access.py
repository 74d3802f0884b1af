"""Who may use the message API: a service's own token with scope postfach, bound to its
key when registered with DPoP; a service reaches only whom it knows and sees only its
own messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from idp import timeutil
from idp.extensions import db
from idp.oidc.models import Token
from idp.postfach.models import Message
from idp.secrets import digest
from tests.postfach.conftest import BASE, log_in_at, message
from tests.support.client_keys import dpop_proof
from tests.support.flows import tokens


def problem_of(response, status: int, error: str | None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status and response.json.get("error") == error
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


@pytest.mark.parametrize("authorization", [None, "Basic abc", "Bearer ", "Bearer falsch"])
def test_without_a_valid_token_every_endpoint_is_401_with_a_challenge(service, known_sub, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in [("post", "/nachrichten"), ("get", "/nachrichten/x"), ("get", "/antworten?seit=2026-01-01T00:00:00Z")]:
        r = getattr(service.http, method)(BASE + path, headers=headers, json=message({"sub": known_sub}))
        expected = "invalid_token" if authorization and authorization.startswith("Bearer") else None
        problem_of(r, 401, expected)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_401(service, known_sub):
    service.fetch_token()
    timeutil.travel(timedelta(hours=2))
    problem_of(service.send(message({"sub": known_sub})), 401, "invalid_token")


def test_a_token_of_the_code_grant_is_403_insufficient_scope(app, service, erika):
    from tests.conftest import Browserless

    browser = Browserless(app)
    browser.login()
    service.access_token = tokens(browser, service.registered)["access_token"]
    r = service.send(message({"sub": "egal"}))
    problem_of(r, 403, "insufficient_scope")
    assert r.headers["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_token_that_speaks_for_a_person_is_refused_even_with_the_postfach_scope(app, service, erika):
    # The code grant never grants postfach; should a token of a person carry it anyway,
    # the API still takes only a service's own token.
    with app.app_context():
        db.session.add(Token(client_id=service.client_id, account_id=erika, grant_id="g", scope="postfach", amr=[],
                             access_token_hash=digest("personal-token"), expires_in=600))
        db.session.commit()
    service.access_token = "personal-token"
    problem_of(service.status("x"), 403, "insufficient_scope")


def test_a_token_without_the_postfach_scope_is_403(app, service):
    with app.app_context():
        db.session.add(Token(client_id=service.client_id, account_id=None, grant_id="g", scope="anderes", amr=[],
                             access_token_hash=digest("service-token"), expires_in=600))
        db.session.commit()
    service.access_token = "service-token"
    problem_of(service.replies(seit="2026-01-01T00:00:00Z"), 403, "insufficient_scope")


def test_a_revoked_token_is_401(app, service, known_sub):
    service.fetch_token()
    service.http.post("/revoke", data={"token": service.access_token},
                      auth=(service.client_id, service.registered.client_secret))
    problem_of(service.send(message({"sub": known_sub})), 401, "invalid_token")


# -- one service, not another ------------------------------------------------------------------


def test_a_service_cannot_reach_a_sub_another_service_received(app, make_service, erika):
    a, b = make_service("Dienst A"), make_service("Dienst B")
    sub_at_b = log_in_at(app, b)["sub"]
    r = a.send(message({"sub": sub_at_b}))
    assert r.status_code == 404, r.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert b.send(message({"sub": sub_at_b})).status_code == 201


def test_a_service_cannot_read_another_services_message(app, make_service, erika):
    a, b = make_service("Dienst A"), make_service("Dienst B")
    sent_by_b = b.send(message({"sub": log_in_at(app, b)["sub"]})).json
    assert a.status(sent_by_b["id"]).status_code == 404
    assert b.status(sent_by_b["id"]).status_code == 200


# -- DPoP ------------------------------------------------------------------------------------------


@pytest.fixture
def bound(app, make_service, erika):
    """A service registered with DPoP that knows Erika (her identifier remembered as a
    login would)."""
    from idp.accounts.models import Account
    from idp.oidc import identifiers
    from idp.oidc.server import _keys, subject_for

    bound = make_service("Elterngeld", dpop=True)
    with app.app_context():
        sub = subject_for(bound.client_id, erika)
        identifiers.remember(bound.client_id, db.session.get(Account, erika), sub, _keys().secret("pairwise"))
        db.session.commit()
    bound.sub = sub
    return bound


def test_a_dpop_service_gets_a_bound_token_and_uses_it_with_proofs(app, bound):
    issued = bound.fetch_token()
    assert issued["token_type"] == "DPoP"
    r = bound.send(message({"sub": bound.sub}))
    assert r.status_code == 201, r.json
    assert bound.status(r.json["id"]).status_code == 200


def test_a_bound_token_without_its_proof_is_401(app, bound):
    bound.fetch_token()
    r = bound.http.get(f"{BASE}/nachrichten/x", headers={"Authorization": f"Bearer {bound.access_token}"})
    problem_of(r, 401, "invalid_token")
    assert r.headers["WWW-Authenticate"].startswith("DPoP")


def test_a_replayed_proof_is_refused_at_the_api(app, bound):
    bound.fetch_token()
    path = BASE + "/nachrichten"
    proof = dpop_proof(app, bound.key, "POST", path, bound.access_token, bound.nonce)
    assert bound.send(message({"sub": bound.sub}), proof=proof).status_code == 201
    r = bound.send(message({"sub": bound.sub}, reference="AZ-2"), proof=proof)
    assert problem_of(r, 401, "invalid_dpop_proof")["detail"] == "The proof was used before."
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_a_proof_for_another_endpoint_is_refused(app, bound):
    bound.fetch_token()
    proof = dpop_proof(app, bound.key, "GET", BASE + "/antworten", bound.access_token, bound.nonce)
    problem_of(bound.send(message({"sub": bound.sub}), proof=proof), 401, "invalid_dpop_proof")


def test_a_dpop_service_is_asked_for_a_fresh_nonce(app, bound):
    bound.fetch_token()
    proof = dpop_proof(app, bound.key, "POST", BASE + "/nachrichten", bound.access_token)
    r = bound.send(message({"sub": bound.sub}), proof=proof)
    problem_of(r, 401, "use_dpop_nonce")
    assert r.headers["DPoP-Nonce"]
