"""Logins and logouts in the audit log: the online service a login answers, the
refusals of the eID back end, and logouts here and from an online service."""
from __future__ import annotations

from tests.audit.support import assert_no_personal_data, events, read_card, summary
from tests.conftest import pkce_pair, query_of
from tests.support.flows import authorize_query, location


def test_a_login_for_an_online_service_names_it_and_the_logout_follows(app, user_agent, make_account,
                                                                        make_client):
    account_id = make_account()
    rp = make_client()
    _, challenge = pkce_pair()
    asked = user_agent.get("/authorize", query_string=authorize_query(rp, challenge))
    record_id = query_of(location(asked))["anfrage"]
    assert user_agent.login(anfrage=record_id).status_code == 302
    assert user_agent.submit("/abmelden", {}).status_code == 200

    login, logout = events(app, "login.", "logout")
    assert (login.event, login.account_id, login.client_id, login.details) == (
        "login.succeeded", account_id, rp.client_id, {"method": "password", "level": "niedrig"})
    assert (logout.event, logout.account_id, logout.client_id, logout.details) == (
        "logout", account_id, None, {"method": "password"})
    # A login of one's own, not for a service, names none.
    user_agent.login()
    assert events(app, "login.succeeded")[-1].client_id is None


def test_a_logout_asked_for_by_an_online_service_names_it(app, user_agent, make_account, make_client):
    account_id = make_account()
    rp = make_client(post_logout_redirect_uris=["http://127.0.0.1:9/"])
    user_agent.login()
    page = user_agent.get("/logout", query_string={"client_id": rp.client_id,
                                                    "post_logout_redirect_uri": "http://127.0.0.1:9/"})
    assert page.status_code == 200  # no id_token_hint: the user confirms
    done = user_agent.submit(f"/logout?client_id={rp.client_id}&post_logout_redirect_uri=http://127.0.0.1:9/",
                             {"confirm": "1"})
    assert location(done).startswith("http://127.0.0.1:9/")
    [logout] = events(app, "logout")
    assert (logout.account_id, logout.client_id) == (account_id, rp.client_id)


def test_the_eid_back_end_refusing_a_card_is_a_failed_login(app, user_agent, live_server, make_account):
    make_account()
    # A card no account here is set up for.
    refused = read_card(user_agent, user_agent.get("/anmelden/eid"))
    assert refused.status_code == 400 and "kein Servicekonto mit Online-Ausweisfunktion" in refused.text
    # Cancelled in the eID-Client.
    cancelled = read_card(user_agent, user_agent.get("/anmelden/eid"), aktion="abbrechen")
    assert cancelled.status_code == 400

    found = events(app)
    assert summary(found) == [
        ("login.failed", False, {"method": "eid", "reason": "unknown_card"}),
        ("login.failed", False, {"method": "eid", "reason": "client"}),
    ]
    assert all(e.account_id is None and e.email is None for e in found)
    assert_no_personal_data(found, "Erika", "Mustermann")

