"""Login sessions (SPEC §2 limits) and logout, as the citizen at the browser and the
online service see them. (Failed logins: test_login_backoff.)"""
from datetime import timedelta

from idp import timeutil
from idp.loa import Level
from tests.conftest import Browserless, csrf_from, query_of
from tests.support.flows import location, path_of, refresh, tokens, userinfo
from tests.support.pages import link_to
from tests.support.sessions import log_in_at_level

EXPIRED_TITLE = "Sitzung abgelaufen"


def at(minutes: float) -> None:
    timeutil.travel(timedelta(minutes=minutes))


def home(user_agent):
    return user_agent.get("/mein-bereich")


def assert_logged_in(user_agent):
    r = home(user_agent)
    assert r.status_code == 200, r.headers.get("Location")
    return r


def assert_expired(user_agent):
    """The next page is "Sitzung abgelaufen", which offers a new login; after it the
    browser is simply logged out."""
    r = home(user_agent)
    assert path_of(location(r)) == "/sitzung-abgelaufen"
    page = user_agent.get(location(r))
    assert EXPIRED_TITLE in page.text and "Erneut anmelden" in page.text
    assert link_to(page.text, "Erneut anmelden") == "/anmelden?next=/mein-bereich"
    r = home(user_agent)
    assert path_of(location(r)) == "/anmelden"


# -- session limits ---------------------------------------------------------------------------
def test_niedrig_session_ends_after_20_minutes_of_inactivity(user_agent, make_account):
    make_account()
    user_agent.login()
    page = assert_logged_in(user_agent)
    assert "niedrig" in page.text
    at(19)
    assert_logged_in(user_agent)
    at(38)  # 19 minutes after the last page: activity keeps the session
    assert_logged_in(user_agent)
    at(59)  # 21 minutes idle
    assert_expired(user_agent)


def test_niedrig_session_ends_after_12_hours_however_active(user_agent, make_account):
    make_account()
    user_agent.login()
    minute = 0
    while minute + 19 < 12 * 60:
        minute += 19
        at(minute)
        assert_logged_in(user_agent)
    at(12 * 60 + 2)
    assert_expired(user_agent)


def test_substanziell_session_ends_after_2_hours_however_active(user_agent, make_account):
    make_account(level=Level.SUBSTANZIELL)
    user_agent.login()
    assert "substanziell" in assert_logged_in(user_agent).text
    for minute in (18, 36, 54, 72, 90, 108, 118):
        at(minute)
        assert_logged_in(user_agent)
    at(122)
    assert_expired(user_agent)


def test_substanziell_session_ends_after_20_minutes_of_inactivity(user_agent, make_account):
    make_account(level=Level.SUBSTANZIELL)
    user_agent.login()
    at(19)
    assert_logged_in(user_agent)
    at(40)
    assert_expired(user_agent)


def test_hoch_session_ends_after_5_minutes_of_inactivity(app, user_agent, make_account):
    account = make_account(level=Level.HOCH)
    log_in_at_level(app, user_agent, account, Level.HOCH)
    assert "hoch" in assert_logged_in(user_agent).text
    at(4)
    assert_logged_in(user_agent)
    at(10)
    assert_expired(user_agent)


def test_hoch_session_ends_after_30_minutes_however_active(app, user_agent, make_account):
    account = make_account(level=Level.HOCH)
    log_in_at_level(app, user_agent, account, Level.HOCH)
    for minute in range(4, 29, 4):
        at(minute)
        assert_logged_in(user_agent)
    at(31)
    assert_expired(user_agent)


def expired_at(user_agent, response):
    """Follow the way to "Sitzung abgelaufen"; the address its new login leads to."""
    assert path_of(location(response)) == "/sitzung-abgelaufen"
    page = user_agent.get(location(response))
    assert EXPIRED_TITLE in page.text
    return link_to(page.text, "Erneut anmelden")


def test_the_new_login_after_an_expired_session_returns_to_the_page(user_agent, make_account):
    make_account()
    user_agent.login()
    at(21)
    again = expired_at(user_agent, user_agent.get("/mein-bereich/datenzugriff?seite=2"))
    assert query_of(again)["next"] == "/mein-bereich/datenzugriff?seite=2"
    r = user_agent.submit(again, {"email": "erika@example.org", "password": "ABab1234"})
    assert location(r) == "/mein-bereich/datenzugriff?seite=2"


def test_a_form_sent_after_the_session_expired_returns_to_its_page_not_to_the_sending(app, user_agent,
                                                                                     make_account):
    make_account()
    user_agent.login()
    form = user_agent.get("/mein-bereich/profil").text
    at(21)
    r = user_agent.post("/mein-bereich/profil", data={"given_name": "Eva", "csrf_token": csrf_from(form)})
    again = expired_at(user_agent, r)
    assert query_of(again)["next"] == "/mein-bereich/profil"
    r = user_agent.submit(again, {"email": "erika@example.org", "password": "ABab1234"})
    assert location(r) == "/mein-bereich/profil"
    assert "Erika" in user_agent.get("/mein-bereich/profil").text  # nothing half-submitted was kept


