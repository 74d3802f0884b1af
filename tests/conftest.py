"""Shared fixtures: one IdP per test session on a real port, a real SMTP server,
SQLite or PostgreSQL (SERVICEKONTO_TEST_DB=postgresql), and a clean database for
every test."""
from __future__ import annotations

import base64
import email
import email.policy
import functools
import hashlib
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import exists, literal, select, union_all
from werkzeug.serving import make_server

from idp import create_app
from idp.config import Settings
from idp.extensions import db
from idp.worker import start_worker
from idp.migrate import upgrade
from idp import timeutil

# Fixtures shared by test packages that live in support modules.
pytest_plugins = ["tests.peers.openid_client"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- SMTP ----------------------------------------------------------------------------------
@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)


class Mailbox:
    def __init__(self):
        self.mails: list[Mail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        with self._lock:
            self.mails.append(Mail(list(envelope.rcpt_tos), str(msg["Subject"]), body))
        return "250 OK"

    def clear(self):
        with self._lock:
            self.mails.clear()

    def wait_for(self, to: str, subject_contains: str = "", timeout: float = 10.0) -> Mail:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for mail in reversed(self.mails):
                    if to.lower() in [t.lower() for t in mail.to] and subject_contains in mail.subject:
                        return mail
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} with {subject_contains!r}; got {[m.subject for m in self.mails]}")


class SmtpServer:
    """aiosmtpd on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer(Mailbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


# -- database and app ---------------------------------------------------------------------
# Under pytest-xdist (`-n`) every worker is its own test session with its own fixtures
# (IdP, ports, temporary keys and databases). For PostgreSQL the controller starts one
# cluster for all of them and each worker creates its own database in it.
POSTGRES_URL = "servicekonto_postgres_url"
_postgres_cluster = pytest.StashKey[object]()


def _on_postgresql() -> bool:
    return os.environ.get("SERVICEKONTO_TEST_DB") == "postgresql"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist, in the controller, before each worker starts."""
    if not _on_postgresql():
        return
    from tests.support.postgres import PostgresServer

    config = node.config
    if _postgres_cluster not in config.stash:
        # Per worker: the IdP's connection pool, the CLI commands' and the tests' engines.
        server = PostgresServer("postgres", max_connections=max(100, 30 * len(config.getvalue("tx"))))
        config.stash[_postgres_cluster] = server
        server.start()
    node.workerinput[POSTGRES_URL] = config.stash[_postgres_cluster].admin_url


def pytest_unconfigure(config):
    server = config.stash.get(_postgres_cluster, None)
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if not _on_postgresql():
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'servicekonto.db'}"
        return
    from tests.support.postgres import DEFAULT_DBNAME, create_database, drop_database, postgres_server

    worker = getattr(request.config, "workerinput", None)
    if worker is None:
        with postgres_server() as url:
            yield url
        return
    cluster, name = worker[POSTGRES_URL], f"{DEFAULT_DBNAME}_{worker['workerid']}"
    yield create_database(cluster, name)
    drop_database(cluster, name)


@pytest.fixture(scope="session")
def idp_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def eid_simulators(tmp_path_factory):
    """The eID-Server and eID-Client simulators on free ports (the real eID-Server and
    AusweisApp cannot run here; the simulators speak their protocols)."""
    from eid_connector.simulator.run import start_simulators

    simulators = start_simulators(0, 0, keys_dir=tmp_path_factory.mktemp("eid-keys"))
    yield simulators
    simulators.stop()


@pytest.fixture(scope="session")
def elster_simulator(tmp_path_factory):
    """The ELSTER IdP simulator on a free port (SAML, the connector's profile)."""
    from elster_connector.simulator.server import start_simulator

    simulator = start_simulator(0, keys_dir=tmp_path_factory.mktemp("elster-keys"))
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def wallet_simulator():
    """The EUDI wallet simulator's pages on a free port, with its test PID issuer."""
    from wallet_connector.simulator.server import start_simulator

    simulator = start_simulator(0)
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def app(database_url, smtp_server, idp_port, tmp_path_factory, eid_simulators, elster_simulator, wallet_simulator):
    import wallet_connector.app
    from elster_connector.app import install_simulator
    from idp.authn.eid import install_simulators

    keys = tmp_path_factory.mktemp("keys")
    settings = Settings.from_env(
        {},
        issuer=f"http://127.0.0.1:{idp_port}",
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        smtp_url=smtp_server.url,
        keys_dir=keys,
        instance_dir=tmp_path_factory.mktemp("instance"),
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        testing=True,
        eid_client_url=eid_simulators.eid_client_url,
    )
    application = create_app(settings)
    install_simulators(application, eid_simulators, retry_wait=0.05)
    install_simulator(application, elster_simulator)
    wallet_connector.app.install_simulator(application, wallet_simulator)
    upgrade(application)
    worker = start_worker(application, interval=0.5)
    yield application
    worker.stop()
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def mail_worker_stopped(app):
    """For tests of delivery by other means (`servicekonto mail send`)."""
    worker = app.extensions["servicekonto.outbox_worker"]
    worker.stop()
    yield
    worker.start()


