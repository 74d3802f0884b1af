"""The database out of reach (a restart, a fail-over): every caller gets 503 with
Retry-After in its own form, never a 500 page. tests/ops/test_resilience.py restarts a
real PostgreSQL under load; here the IdP points at a port where no database listens."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from idp import database, outage
from idp.authn.web import SESSION_KEY
from idp.extensions import db
from tests.conftest import free_port
from tests.postfach.conftest import assert_documented

POSTFACH = "/api/postfach/v1"


@pytest.fixture
def no_database(variant_app):
    return variant_app(database_url=f"postgresql+psycopg://servicekonto@127.0.0.1:{free_port()}/servicekonto")


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("method, path, kwargs", [
    ("post", "/token", {"data": {"grant_type": "client_credentials"}, "auth": ("dienst", "geheim")}),
    ("get", "/userinfo", {"headers": {"Authorization": "Bearer irgendein-token"}}),
    ("post", "/introspect", {"data": {"token": "t"}, "auth": ("dienst", "geheim")}),
])
def test_protocol_endpoints_answer_oauth_json(no_database, method, path, kwargs):
    response = getattr(no_database.test_client(), method)(path, **kwargs)
    assert_unavailable(response)
    assert response.json["error"] == "temporarily_unavailable"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_answer_a_german_page_without_the_login_state(no_database):
    browser = no_database.test_client()
    # With a login in the session cookie every page looks the login up first.
    with browser.session_transaction() as session:
        session[SESSION_KEY] = "irgendeine-sitzung"
    for path in ("/mein-bereich", "/authorize?client_id=dienst&response_type=code"):
        response = browser.get(path)
        assert_unavailable(response)
        assert response.mimetype == "text/html"
        assert "<h1>Vorübergehend nicht erreichbar</h1>" in response.text
        assert "Bitte versuchen Sie es in wenigen Sekunden erneut." in response.text


def test_the_postfach_api_answers_its_documented_problem(no_database):
    response = no_database.test_client().get(POSTFACH + "/antworten",
                                             headers={"Authorization": "Bearer irgendein-token"})
    assert_unavailable(response)
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "urn:servicekonto:postfach:problem:nicht-verfuegbar"
    assert_documented(response, "/antworten", "get")


def test_readiness_says_not_ready_instead(no_database):
    response = no_database.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["database"] == "failed"


def test_a_faulty_statement_is_no_outage(app_ctx):
    # A defect must stay visible as one (a 500 and a logged stack), not pass as "try again".
    with pytest.raises(DBAPIError) as refused:
        db.session.execute(text("SELECT no_such_column FROM account"))
    db.session.rollback()
    assert not database.is_outage(refused.value)
