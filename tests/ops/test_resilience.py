"""Resilience of the production set-up (issue #14, item 7): gunicorn with two worker
processes behind a reverse proxy, on a PostgreSQL cluster of this module's own (so
that it can be restarted without disturbing other tests), with the outbox delivered by
`servicekonto mail send --loop` to an SMTP server.

Under a steady load of logins and token requests one worker is killed with SIGKILL and
PostgreSQL is restarted; afterwards every request either succeeded or got a clean
error (tests/support/journal.py says which errors are clean and when they may
happen), and nothing is lost or duplicated. The SMTP server is down for a while: the
mails queued meanwhile go out once each when it is back.

Runs on the PostgreSQL pass of `make test` only (marker `resilience`)."""
from __future__ import annotations

import dataclasses
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from idp import create_app
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.clients import add_client
from idp.config import Settings
from idp.consent.releases import DataRelease
from idp.extensions import db
from idp.loa import Level
from idp.mail.outbox import OutboxMail
from idp.migrate import upgrade
from idp.oidc.models import AuthorizationCode, Consent, Token
from idp.secrets import digest
from tests.conftest import Mailbox, SmtpServer, csrf_from
from tests.ops.conftest import BIN, REPO, ProductionServer
from tests.support.journal import GATEWAY, OK, REFUSED, UNAVAILABLE, UNCLEAN, Journal
from tests.support.load_clients import Citizen, Citizens, Newcomers, Rp, Services, refresh, register
from tests.support.postgres import PostgresServer
from tests.support.proxy import ReverseProxy
from tests.support.registration import ACTIVATION_SUBJECT

pytestmark = pytest.mark.resilience

WORKERS, THREADS = 2, 2  # gunicorn's processes and threads per process (tests/ops/conftest.py)
PASSWORD = "Wald-und-Wiese7"
RESET_SUBJECT = "Passwort zurücksetzen"
PATIENCE = 120  # seconds a phase may take before the test gives up (a hang, not a timing assertion)


@dataclasses.dataclass
class Stack:
    cluster: PostgresServer
    app: object  # an app on the cluster, for the test's own reads
    server: ProductionServer
    proxy: ReverseProxy
    smtp: SmtpServer
    mail_loop: subprocess.Popen
    citizens: list[Citizen]
    rps: list[Rp]
    service: Rp

    def rows(self, statement):
        with self.app.app_context():
            try:
                return db.session.execute(statement).all()
            finally:
                db.session.remove()


def _workers(master: int) -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.add(int(entry.name))
    return children


def _served_by(server: ProductionServer) -> set[int]:
    """The worker processes that have answered a request so far (gunicorn's access log)."""
    return {int(line.split()[1].strip("<>")) for line in server.access_log.read_text().splitlines() if line.strip()}


