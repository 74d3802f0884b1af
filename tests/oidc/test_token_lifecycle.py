"""What ends a service's tokens without the service asking: the user withdraws the
consent in "Mein Bereich", deletes the account, or the operator disables the client.
Also what a service gets for scopes this provider does not know."""
import json

import pytest

from tests.conftest import pkce_pair
from tests.support.cli import run_cli
from tests.support.flows import (assert_error_page, authorize_query, back_channel, exchange, obtain_code, refresh,
                                 tokens, userinfo)


@pytest.fixture
def erika(make_account):
    return make_account()


@pytest.fixture
def rp(make_client):
    return make_client(name="Wohngeld")


def introspect(user_agent, rp, token):
    return back_channel(user_agent).post("/introspect", data={"token": token}, auth=(rp.client_id, rp.client_secret))


def assert_dead(user_agent, rp, issued):
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    assert introspect(user_agent, rp, issued["access_token"]).json == {"active": False}
    assert introspect(user_agent, rp, issued["refresh_token"]).json == {"active": False}
    assert refresh(user_agent, rp, issued["refresh_token"]).json["error"] == "invalid_grant"


def test_withdrawn_consent_ends_the_services_tokens(user_agent, erika, rp, make_client):
    other = make_client(name="Kfz", redirect_uri="http://127.0.0.1:9/kfz")
    user_agent.login()
    issued = tokens(user_agent, rp)
    kept = tokens(user_agent, other)
    page = user_agent.get("/mein-bereich/datenzugriff")
    assert "Wohngeld" in page.text
    r = user_agent.submit("/mein-bereich/datenzugriff", {},
                          action=f"/mein-bereich/datenzugriff/zustimmung/{rp.client_id}/widerrufen")
    assert r.status_code == 302
    assert_dead(user_agent, rp, issued)
    # The other service's consent and tokens are untouched.
    assert userinfo(user_agent, kept["access_token"]).status_code == 200
    # The next request asks for consent again.
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge))
    assert "/zustimmung" in r.headers["Location"]


def test_deleted_account_leaves_no_working_token(user_agent, erika, rp):
    user_agent.login()
    issued = tokens(user_agent, rp)
    r = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": "ABab1234"})
    assert r.headers["Location"].endswith("/servicekonto-geloescht")
    assert_dead(user_agent, rp, issued)


def test_disabled_client_is_refused_everywhere_and_its_tokens_end(app, user_agent, erika, rp):
    from idp.clients import set_disabled

    user_agent.login()
    issued = tokens(user_agent, rp)
    pending = obtain_code(user_agent, rp)
    with app.app_context():
        assert set_disabled(rp.client_id, True)
    # /token: the client is unknown now, even with a code it got before.
    r = exchange(user_agent, rp, pending)
    assert r.status_code == 401 and r.json["error"] == "invalid_client"
    # /authorize: an error page, the browser is not sent to the service.
    _, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge))
    assert_error_page(r, not_to=rp.redirect_uri)
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    assert introspect(user_agent, rp, issued["access_token"]).json["error"] == "invalid_client"
    # Enabled again, it works for new logins; the old tokens stay dead.
    with app.app_context():
        assert set_disabled(rp.client_id, False)
    assert_dead(user_agent, rp, issued)
    assert userinfo(user_agent, tokens(user_agent, rp)["access_token"]).status_code == 200


def test_cli_disables_and_enables_a_client(app, tmp_path, user_agent, erika, rp):
    def run(*args):
        return run_cli(app, tmp_path, "clients", *args)

    user_agent.login()
    issued = tokens(user_agent, rp)
    out = run("disable", rp.client_id)
    assert out.returncode == 0, out.stderr
    assert userinfo(user_agent, issued["access_token"]).status_code == 401
    listed = json.loads(run("list").stdout)
    assert [c["disabled"] for c in listed if c["client_id"] == rp.client_id] == [True]
    assert run("enable", rp.client_id).returncode == 0
    assert userinfo(user_agent, tokens(user_agent, rp)["access_token"]).status_code == 200
    out = run("disable", "gibt-es-nicht")
    assert out.returncode != 0 and "no client gibt-es-nicht" in out.stderr


def test_unknown_scope_is_left_out_and_the_granted_scope_named(user_agent, erika, rp):
    user_agent.login()
    r = exchange(user_agent, rp, obtain_code(user_agent, rp, scope="openid profile steuerakte"))
    assert r.status_code == 200 and r.json["scope"] == "openid profile"
    assert introspect(user_agent, rp, r.json["access_token"]).json["scope"] == "openid profile"
    # Refreshed tokens keep what was granted.
    assert refresh(user_agent, rp, r.json["refresh_token"]).json["scope"] == "openid profile"