@pytest.fixture(scope="session")
def live_server(app, idp_port):
    """The IdP on its issuer URL, served from a thread."""
    server = make_server("127.0.0.1", idp_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["SERVICEKONTO"].issuer
    server.shutdown()


@functools.cache
def _filled_tables():
    """One statement that names the tables holding rows: most tests fill a few of
    them, and a DELETE per table (55) cost a round trip each on PostgreSQL."""
    return union_all(*(select(literal(table.name).label("name")).where(exists(select(literal(1)).select_from(table)))
                       for table in db.metadata.sorted_tables))


@pytest.fixture(autouse=True)
def clean_database(app):
    yield
    timeutil.travel(None)
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            filled = set(conn.scalars(_filled_tables()))
            for table in reversed(db.metadata.sorted_tables):
                if table.name in filled:
                    conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


# -- builders ------------------------------------------------------------------------------
@pytest.fixture
def make_account(app):
    """An active citizen account with a password (default `ABab1234`)."""
    from idp.accounts.models import Account
    from idp.accounts.passwords import hash_password
    from idp.accounts.policy import normalize_email
    from idp.loa import Level

    def make(email="erika@example.org", password="ABab1234", given_name="Erika", family_name="Mustermann",
             level=Level.NIEDRIG):
        with app.app_context():
            account = Account(email=email, email_normalized=normalize_email(email),
                              password_hash=hash_password(password), status="active")
            db.session.add(account)
            account.set_attribute("given_name", given_name, level, "self")
            account.set_attribute("family_name", family_name, level, "self")
            account.set_attribute("email", email, Level.NIEDRIG, "self")
            db.session.commit()
            return account.id

    return make


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str | None
    redirect_uri: str


@pytest.fixture
def make_client(app):
    from idp.clients import add_client

    def make(redirect_uri="http://127.0.0.1:9/callback", **kwargs) -> RegisteredClient:
        kwargs.setdefault("name", "Testdienst")
        with app.app_context():
            client, secret = add_client(redirect_uris=[redirect_uri], **kwargs)
            return RegisteredClient(client.client_id, secret, redirect_uri)

    return make


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browserless:
    """A Flask test client that fills in CSRF tokens like a browser would."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def submit(self, page_url: str, data: dict, action: str | None = None):
        page = self.client.get(page_url)
        return self.client.post(action or page_url, data={**data, "csrf_token": csrf_from(page.text)})

    def post(self, url, **kw):
        return self.client.post(url, **kw)

    def login(self, email="erika@example.org", password="ABab1234", anfrage=None):
        url = "/anmelden" + (f"?anfrage={anfrage}" if anfrage else "")
        return self.submit(url, {"email": email, "password": password, **({"anfrage": anfrage} if anfrage else {})})


@pytest.fixture
def user_agent(app) -> Browserless:
    return Browserless(app)


# -- Playwright ------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="de-DE", base_url=live_server)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def demo_service(app, live_server):
    """The demo online service, registered as a client and served on its own port."""
    from demo.app import create_demo_app
    from idp.clients import add_client
    from idp.devserver import DEMO_GRANTS, DEMO_ROLES

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with app.app_context():
        client, secret = add_client("Demo-Online-Dienst", [base + "/callback"], post_logout_redirect_uris=[base + "/"],
                                    audience="both", roles=list(DEMO_ROLES), grants=list(DEMO_GRANTS))
        client_id = client.client_id
    demo = create_demo_app(live_server, client_id, secret, base)
    server = make_server("127.0.0.1", port, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