def _until(condition, what: str, patience: float = PATIENCE) -> None:
    deadline = time.monotonic() + patience
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resilience")
    cluster = PostgresServer("servicekonto")
    cluster.start()
    smtp = SmtpServer(Mailbox())
    smtp.start()
    settings = Settings.from_env({}, database_url=cluster.url, keys_dir=tmp / "keys", instance_dir=tmp / "instance",
                                 argon2_time_cost=1, argon2_memory_cost=1024, testing=True)
    app = create_app(settings)
    upgrade(app)
    with app.app_context():
        citizens = []
        for n in range(6):
            email = f"buerger{n}@example.org"
            account = Account(email=email, email_normalized=normalize_email(email),
                              password_hash=hash_password(PASSWORD), status="active")
            db.session.add(account)
            account.set_attribute("given_name", f"Vorname{n}", Level.NIEDRIG, "self")
            account.set_attribute("family_name", "Mustermann", Level.NIEDRIG, "self")
            account.set_attribute("email", email, Level.NIEDRIG, "self")
            db.session.commit()
            citizens.append(Citizen(account.id, email, PASSWORD))
        rps = []
        for n in range(2):
            client, secret = add_client(f"Dienst {n}", [f"http://127.0.0.1:9/dienst{n}/callback"])
            rps.append(Rp(client.client_id, secret, client.redirect_uris[0]))
        client, secret = add_client("Postfach-Dienst", [], grants=["client_credentials"])
        service = Rp(client.client_id, secret, "")
        db.session.remove()

    server = ProductionServer(app, tmp, workers=WORKERS)
    proxy = ReverseProxy(server.port).start()
    # As production runs it (README "Production"), but the mail retried after 1 s.
    server.env.update(SERVICEKONTO_ISSUER=proxy.url, SERVICEKONTO_TRUSTED_PROXIES="1", SMTP_URL=smtp.url,
                      SERVICEKONTO_MAIL_RETRY_SECONDS="1")
    server.start()
    with open(tmp / "mail-loop.log", "wb") as log:
        mail_loop = subprocess.Popen([str(BIN / "servicekonto"), "mail", "send", "--loop", "--interval", "0.2"],
                                     env=server.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    yield Stack(cluster, app, server, proxy, smtp, mail_loop, citizens, rps, service)
    mail_loop.terminate()
    mail_loop.wait(timeout=30)
    server.stop()
    proxy.stop()
    smtp.stop()
    with app.app_context():
        db.engine.dispose()
    cluster.stop()


class Load:
    """The clients in their threads, and the moments of the disruptions."""

    def __init__(self, stack: Stack):
        self.journal = Journal()
        self.stop = threading.Event()
        families: queue.Queue = queue.Queue()
        base = stack.proxy.url
        half = len(stack.citizens) // 2
        # Two browsers' worth of citizens, none shared, so no two logins race for one consent.
        self.citizens = [Citizens(base, self.journal, self.stop, stack.citizens[:half], stack.rps, families),
                         Citizens(base, self.journal, self.stop, stack.citizens[half:], stack.rps, families)]
        self.services = Services(base, self.journal, self.stop, stack.service, families)
        self.newcomers = Newcomers(base, self.journal, self.stop, stack.smtp.mailbox)
        self.clients = [*self.citizens, self.services, self.newcomers]
        self.threads = [threading.Thread(target=c.run, daemon=True) for c in self.clients]
        self.moments: dict[str, float] = {}

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=PATIENCE)

    def mark(self, moment: str) -> None:
        self.moments[moment] = time.monotonic()

    def steady(self, what: str, registration: str) -> None:
        """Wait until every client got on with its work for a while (and the newcomer
        registered `registration`), whatever happened before."""
        self.newcomers.order(registration)
        busy = [client for client in self.clients if client is not self.newcomers]
        start = {client: client.done() for client in busy}
        _until(lambda: self.failed() or (all(c.done() >= start[c] + 3 for c in busy) and self.newcomers.settled()),
               f"the clients to get on {what}")
        assert not self.failed(), self.failed()

    def troubled(self) -> None:
        """Wait until every client ran into the trouble (from now on)."""
        start = {client: client.troubled() for client in self.clients}
        # The newcomer too, unless it was done before the database was gone.
        _until(lambda: self.failed() or all(c.troubled() > start[c] or (c is self.newcomers and c.settled())
                                            for c in self.clients),
               "every client to run into the outage")
        assert not self.failed(), self.failed()

    def failed(self) -> list:
        """What ends the test at once: a client's crash, an unclean answer."""
        return self.journal.crashes + self.journal.of_kind(UNCLEAN)


