"""Failed password logins from chosen addresses and moments, for the tests of the
login back-off (SPEC §3): who guesses, from where, and whether the owner gets in."""
from __future__ import annotations

import re
from datetime import timedelta

from idp import timeutil
from idp.authn import throttle
from tests.conftest import Browserless
from tests.support.flows import location, path_of

THROTTLED = "Zu viele fehlgeschlagene Anmeldeversuche."
WRONG = "E-Mail-Adresse oder Passwort ist nicht korrekt."
EMAIL = "erika@example.org"


def at(minutes: float) -> None:
    timeutil.travel(timedelta(minutes=minutes))


def browser(app, address: str) -> Browserless:
    agent = Browserless(app)
    agent.client.environ_base["REMOTE_ADDR"] = address
    return agent


def admitted(response) -> bool:
    return response.status_code == 302 and path_of(location(response)) == "/mein-bereich"


def refused(response) -> str:
    """The refusal shown during the wait; returns the message."""
    assert response.status_code == 400
    match = re.search(r"Zu viele fehlgeschlagene Anmeldeversuche\.[^<]*", response.text)
    assert match, "the login page names the wait"
    return match.group(0)


def fail(agent, email=EMAIL, times=1):
    for _ in range(times):
        r = agent.login(email=email, password="Falsch-123")
        assert r.status_code == 400 and WRONG in r.text


def counted(app, email=EMAIL, address="127.0.0.1") -> tuple[int, int]:
    with app.app_context():
        return throttle.recent_failures(email, address)


def known_browser(app, address="198.51.100.20", email=EMAIL) -> Browserless:
    """The owner's browser: it logged in once and logged out again."""
    owner = browser(app, address)
    assert admitted(owner.login(email=email))
    owner.submit("/abmelden", {})
    return owner


def strangers_guess(app, times: int, email=EMAIL) -> None:
    """Wrong passwords from ever other addresses, each once its wait is over."""
    minute = 0.0
    for n in range(times):
        if n >= throttle.FREE_ATTEMPTS:
            minute += throttle.wait_after(n).total_seconds() / 60 + 0.1
            at(minute)
        fail(browser(app, f"203.0.113.{n + 1}"), email=email)