def test_a_post_only_address_is_no_page_to_return_to(user_agent, make_account):
    make_account()
    user_agent.login()
    form = user_agent.get("/mein-bereich/datenzugriff").text
    at(21)
    r = user_agent.post("/mein-bereich/datenzugriff/verlauf/loeschen", data={"csrf_token": csrf_from(form)})
    assert expired_at(user_agent, r) == "/anmelden"


def test_the_expired_page_offers_only_local_pages(user_agent):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = user_agent.get("/sitzung-abgelaufen", query_string={"next": target})
        assert link_to(page.text, "Erneut anmelden") == "/anmelden"


def test_expired_session_sends_an_authorization_request_to_the_login(user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    user_agent.login()
    at(21)
    r = user_agent.get("/authorize", query_string=dict(
        response_type="code", client_id=rp.client_id, redirect_uri=rp.redirect_uri, scope="openid",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method="S256"))
    assert path_of(location(r)) == "/anmelden"


def test_refresh_token_ends_with_the_login_session(user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    user_agent.login()
    issued = tokens(user_agent, rp)
    at(10)
    still = refresh(user_agent, rp, issued["refresh_token"])
    assert still.status_code == 200
    # The browser never comes back; the session is over all the same.
    at(31)
    r = refresh(user_agent, rp, still.json["refresh_token"])
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


def test_refresh_token_ends_at_the_total_limit(user_agent, make_account, make_client):
    make_account(level=Level.SUBSTANZIELL)
    rp = make_client()
    user_agent.login()
    current = tokens(user_agent, rp)["refresh_token"]
    for minute in (15, 30, 45, 60, 75, 90, 105, 118):
        at(minute)
        assert_logged_in(user_agent)
        r = refresh(user_agent, rp, current)
        assert r.status_code == 200, (minute, r.json)
        current = r.json["refresh_token"]
    at(121)
    r = refresh(user_agent, rp, current)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"


# -- logout ------------------------------------------------------------------------------------
def test_logout_ends_the_session_and_revokes_its_tokens(app, user_agent, make_account, make_client):
    make_account()
    rp, other = make_client(), make_client(redirect_uri="http://127.0.0.1:9/zwei")
    user_agent.login()
    first, second = tokens(user_agent, rp), tokens(user_agent, other)
    cookie = user_agent.client.get_cookie("servicekonto").value
    page = user_agent.get("/abmelden")
    assert "Möchten Sie sich vom Servicekonto" in page.text
    r = user_agent.submit("/abmelden", {})
    assert r.status_code == 200 and "Sie sind abgemeldet" in r.text
    assert path_of(location(home(user_agent))) == "/anmelden"
    for issued, client in ((first, rp), (second, other)):
        assert userinfo(user_agent, issued["access_token"]).status_code == 401
        r = refresh(user_agent, client, issued["refresh_token"])
        assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    # The old cookie, replayed, opens nothing.
    replay = Browserless(app)
    replay.client.set_cookie("servicekonto", cookie)
    assert path_of(location(home(replay))) == "/anmelden"


def test_rp_initiated_logout_with_hint_ends_the_session(user_agent, make_account, make_client):
    make_account()
    rp = make_client(post_logout_redirect_uris=["http://127.0.0.1:9/abgemeldet"])
    user_agent.login()
    issued = tokens(user_agent, rp)
    r = user_agent.get("/logout", query_string=dict(id_token_hint=issued["id_token"], state="s",
                                                    post_logout_redirect_uri="http://127.0.0.1:9/abgemeldet"))
    assert location(r) == "http://127.0.0.1:9/abgemeldet?state=s"
    assert path_of(location(home(user_agent))) == "/anmelden"
    assert userinfo(user_agent, issued["access_token"]).status_code == 401


def test_logout_without_hint_asks_first(user_agent, make_account):
    make_account()
    user_agent.login()
    r = user_agent.get("/logout")
    assert r.status_code == 200 and "Möchten Sie sich vom Servicekonto" in r.text
    assert_logged_in(user_agent)  # a foreign page cannot log anyone out
    r = user_agent.submit("/logout", {"confirm": "1"})
    assert "Sie sind abgemeldet" in r.text
    assert path_of(location(home(user_agent))) == "/anmelden"


def test_logout_of_one_browser_leaves_other_sessions(app, user_agent, make_account):
    make_account()
    other = Browserless(app)
    user_agent.login()
    other.login()
    user_agent.submit("/abmelden", {})
    assert_logged_in(other)