def test_a_worker_crash_and_a_database_restart_under_load_lose_nothing(stack):
    master = stack.server.process.pid
    with Load(stack) as load:
        load.steady("at first", "neu0@example.org")

        # gunicorn replaces a worker killed with SIGKILL (the kernel's OOM killer, say).
        victim = sorted(_served_by(stack.server) & _workers(master))[0]
        load.mark("kill")
        os.kill(victim, signal.SIGKILL)
        _until(lambda: len(_workers(master) - {victim}) == WORKERS and victim not in _workers(master),
               "gunicorn to replace the worker")
        replacement = (_workers(master) - {victim}).pop()
        _until(lambda: replacement in _served_by(stack.server), "the new worker to serve")
        load.steady("after the worker crash", "neu1@example.org")

        # PostgreSQL restarted (an update, a fail-over): down until every client,
        # the newcomer registering meanwhile included, has met the outage.
        load.newcomers.order("neu2@example.org")
        load.mark("restart")
        stack.cluster.shut_down()
        load.troubled()
        stack.cluster.start_again()
        load.mark("restarted")
        load.steady("after the database restart", "neu3@example.org")
    journal = load.journal
    assert not journal.crashes, journal.crashes
    with stack.app.app_context():
        db.engine.dispose()  # the test's own connections predate the restart

    # Every answer was a success or a clean error, and each kind of error only where it belongs.
    assert journal.of_kind(UNCLEAN) == []
    # Refused only where a retry meets what a failed try used up: a code, a refresh
    # token, an activation link.
    assert {entry.what for entry in journal.of_kind(REFUSED)} <= {"token:code", "token:refresh", "activation"}
    for entry in journal.of_kind(GATEWAY):
        # The proxy's 502: only for a request the killed worker was serving.
        assert entry.started < load.moments["kill"] <= entry.ended, entry
    unavailable = journal.of_kind(UNAVAILABLE)
    assert all(entry.ended >= load.moments["restart"] for entry in unavailable), unavailable
    # After the restart only the connections that were in use or pooled fail, one
    # request each: the first failure makes SQLAlchemy discard the pool's stale ones.
    stale = [entry for entry in unavailable if entry.started >= load.moments["restarted"]]
    assert len(stale) <= WORKERS * THREADS, stale
    assert journal.successes("token:code") and journal.successes("token:refresh") and journal.successes("login")

    _check_token_families(stack, load)
    _check_consents(stack, load)
    _check_registrations(stack, load)


def _check_token_families(stack: Stack, load: Load) -> None:
    families = [family for client in load.citizens for family in client.all_families]
    for family in families:
        # Each code the service got was exchanged: once when the service saw it succeed.
        [(used_at, grant_id)] = stack.rows(select(AuthorizationCode.used_at, AuthorizationCode.grant_id)
                                           .where(AuthorizationCode.code_hash == digest(family.code)))
        assert used_at is not None
        tokens = stack.rows(select(Token.refresh_token_hash, Token.refresh_used_at, Token.revoked_at)
                            .where(Token.grant_id == grant_id))
        # A token response the service never saw exists only where a try failed.
        assert family.successes <= len(tokens) <= family.successes + family.failed_tries, family
        if family.broken_by:
            # Ended by a retry after a failure, as RFC 9700 §4.14.2 demands: all revoked.
            assert family.failed_tries and all(revoked for *_, revoked in tokens), family
            continue
        # A straight line: one live refresh token, the one the service holds.
        [live] = [token for token in tokens if token.refresh_used_at is None and token.revoked_at is None]
        assert live.refresh_token_hash == digest(family.refresh_token)
    unbroken = [family for family in families if not family.broken_by]
    assert unbroken
    session = requests.Session()
    for family in unbroken:
        for access_token in family.access_tokens:
            answer = session.get(stack.proxy.url + "/userinfo", headers={"Authorization": "Bearer " + access_token},
                                 timeout=30)
            assert answer.status_code == 200 and answer.json()["sub"], answer.text
        # The family still rotates.
        before = family.successes
        refresh(load.services, family)
        assert family.successes == before + 1 and not family.broken_by
    # One data release record per code exchange, none for a refresh.
    for citizen in {family.citizen.account_id for family in families}:
        mine = [family for family in families if family.citizen.account_id == citizen]
        [(releases,)] = stack.rows(select(func.count()).select_from(DataRelease)
                                   .where(DataRelease.account_id == citizen))
        exchanged = sum(1 for family in mine if family.access_tokens)
        assert exchanged <= releases <= exchanged + sum(1 for family in mine if family.failed_tries)
    # The services' own tokens: each one issued once and usable.
    services = load.services
    [(issued,)] = stack.rows(select(func.count()).select_from(Token).where(Token.client_id == stack.service.client_id))
    assert len(services.service_tokens) <= issued <= len(services.service_tokens) + services.service_failed_tries
    for access_token in services.service_tokens:
        answer = session.post(stack.proxy.url + "/introspect", data={"token": access_token},
                              auth=(stack.service.client_id, stack.service.client_secret), timeout=30)
        assert answer.status_code == 200 and answer.json()["active"] is True, answer.text


