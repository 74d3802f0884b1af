"""Clients that keep the production server busy in a resilience test: citizens who log
in to online services (authorization code flow with password login and consent), the
services' back ends (code exchange, refresh, client credentials) and new citizens who
register and activate their account through the mail.

Each client retries what failed cleanly (503 or the proxy's 502) as a real one would:
the same code, the same refresh token, the same form. It remembers what it got, so
that the test can compare with the database: every code exchanged at most once, every
token family a straight line, every consent and account once."""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

import requests

from tests.conftest import Mailbox, csrf_from, pkce_pair, query_of
from tests.support.flows import authorize_query
from tests.support.journal import GATEWAY, OK, REFUSED, UNAVAILABLE, Journal
from tests.support.registration import ACTIVATION_SUBJECT, FORM

RETRIES = 60  # clean errors in a row before a client gives up on one step
PAUSE = 0.2  # between two tries of one step, as a client backs off


@dataclass
class Rp:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class Citizen:
    account_id: str
    email: str
    password: str


@dataclass
class Family:
    """The tokens of one code: what the service holds and what it saw."""
    rp: Rp
    citizen: Citizen
    code: str
    access_tokens: list[str] = field(default_factory=list)
    refresh_token: str | None = None
    successes: int = 0  # token responses (the exchange and each refresh)
    failed_tries: int = 0  # clean errors on the way: each may have been committed
    broken_by: str | None = None  # the refusal after a failed try (the grant was revoked)

    def take(self, answer: dict) -> None:
        self.successes += 1
        self.access_tokens.append(answer["access_token"])
        self.refresh_token = answer["refresh_token"]


class Base:
    def __init__(self, base_url: str, journal: Journal, stop: threading.Event):
        self.base_url = base_url
        self.journal = journal
        self.stop = stop
        self.cycles = 0
        self.troubles = 0  # clean temporary errors seen (503, the proxy's 502)
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def done(self) -> int:
        with self._lock:
            return self.cycles

    def troubled(self) -> int:
        with self._lock:
            return self.troubles

    def call(self, what: str, session: requests.Session, method: str, url: str, protocol: bool, **kwargs):
        response, kind = self.journal.call(what, session, method, self.url(url), protocol, **kwargs)
        if kind in (UNAVAILABLE, GATEWAY):
            with self._lock:
                self.troubles += 1
        return response, kind

    def _count(self) -> None:
        with self._lock:
            self.cycles += 1

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.cycle():
                    self._count()
        except Exception as exc:  # the test fails on it; the other clients go on
            self.journal.crashed(f"{type(self).__name__}: {exc!r}")

    def cycle(self) -> bool:
        raise NotImplementedError

    def retried(self, what: str, session, method: str, path: str, protocol: bool, **kwargs):
        """A step tried until it is answered other than with a clean temporary error;
        returns the answer and how many tries failed before."""
        failed = 0
        for _ in range(RETRIES):
            response, kind = self.call(what, session, method, path, protocol, **kwargs)
            if kind not in (UNAVAILABLE, GATEWAY):
                return response, kind, failed
            failed += 1
            time.sleep(PAUSE)
        raise AssertionError(f"{what}: still failing after {RETRIES} tries")


