"""A registration started from an online service's authorization request ends at the
service: the activation link carries the request (on the server, with the link) and,
once it is opened in any browser, the request continues as after a login. A request
that expired meanwhile leaves the citizen in Mein Bereich with a note."""
from __future__ import annotations

from idp import timeutil
from idp.oidc.authorize import REQUEST_VALIDITY
from tests.conftest import Browserless, pkce_pair, query_of
from tests.support.flows import Grant, authorize_query, consent, exchange, location, path_of
from tests.support.registration import FORM, activation_path

EXPIRED_NOTE = "Die Anmeldung beim Online-Dienst ist inzwischen abgelaufen: Bitte starten Sie den Online-Dienst erneut."


def request_waiting_at_login(user_agent, rp) -> tuple[str, str]:
    """The service sends the browser here; returns (request id, PKCE verifier)."""
    verifier, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge))
    assert path_of(location(r)) == "/anmelden"
    return query_of(location(r))["anfrage"], verifier


def register_from_login_page(user_agent, record_id: str) -> None:
    login_page = user_agent.get(f"/anmelden?anfrage={record_id}").text
    assert f'href="/registrierung?anfrage={record_id}"' in login_page
    form = user_agent.get(f"/registrierung?anfrage={record_id}").text
    assert f'name="anfrage" value="{record_id}"' in form and "Online-Dienst" in form
    r = user_agent.submit(f"/registrierung?anfrage={record_id}", {**FORM, "anfrage": record_id})
    assert path_of(location(r)) == "/registrierung/uebersicht"
    r = user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert path_of(location(r)) == "/registrierung/gesendet"


def activate(agent, path: str):
    return agent.submit(path, {})


def test_registration_from_a_request_ends_at_the_service(app, user_agent, make_client, mailbox):
    rp = make_client()
    record_id, verifier = request_waiting_at_login(user_agent, rp)
    register_from_login_page(user_agent, record_id)
    # The link from the mail, opened in another browser (the mail program's).
    r = activate(Browserless(app), activation_path(mailbox))
    assert path_of(location(r)) == f"/authorize/weiter/{record_id}"
    assert record_id not in mailbox.wait_for(FORM["email"], "Aktivieren").body, "the request stays on the server"


def test_the_request_continues_to_a_code_for_the_new_account(app, user_agent, make_client, mailbox):
    rp = make_client()
    record_id, verifier = request_waiting_at_login(user_agent, rp)
    register_from_login_page(user_agent, record_id)
    r = activate(user_agent, activation_path(mailbox))
    r = user_agent.get(location(r))
    r = consent(user_agent, location(r))
    answer = location(r)
    assert answer.startswith(rp.redirect_uri + "?")
    params = query_of(answer)
    assert params["state"] == "zustand-1" and params["code"]
    issued = exchange(user_agent, rp, Grant(params["code"], verifier, params))
    assert issued.status_code == 200 and issued.json["id_token"]


def test_a_correction_on_the_form_keeps_the_request(app, user_agent, make_client, mailbox):
    rp = make_client()
    record_id, _ = request_waiting_at_login(user_agent, rp)
    r = user_agent.submit(f"/registrierung?anfrage={record_id}", {**FORM, "anfrage": record_id, "email": "kaputt"})
    assert r.status_code == 400 and f'name="anfrage" value="{record_id}"' in r.text
    # Back from the overview ("Zurück") the form still knows it, without the parameter.
    user_agent.submit("/registrierung", FORM)
    assert f'name="anfrage" value="{record_id}"' in user_agent.get("/registrierung").text
    user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    r = activate(user_agent, activation_path(mailbox))
    assert path_of(location(r)) == f"/authorize/weiter/{record_id}"


def test_an_expired_request_leaves_the_citizen_in_mein_bereich_with_a_note(app, user_agent, make_client, mailbox):
    rp = make_client()
    record_id, _ = request_waiting_at_login(user_agent, rp)
    register_from_login_page(user_agent, record_id)
    timeutil.travel(REQUEST_VALIDITY + REQUEST_VALIDITY / 10)
    r = activate(user_agent, activation_path(mailbox))
    assert path_of(location(r)) == "/mein-bereich"
    page = user_agent.get(location(r))
    assert page.status_code == 200 and EXPIRED_NOTE in page.text


def test_an_unknown_request_is_not_carried(app, user_agent, mailbox):
    user_agent.submit("/registrierung?anfrage=erfunden", {**FORM, "anfrage": "erfunden"})
    assert 'name="anfrage"' not in user_agent.get("/registrierung").text
    user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    r = activate(user_agent, activation_path(mailbox))
    assert location(r).endswith("/mein-bereich?hinweis=aktiviert")
