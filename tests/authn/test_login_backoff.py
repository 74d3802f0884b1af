"""Failed password logins slow a guesser down but never lock the owner out (SPEC §3,
issue 14): a back-off per account, a strict limit per source address, and a browser
that logged in before (a known device) that strangers' failures do not hold up; the
reset link and the eID login always work."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from idp import timeutil
from idp.audit.search import Query, search
from idp.authn import throttle
from idp.extensions import db
from tests.support.login_backoff import (EMAIL, THROTTLED, admitted, at, browser, counted, fail, known_browser, refused,
                                         strangers_guess)


# -- the owner ---------------------------------------------------------------------------------
def test_strangers_guessing_do_not_keep_the_owner_out_of_her_known_browser(app, make_account):
    make_account()
    owner = known_browser(app)
    strangers_guess(app, 10)
    assert counted(app)[0] == 10
    # Any other browser waits, with the right password too.
    assert THROTTLED in refused(browser(app, "198.51.100.20").login())
    # Her own browser gets in, from the same address.
    assert admitted(owner.login())
    # ... without giving the guessers a fresh start.
    assert counted(app)[0] == 10
    assert THROTTLED in refused(browser(app, "203.0.113.99").login(password="Falsch-123"))


def test_a_known_browser_guessing_has_a_back_off_of_its_own(app, make_account):
    make_account()
    owner = known_browser(app)
    fail(owner, times=throttle.FREE_ATTEMPTS)
    assert THROTTLED in refused(owner.login())
    # The account itself is not held up by it.
    assert admitted(browser(app, "198.51.100.30").login())


def test_the_known_device_of_another_account_does_not_help(app, make_account):
    make_account()
    make_account(email="otto@example.org", given_name="Otto")
    family = known_browser(app, email="otto@example.org")
    strangers_guess(app, 6)
    assert THROTTLED in refused(family.login(email=EMAIL))
    # Otto's own login from it still works.
    assert admitted(family.login(email="otto@example.org"))


def test_a_forged_device_cookie_does_not_help(app, make_account):
    make_account()
    owner = known_browser(app)
    strangers_guess(app, 6)
    forger = browser(app, "198.51.100.21")
    name = app.config["SESSION_COOKIE_NAME"] + "_geraete"
    value = owner.client.get_cookie(name).value
    payload, _, signature = value.rpartition(".")
    forger.client.set_cookie(name, payload + "." + signature[::-1])
    assert THROTTLED in refused(forger.login())
    forger.client.set_cookie(name, value)  # a copy of the real one is the owner's device
    assert admitted(forger.login())


def test_the_device_cookie_is_http_only_and_lasts_180_days(app, make_account):
    make_account()
    r = browser(app, "198.51.100.22").login()
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith(app.config["SESSION_COOKIE_NAME"] + "_geraete="))
    assert "HttpOnly" in cookie and f"Max-Age={180 * 24 * 3600}" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http in development; SESSION_COOKIE_SECURE in production
    with app.app_context():
        from idp.authn.devices import KnownDevice

        [device] = db.session.scalars(select(KnownDevice)).all()
        assert len(device.token_hash) == 64 and device.token_hash not in cookie  # only a digest is kept


# -- the back-off ------------------------------------------------------------------------------
def test_an_unknown_browser_waits_and_is_told_until_when(app, make_account):
    make_account()
    agent = browser(app, "198.51.100.40")
    fail(agent, times=throttle.FREE_ATTEMPTS)
    message = refused(agent.login())
    assert re.search(r"ab \d\d:\d\d Uhr wieder möglich \(in 1 Minute\)", message), message
    assert "Online-Ausweisfunktion" in message and "Passwort vergessen?" in message
    # Within the wait nothing is checked and nothing counted.
    assert THROTTLED in refused(agent.login(password="Falsch-123"))
    assert counted(app, address="198.51.100.40") == (5, 5)
    at(0.5)
    assert THROTTLED in refused(agent.login())
    at(1.1)
    assert admitted(agent.login())
    assert counted(app)[0] == 0


def test_the_wait_doubles_with_each_failure(app, make_account):
    make_account()
    agent = browser(app, "198.51.100.41")
    fail(agent, times=throttle.FREE_ATTEMPTS)
    at(1.1)
    fail(agent)  # the sixth: two minutes
    assert "(in 2 Minuten)" in refused(agent.login())
    at(2.5)
    assert THROTTLED in refused(agent.login())
    at(3.2)
    assert admitted(agent.login())


def test_the_wait_is_capped_and_forgotten_after_a_day():
    waits = [throttle.wait_after(n) for n in range(1, 20)]
    assert waits[:4] == [timedelta(0)] * 4
    assert [w.total_seconds() / 60 for w in waits[4:11]] == [1, 2, 4, 8, 16, 32, 60]
    assert max(waits) == throttle.LONGEST_WAIT == timedelta(minutes=60)
    assert throttle.FORGET_AFTER == timedelta(hours=24)


def test_the_refusal_is_the_same_for_unknown_addresses(app, make_account):
    make_account()
    fail(browser(app, "198.51.100.42"), email="niemand@example.org", times=5)
    unknown = browser(app, "198.51.100.43").login(email="niemand@example.org", password="Irgendwas-1")
    fail(browser(app, "198.51.100.44"), times=5)
    known = browser(app, "198.51.100.45").login()
    # The same words; only the clock may have moved on between the two.
    assert re.sub(r"\d", "0", refused(unknown)) == re.sub(r"\d", "0", refused(known))


def test_failures_count_per_account_whatever_the_spelling_and_the_address(app, make_account):
    make_account()
    first = browser(app, "192.0.2.10")
    for spelling in ("ERIKA@example.org", "Erika@Example.org", " erika@EXAMPLE.org", "erika@example.org",
                     "eRiKa@example.org"):
        fail(first, email=spelling)
    assert THROTTLED in refused(browser(app, "198.51.100.7").login())


def test_a_successful_login_resets_the_count(app, make_account):
    make_account()
    fail(browser(app, "198.51.100.50"), times=4)
    assert admitted(browser(app, "198.51.100.51").login())
    fail(browser(app, "198.51.100.52"), times=4)
    assert admitted(browser(app, "198.51.100.53").login())


def test_a_claim_made_on_a_stale_reading_is_refused(app_ctx):
    """Two workers read the same count: only the first compare-and-set counts, the
    other reads again (and here finds the account waiting)."""
    counters = (throttle.account_counter(EMAIL), throttle.address_counter("192.0.2.1"))
    for _ in range(throttle.FREE_ATTEMPTS - 1):
        assert throttle.attempt(counters).refused_until is None
    stale = {row.key: row for row in db.session.execute(select(
        throttle.LoginBackoff.key, throttle.LoginBackoff.failures, throttle.LoginBackoff.first_at,
        throttle.LoginBackoff.last_at, throttle.LoginBackoff.not_before, throttle.LoginBackoff.version))}
    assert throttle.attempt(counters).refused_until is None  # the fifth, by the other worker
    assert not throttle._claim(counters, stale, timeutil.utcnow())
    assert throttle.attempt(counters).refused_until is not None
    assert throttle.recent_failures(EMAIL, "192.0.2.1") == (5, 5)


def test_the_right_current_password_with_a_refused_new_one_counts_nothing(app, make_account):
    make_account()
    agent = browser(app, "198.51.100.55")
    assert admitted(agent.login())
    for _ in range(throttle.FREE_ATTEMPTS + 1):
        r = agent.submit("/mein-bereich/passwort", {"current_password": "ABab1234", "password": "kurz",
                                                    "password_repeat": "kurz"})
        assert r.status_code == 400 and THROTTLED not in r.text
    assert counted(app, address="198.51.100.55") == (0, 0)


# -- the source address ------------------------------------------------------------------------
def test_many_failures_from_one_address_block_that_address_even_for_a_known_browser(app, make_account):
    make_account(email="opfer@example.org")
    owner = known_browser(app, address="203.0.113.5", email="opfer@example.org")
    attacker = browser(app, "203.0.113.5")
    for n in range(throttle.MAX_PER_ADDRESS):
        fail(attacker, email=f"versuch{n}@example.org")
    assert THROTTLED in refused(attacker.login(email="opfer@example.org"))
    assert THROTTLED in refused(owner.login(email="opfer@example.org"))
    # At another address the owner is not held up by that.
    assert admitted(browser(app, "198.51.100.8").login(email="opfer@example.org"))
    at(16)
    assert admitted(owner.login(email="opfer@example.org"))


def test_successful_logins_do_not_use_up_a_shared_address(app, make_account):
    make_account()
    for _ in range(throttle.MAX_PER_ADDRESS + 2):
        assert admitted(browser(app, "192.0.2.77").login())
    assert counted(app, address="192.0.2.77")[1] == 0


# -- what always works -------------------------------------------------------------------------
def test_the_reset_link_works_during_the_wait_and_ends_it(app, make_account, mailbox):
    make_account()
    strangers_guess(app, 8)
    agent = browser(app, "198.51.100.60")
    assert THROTTLED in refused(agent.login())
    r = agent.submit("/passwort-vergessen", {"email": EMAIL})
    assert r.status_code == 200
    link = next(x for x in mailbox.wait_for(EMAIL, "Passwort zurücksetzen").links() if "/passwort-vergessen/neu/" in x)
    path = re.sub(r"^https?://[^/]+", "", link)
    done = agent.submit(path, {"password": "Neu!Pass99", "password_repeat": "Neu!Pass99"})
    assert done.status_code == 200
    assert counted(app)[0] == 0
    assert admitted(browser(app, "198.51.100.61").login(password="Neu!Pass99"))


def test_failures_and_refusals_are_audited(app, make_account):
    make_account()
    agent = browser(app, "198.51.100.70")
    fail(agent, times=throttle.FREE_ATTEMPTS)
    refused(agent.login())
    with app.app_context():
        reasons = [e.details.get("reason") for e in search(Query(email=EMAIL, event="login.failed"))]
    assert sorted(reasons) == ["credentials"] * 5 + ["throttled"]


def test_the_device_cookie_is_secure_in_production(app, make_account):
    import dataclasses

    from idp import create_app
    from idp.authn import web
    from idp.authn.identity import Identity
    from idp.loa import Level

    account_id = make_account()
    # The test session's keys: new ones would take seconds to make.
    production = create_app(dataclasses.replace(app.config["SERVICEKONTO"], issuer="https://servicekonto.example"))
    try:
        with production.test_request_context("/anmelden", base_url="https://servicekonto.example"):
            web.log_in(Identity(method="password", amr=("pwd",), ceiling=Level.SUBSTANZIELL, account_id=account_id))
            response = production.process_response(production.response_class())
        cookie = next(h for h in response.headers.getlist("Set-Cookie")
                      if h.startswith(production.config["SESSION_COOKIE_NAME"] + "_geraete="))
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        with production.app_context():
            db.engine.dispose()