def _check_consents(stack: Stack, load: Load) -> None:
    given = set().union(*(client.consents for client in load.citizens))
    uncertain = set().union(*(client.uncertain_consents for client in load.citizens)) - given
    stored = {(account_id, client_id) for account_id, client_id in stack.rows(select(Consent.account_id,
                                                                                        Consent.client_id))}
    # Once each (the primary key), and none the citizen did not give.
    assert given <= stored <= given | uncertain
    assert given


def _check_registrations(stack: Stack, load: Load) -> None:
    registered = load.newcomers.registered
    assert len(registered) == 4
    for email in registered:
        [(status,)] = stack.rows(select(Account.status).where(Account.email_normalized == normalize_email(email)))
        assert status == "active"
        [(sent,)] = stack.rows(select(func.count()).select_from(OutboxMail).where(
            OutboxMail.recipient == email, OutboxMail.subject == ACTIVATION_SUBJECT, OutboxMail.sent_at.is_not(None)))
        assert sent == 1
    # The mail loop survived the restart and delivered each mail (at least once: one handed
    # to the SMTP server just as the database went away is sent again, README "Production").
    assert stack.mail_loop.poll() is None


def test_mail_queued_while_the_smtp_server_is_down_goes_out_once_when_it_is_back(stack):
    mailbox = stack.smtp.mailbox
    mailbox.clear()
    stack.smtp.stop()
    journal, stop = Journal(), threading.Event()
    newcomers = Newcomers(stack.proxy.url, journal, stop, mailbox)
    expected = []
    for email in ("wartet0@example.org", "wartet1@example.org"):
        register(newcomers, requests.Session(), email)
        expected.append((email, ACTIVATION_SUBJECT))
    for citizen in stack.citizens[:2]:
        browser = requests.Session()
        page, kind, _ = newcomers.retried("reset page", browser, "GET", "/passwort-vergessen", False)
        answer, kind, _ = newcomers.retried("reset", browser, "POST", "/passwort-vergessen", False,
                                            data={"email": citizen.email, "csrf_token": csrf_from(page.text)})
        assert kind == OK and answer.status_code == 200
        expected.append((citizen.email, RESET_SUBJECT))
    assert journal.of_kind(UNCLEAN) == []

    def waiting():
        return stack.rows(select(OutboxMail.recipient, OutboxMail.subject, OutboxMail.attempts, OutboxMail.sent_at)
                          .where(OutboxMail.recipient.in_([email for email, _ in expected])))

    # The mail loop tried each of them in vain (and keeps them).
    _until(lambda: len(waiting()) == len(expected) and all(row.attempts >= 1 for row in waiting()),
           "the mail loop to try the mails")
    assert all(row.sent_at is None for row in waiting()) and mailbox.mails == []

    stack.smtp.start()
    _until(lambda: all(row.sent_at is not None for row in waiting()), "the mails to go out")
    _until(lambda: len(mailbox.mails) >= len(expected), "the mails to arrive")
    received = sorted((mail.to[0], mail.subject) for mail in mailbox.mails)
    assert received == sorted(expected)
    # One row each, all marked sent: the loop has nothing left to send again.
    assert sorted((row.recipient, row.subject) for row in waiting()) == sorted(expected)



def test_an_answer_made_before_the_database_went_away_stands(stack):
    """The connection dropped after the request's last statement: closing its session
    fails, which must not turn the answer into a 500."""
    application = create_app(stack.app.config["SERVICEKONTO"])  # its hooks come before its first request

    @application.after_request
    def database_goes_away(response):
        stack.cluster.shut_down()
        return response

    try:
        answer = application.test_client().get("/readyz")  # its SELECT leaves a transaction open
    finally:
        stack.cluster.start_again()
        with application.app_context():
            db.engine.dispose()
    assert answer.status_code == 200 and answer.json["status"] == "ok"
