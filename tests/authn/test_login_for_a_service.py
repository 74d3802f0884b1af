"""The login page opened by an online service: it names the service, lets the person
go back to it (RFC 6749 §4.1.2.1 `access_denied`), and a forgotten password does not
lose the waiting request."""
from __future__ import annotations

import re

from idp.extensions import db
from idp.oidc.models import AuthorizationRequestRecord
from tests.conftest import pkce_pair
from tests.support.flows import assert_error_redirect, authorize_query, location, path_of, query_of

NEW_PASSWORD = "Sonnenblume-42"


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


def test_a_forgotten_password_keeps_the_waiting_request(app, user_agent, mailbox, make_account, make_client):
    make_account()
    rp = make_client(name="Wohngeld")
    url = login_page(user_agent, rp)
    record_id = query_of(url)["anfrage"]
    forgotten = re.search(r'href="([^"]*/passwort-vergessen[^"]*)"', user_agent.get(url).text).group(1)
    assert query_of(forgotten.replace("&amp;", "&"))["anfrage"] == record_id
    assert f"/anmelden?anfrage={record_id}" in user_agent.get(forgotten).text  # "Zurück zur Anmeldung"
    user_agent.submit(forgotten, {"email": "erika@example.org"})
    link = re.search(r"https?://\S+/passwort-vergessen/neu/\S+",
                     mailbox.wait_for("erika@example.org", "Passwort").body).group(0)
    reset = link.split("/", 3)[3]
    done = user_agent.submit("/" + reset, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert "Passwort geändert" in done.text
    again = re.search(r'href="(/anmelden\?[^"]*)"', done.text).group(1).replace("&amp;", "&")
    assert query_of(again)["anfrage"] == record_id
    # The login with the new password answers the service's request.
    r = user_agent.login(password=NEW_PASSWORD, anfrage=record_id)
    assert path_of(location(r)) == f"/authorize/weiter/{record_id}"
    consent = location(user_agent.get(location(r)))
    assert path_of(consent) == f"/anfrage/{record_id}/zustimmung"


def test_a_reset_in_another_browser_does_not_continue_the_request(app, user_agent, mailbox, make_account,
                                                                   make_client):
    """The waiting request stays with the browser that started it: the mail carries no handle on it."""
    from tests.conftest import Browserless

    make_account()
    rp = make_client(name="Wohngeld")
    record_id = query_of(login_page(user_agent, rp))["anfrage"]
    user_agent.submit(f"/passwort-vergessen?anfrage={record_id}", {"email": "erika@example.org"})
    body = mailbox.wait_for("erika@example.org", "Passwort").body
    assert record_id not in body
    reset = re.search(r"https?://\S+/passwort-vergessen/neu/\S+", body).group(0).split("/", 3)[3]
    done = Browserless(app).submit("/" + reset, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert "Passwort geändert" in done.text and record_id not in done.text


def test_the_login_page_for_a_service_in_english(user_agent, make_client):
    from tests.support.languages import german_in, visible_text

    rp = make_client(name="Housing Benefit")
    page = user_agent.get(login_page(user_agent, rp), headers={"Accept-Language": "en"}).text
    text = visible_text(page)
    assert "The online service “Housing Benefit” asks you to log in" in text
    assert "Cancel and return to the online service" in text
    assert german_in(text) == []
