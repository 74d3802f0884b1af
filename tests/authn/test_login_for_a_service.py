"""The login page opened by an online service: it names the service and lets the person
go back to it (RFC 6749 §4.1.2.1 `access_denied`)."""
from __future__ import annotations

from idp.extensions import db
from idp.oidc.models import AuthorizationRequestRecord
from tests.conftest import pkce_pair
from tests.support.flows import assert_error_redirect, authorize_query, location, path_of, query_of


def login_page(user_agent, rp) -> str:
    """Where the service's authorization request sends a browser without a session."""
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1], state="zustand-1"))
    url = location(r)
    assert path_of(url) == "/anmelden", url
    return url


def test_the_login_page_names_the_service_escaped(user_agent, make_client):
    rp = make_client(name='Wohngeld <b>"&" Co</b>')
    page = user_agent.get(login_page(user_agent, rp)).text
    assert "Der Online-Dienst „Wohngeld &lt;b&gt;&#34;&amp;&#34; Co&lt;/b&gt;“ bittet Sie" in page
    assert "<b>" not in page.split("<main", 1)[1]
    assert "Abbrechen und zurück zum Online-Dienst" in page


def test_cancel_on_the_login_page_sends_access_denied_with_state_and_iss(app, user_agent, make_client):
    rp = make_client(name="Wohngeld")
    url = login_page(user_agent, rp)
    record_id = query_of(url)["anfrage"]
    r = user_agent.submit(url, {}, action=f"/anfrage/{record_id}/abbrechen")
    assert_error_redirect(r, rp, "access_denied", app)
    with app.app_context():
        assert db.session.get(AuthorizationRequestRecord, record_id) is None  # answered once
    # The request is over: cancelling again, or logging in for it, finds nothing.
    assert user_agent.submit(url, {}, action=f"/anfrage/{record_id}/abbrechen").status_code == 404


def test_cancel_needs_the_csrf_token(user_agent, make_client):
    rp = make_client()
    record_id = query_of(login_page(user_agent, rp))["anfrage"]
    assert user_agent.post(f"/anfrage/{record_id}/abbrechen").status_code == 400


def test_cancel_stays_after_a_refused_login(user_agent, make_account, make_client):
    make_account()
    rp = make_client(name="Wohngeld")
    url = login_page(user_agent, rp)
    r = user_agent.login(password="falsch", anfrage=query_of(url)["anfrage"])
    assert r.status_code == 400
    assert "„Wohngeld“" in r.text and "Abbrechen und zurück zum Online-Dienst" in r.text


def test_without_a_waiting_request_there_is_nothing_to_cancel(user_agent):
    page = user_agent.get("/anmelden").text
    assert "Abbrechen und zurück zum Online-Dienst" not in page and "bittet Sie" not in page
    assert user_agent.get("/anmelden?anfrage=unbekannt").text.count("Abbrechen und zurück") == 0


def test_the_login_page_for_a_service_in_english(user_agent, make_client):
    from tests.support.languages import german_in, visible_text

    rp = make_client(name="Housing Benefit")
    page = user_agent.get(login_page(user_agent, rp), headers={"Accept-Language": "en"}).text
    text = visible_text(page)
    assert "The online service “Housing Benefit” asks you to log in" in text
    assert "Cancel and return to the online service" in text
    assert german_in(text) == []
