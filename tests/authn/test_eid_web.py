"""The HTTP edges of the Online-Ausweisfunktion that the browser journeys do not
reach: the TC token as the eID-Client fetches it, a return in another browser, the
communication error address, an eID-Server that refuses, and no eID-Server at all."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import requests
from markupsafe import escape

from eid_connector.results import Flow, ResultMinor, message_for
from eid_connector.tctoken import parse_tc_token
from idp.authn import eid
from tests.conftest import Browserless


def start_login(user_agent) -> str:
    """/anmelden/eid sends the browser to the eID-Client; returns the TC token URL."""
    response = user_agent.get("/anmelden/eid")
    assert response.status_code == 302
    target = urlparse(response.headers["Location"])
    assert target.path == "/eID-Client"
    return parse_qs(target.query)["tcTokenURL"][0]


def test_tc_token_is_served_once_as_schema_valid_xml(app, user_agent, live_server):
    url = start_login(user_agent)
    assert url.startswith(live_server + "/eid/tc-token/")
    path = urlparse(url).path
    first = Browserless(app).get(path)
    assert first.status_code == 200 and first.mimetype == "text/xml"
    token = parse_tc_token(first.data)
    assert token.refresh_address.startswith(live_server + "/eid/rueckkehr/")
    assert token.communication_error_address == live_server + "/eid/fehler"
    assert token.session_identifier and len(token.psk) >= 32
    # The PSK opens the card session: nobody gets it a second time.
    assert Browserless(app).get(path).status_code == 404


def test_return_in_another_browser_is_refused(app, user_agent):
    token = parse_tc_token(Browserless(app).get(urlparse(start_login(user_agent)).path).data)
    other = Browserless(app).get(urlparse(token.refresh_address).path + "?ResultMajor=ok")
    assert other.status_code == 400
    assert "in einem anderen Browser begonnen" in other.text


def test_communication_error_address_explains(user_agent):
    page = user_agent.get("/eid/fehler")
    assert page.status_code == 400 and "keine Verbindung aufbauen" in page.text


def test_eid_server_refusing_a_session_gets_a_german_message(user_agent, eid_simulators):
    forced = requests.post(eid_simulators.control_url, data={"minor": "useID#tooManyOpenSessions"}, timeout=5)
    assert forced.ok, forced.text
    page = user_agent.get("/anmelden/eid")
    assert page.status_code == 503
    assert str(escape(message_for(ResultMinor.TOO_MANY_OPEN_SESSIONS, Flow.LOGIN))) in page.text


def test_without_an_eid_server_the_function_says_it_is_not_available(app, user_agent, monkeypatch):
    monkeypatch.delitem(app.extensions, eid.EXTENSION_KEY)
    page = user_agent.get("/anmelden/eid")
    assert page.status_code == 503
    assert "derzeit nicht eingerichtet" in page.text
