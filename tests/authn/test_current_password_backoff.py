"""The password asked again in Mein Bereich (password change, deletion) is a password
attempt like a login's, under the same back-off: per account, and per known device
for the owner's own browser (SPEC §3)."""
from __future__ import annotations

import re

import pytest

from idp.authn import throttle
from tests.support.login_backoff import THROTTLED, admitted, at, browser, counted, known_browser, strangers_guess

WRONG_CURRENT = "Das Passwort ist nicht korrekt."


def change_password(agent, current: str):
    return agent.submit("/mein-bereich/passwort", {"current_password": current, "password": "Neu!Pass99",
                                                   "password_repeat": "Neu!Pass99"})


def delete_account(agent, current: str):
    return agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": current})


PAGES = [pytest.param(change_password, id="passwort"), pytest.param(delete_account, id="loeschen")]


def done(response) -> bool:
    return response.status_code == 302


def refused_at_field(response) -> str:
    assert response.status_code == 400
    match = re.search(r"Zu viele fehlgeschlagene Anmeldeversuche\.[^<]*", response.text)
    assert match, "the form names the wait"
    return match.group(0)


def logged_in(app, address: str):
    agent = browser(app, address)
    assert admitted(agent.login())
    return agent


@pytest.mark.parametrize("submit", PAGES)
def test_wrong_current_passwords_are_slowed_like_logins(app, make_account, submit):
    make_account()
    # A session somebody else left open, in a browser the account never logged in from before.
    agent = logged_in(app, "198.51.100.80")
    agent.client.delete_cookie(app.config["SESSION_COOKIE_NAME"] + "_geraete")
    for _ in range(throttle.FREE_ATTEMPTS):
        r = submit(agent, "Falsch-123")
        assert r.status_code == 400 and WRONG_CURRENT in r.text
    message = refused_at_field(submit(agent, "ABab1234"))
    assert "(in 1 Minute)" in message
    # Within the wait nothing is checked and nothing counted; the login waits as well.
    assert counted(app, address="198.51.100.80") == (5, 5)
    assert THROTTLED in browser(app, "198.51.100.81").login().text
    at(1.1)
    assert done(submit(agent, "ABab1234"))
    assert counted(app) == (0, 0)


@pytest.mark.parametrize("submit", PAGES)
def test_strangers_guessing_do_not_hold_up_the_owner_in_her_known_browser(app, make_account, submit):
    make_account()
    owner = known_browser(app)
    assert admitted(owner.login())
    strangers_guess(app, 8)
    assert done(submit(owner, "ABab1234"))
    # ... without giving the guessers a fresh start (deleting the account ends its back-off).
    assert counted(app)[0] == (8 if submit is change_password else 0)


def test_the_owners_wrong_answers_count_against_her_browser_not_the_account(app, make_account):
    make_account()
    owner = known_browser(app)
    assert admitted(owner.login())
    for _ in range(throttle.FREE_ATTEMPTS):
        assert change_password(owner, "Falsch-123").status_code == 400
    assert THROTTLED in refused_at_field(change_password(owner, "ABab1234"))
    assert counted(app)[0] == 0
    assert admitted(browser(app, "198.51.100.82").login())
    at(1.1)
    assert done(change_password(owner, "ABab1234"))