class Citizens(Base):
    """Logs citizens in to services, one fresh browser per login; hands each new token
    family to the services' back end (`families`)."""

    def __init__(self, base_url, journal, stop, citizens: list[Citizen], rps: list[Rp], families: queue.Queue):
        super().__init__(base_url, journal, stop)
        self.citizens, self.rps, self.families = citizens, rps, families
        self.consents: set[tuple[str, str]] = set()  # (account id, client id) confirmed given
        self.uncertain_consents: set[tuple[str, str]] = set()  # the consent's answer was an error
        self.all_families: list[Family] = []
        self._turn = 0

    def cycle(self) -> bool:
        citizen = self.citizens[self._turn % len(self.citizens)]
        rp = self.rps[(self._turn // len(self.citizens)) % len(self.rps)]
        self._turn += 1
        code, verifier = self._authorize(citizen, rp)
        if code is None:
            time.sleep(PAUSE)  # the citizen tries again a moment later
            return False
        family = Family(rp, citizen, code)
        self.all_families.append(family)
        data = dict(grant_type="authorization_code", code=code, redirect_uri=rp.redirect_uri, code_verifier=verifier)
        answer, kind, failed = self.retried("token:code", requests.Session(), "POST", "/token", True, data=data,
                                            auth=(rp.client_id, rp.client_secret))
        family.failed_tries += failed
        if kind != OK:
            # Refused only after a try that failed and may have used the code up;
            # an unclean answer fails the test on its own.
            family.broken_by = kind
            assert kind != REFUSED or failed, f"a fresh code was refused: {answer.text}"
            return False
        family.take(answer.json())
        info, kind = self.call("userinfo", requests.Session(), "GET", self.url("/userinfo"), True,
                                       headers={"Authorization": "Bearer " + family.access_tokens[-1]})
        if kind == OK:
            assert info.status_code == 200 and info.json()["sub"], info.text
        self.families.put(family)
        return kind == OK

    def _authorize(self, citizen: Citizen, rp: Rp) -> tuple[str | None, str]:
        """The browser's part up to the code; (None, _) when a step failed cleanly (the
        citizen would start again)."""
        browser = requests.Session()
        verifier, challenge = pkce_pair()
        answer, kind = self.call("authorize", browser, "GET", self.url("/authorize"), False,
                                         params=authorize_query(rp, challenge))
        if kind != OK:
            return None, verifier
        login = self.url(answer.headers["Location"])
        assert urlparse(login).path == "/anmelden", login
        page, kind = self.call("login page", browser, "GET", login, False)
        if kind != OK:
            return None, verifier
        answer, kind = self.call("login", browser, "POST", login, False, data={
            "email": citizen.email, "password": citizen.password, "anfrage": query_of(login)["anfrage"],
            "csrf_token": csrf_from(page.text)})
        if kind != OK:
            return None, verifier
        answer, kind = self.call("resume", browser, "GET", self.url(answer.headers["Location"]), False)
        if kind != OK:
            return None, verifier
        location = self.url(answer.headers["Location"])
        if "/zustimmung" in location:
            pair = (citizen.account_id, rp.client_id)
            page, kind = self.call("consent page", browser, "GET", location, False)
            if kind != OK:
                return None, verifier
            answer, kind = self.call("consent", browser, "POST", location, False,
                                             data={"decision": "zustimmen", "csrf_token": csrf_from(page.text)})
            if kind != OK:
                self.uncertain_consents.add(pair)
                return None, verifier
            self.consents.add(pair)
            location = self.url(answer.headers["Location"])
        assert location.startswith(rp.redirect_uri + "?"), location
        return query_of(location)["code"], verifier


class Services(Base):
    """The services' back ends: a client credentials token and one refresh of a token
    family per cycle."""

    def __init__(self, base_url, journal, stop, service: Rp, families: queue.Queue):
        super().__init__(base_url, journal, stop)
        self.service, self.families = service, families
        self.service_tokens: list[str] = []
        self.service_failed_tries = 0

    def cycle(self) -> bool:
        answer, kind, failed = self.retried("token:client", requests.Session(), "POST", "/token", True,
                                            data={"grant_type": "client_credentials", "scope": "postfach"},
                                            auth=(self.service.client_id, self.service.client_secret))
        self.service_failed_tries += failed
        if kind != OK:
            return False  # unclean: the test fails on it
        self.service_tokens.append(answer.json()["access_token"])
        try:
            family = self.families.get(timeout=0.5)
        except queue.Empty:
            return True
        refresh(self, family)
        self.families.put(family)
        return True


def refresh(client: Base, family: Family) -> None:
    """Rotate the family's refresh token once (nothing to do for a broken family)."""
    if family.broken_by:
        return
    rp = family.rp
    answer, kind, failed = client.retried("token:refresh", requests.Session(), "POST", "/token", True,
                                          data={"grant_type": "refresh_token", "refresh_token": family.refresh_token},
                                          auth=(rp.client_id, rp.client_secret))
    family.failed_tries += failed
    if kind != OK:
        # Refused only after a try that failed: it may have rotated the token, and the
        # retry then reused the old one, which ends the grant (RFC 9700 §4.14.2).
        family.broken_by = kind
        assert kind != REFUSED or failed, f"a current refresh token was refused: {answer.text}"
        return
    family.take(answer.json())


class Newcomers(Base):
    """Registers and activates one new account whenever asked (`order`)."""

    def __init__(self, base_url, journal, stop, mailbox: Mailbox):
        super().__init__(base_url, journal, stop)
        self.mailbox = mailbox
        self.orders: queue.Queue[str] = queue.Queue()
        self.ordered = 0
        self.registered: list[str] = []

    def order(self, email: str) -> None:
        self.ordered += 1
        self.orders.put(email)

    def settled(self) -> bool:
        """Every account ordered is registered and active."""
        return len(self.registered) == self.ordered

    def cycle(self) -> bool:
        try:
            email = self.orders.get(timeout=0.2)
        except queue.Empty:
            return False
        register_and_activate(self, self.mailbox, email)
        self.registered.append(email)
        return True


def register(client: Base, browser: requests.Session, email: str) -> None:
    """Form and overview until the IdP says the activation mail is on its way."""
    while True:
        page, kind, _ = client.retried("registration page", browser, "GET", "/registrierung", False)
        answer, kind, _ = client.retried("registration", browser, "POST", "/registrierung", False,
                                         data={**FORM, "email": email, "csrf_token": csrf_from(page.text)})
        assert kind == OK and urlparse(answer.headers["Location"]).path == "/registrierung/uebersicht", answer.text
        page, kind, _ = client.retried("registration overview", browser, "GET", "/registrierung/uebersicht", False)
        if kind != OK or page.status_code != 200:
            continue
        answer, kind, failed = client.retried("registration complete", browser, "POST", "/registrierung/uebersicht",
                                              False, data={"consent": "ja", "action": "anlegen",
                                                           "csrf_token": csrf_from(page.text)})
        assert kind == OK, answer.text
        done = urlparse(answer.headers["Location"]).path
        # A try that failed may have completed it (the draft is gone then).
        if done == "/registrierung/gesendet" or (failed and done == "/registrierung"):
            return


def register_and_activate(client: Base, mailbox: Mailbox, email: str) -> None:
    browser = requests.Session()
    register(client, browser, email)
    mail = mailbox.wait_for(email, ACTIVATION_SUBJECT, timeout=60)
    [link] = [link for link in mail.links() if "/registrierung/aktivieren/" in link]
    path = urlparse(link).path
    page, kind, _ = client.retried("activation page", browser, "GET", path, False)
    assert kind == OK and page.status_code == 200, page.text
    answer, kind, failed = client.retried("activation", browser, "POST", path, False,
                                          data={"csrf_token": csrf_from(page.text)})
    # Used up by a try that failed: the account is active all the same.
    assert kind == OK or (failed and kind == REFUSED), (kind, answer.text)
