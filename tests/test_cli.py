"""The `servicekonto` command of SPEC §8, against the settings it reads from the
environment: in this process (`run`), and as the installed script the operator types
(`run_process`) where the script itself is what is proven."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from idp import timeutil
from idp.extensions import db
from idp.loa import Level
from tests.conftest import Browserless
from tests.support import databases
from tests.support.cli import app_env, base_env, run, run_process
from tests.support.flows import (assert_error_page, authorize_query, exchange, location, obtain_code, path_of,
                                 pkce_pair)
from tests.support.sessions import log_in_at_level


@pytest.fixture
def cli(app, tmp_path):
    return app_env(app, tmp_path)


def add(cli, *args, runner=run) -> dict:
    out = runner(cli, "clients", "add", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def listed(cli) -> list[dict]:
    out = run(cli, "clients", "list")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# -- clients --------------------------------------------------------------------------------------
def test_clients_add_prints_the_client_and_it_works(app, cli, make_account):
    new = add(cli, "--name", "Anwohnerparken", "--redirect-uri", "https://parken.example.de/callback",
              "--redirect-uri", "http://127.0.0.1:9/callback", "--post-logout-redirect-uri",
              "https://parken.example.de/", "--backchannel-logout-uri", "https://parken.example.de/bcl",
              runner=run_process)
    assert new["client_id"] and len(new["client_secret"]) >= 32
    assert new["name"] == "Anwohnerparken"
    assert new["redirect_uris"] == ["https://parken.example.de/callback", "http://127.0.0.1:9/callback"]
    assert new["post_logout_redirect_uris"] == ["https://parken.example.de/"]
    assert new["backchannel_logout_uri"] == "https://parken.example.de/bcl"
    assert new["min_loa"] == "niedrig" and new["public"] is False

    from tests.conftest import RegisteredClient

    rp = RegisteredClient(new["client_id"], new["client_secret"], "http://127.0.0.1:9/callback")
    make_account()
    browser = Browserless(app)
    browser.login()
    r = exchange(browser, rp, obtain_code(browser, rp))
    assert r.status_code == 200 and r.json["id_token"]


def test_clients_add_public_has_no_secret_and_needs_pkce(app, cli, make_account):
    new = add(cli, "--name", "App", "--redirect-uri", "http://127.0.0.1:9/app", "--public")
    assert "client_secret" not in new and new["public"] is True

    from tests.conftest import RegisteredClient

    rp = RegisteredClient(new["client_id"], None, "http://127.0.0.1:9/app")
    make_account()
    browser = Browserless(app)
    browser.login()
    r = exchange(browser, rp, obtain_code(browser, rp))
    assert r.status_code == 200
    r = browser.get("/authorize", query_string=authorize_query(rp))  # no code_challenge
    assert "error=invalid_request" in location(r)


def test_clients_add_min_loa_is_enforced(app, cli, make_account):
    new = add(cli, "--name", "Führerschein", "--redirect-uri", "http://127.0.0.1:9/fs", "--min-loa", "hoch")
    assert new["min_loa"] == "hoch"
    make_account()
    browser = Browserless(app)
    browser.login()
    from tests.conftest import RegisteredClient

    rp = RegisteredClient(new["client_id"], new["client_secret"], "http://127.0.0.1:9/fs")
    _, challenge = pkce_pair()
    r = browser.get("/authorize", query_string=authorize_query(rp, challenge))
    assert "/vertrauensniveau" in location(r)


def test_clients_list_shows_clients_without_secrets(cli):
    first = add(cli, "--name", "Eins", "--redirect-uri", "http://127.0.0.1:9/1")
    second = add(cli, "--name", "Zwei", "--redirect-uri", "http://127.0.0.1:9/2", "--public")
    shown = listed(cli)
    assert [c["client_id"] for c in shown] == [first["client_id"], second["client_id"]]
    assert [c["name"] for c in shown] == ["Eins", "Zwei"]
    out = run(cli, "clients", "list").stdout
    # The secret is nowhere; "client_secret_basic" names the authentication method.
    assert first["client_secret"] not in out and all("client_secret" not in c for c in shown)


def test_clients_remove_ends_the_client(app, cli):
    new = add(cli, "--name", "Weg", "--redirect-uri", "http://127.0.0.1:9/weg")
    out = run(cli, "clients", "remove", new["client_id"])
    assert out.returncode == 0 and new["client_id"] in out.stdout
    assert listed(cli) == []
    from tests.conftest import RegisteredClient

    rp = RegisteredClient(new["client_id"], new["client_secret"], "http://127.0.0.1:9/weg")
    _, challenge = pkce_pair()
    assert_error_page(Browserless(app).get("/authorize", query_string=authorize_query(rp, challenge)))
    # The installed script's refusal: its exit code and its message on stderr.
    again = run_process(cli, "clients", "remove", new["client_id"])
    assert again.returncode == 1 and "no client" in again.stderr and again.stdout == ""


@pytest.mark.parametrize("args, complaint", [
    (["--name", "X", "--redirect-uri", "http://dienst.example.de/cb"], "https"),
    (["--name", "X", "--redirect-uri", "https://dienst.example.de/cb#frag"], "fragment"),
    (["--name", "X", "--redirect-uri", "dienst.example.de/cb"], "absolute"),
    (["--name", "X", "--redirect-uri", "https://d.example.de/cb", "--min-loa", "mittel"], "mittel"),
    (["--name", "X"], "redirect URI is required"),
    (["--redirect-uri", "https://d.example.de/cb"], "--name"),
    (["--name", " ", "--redirect-uri", "https://d.example.de/cb"], "name"),
    (["--name", "X", "--redirect-uri", "https://d.example.de/cb", "--post-logout-redirect-uri", "http://x.de/"],
     "https"),
])
def test_clients_add_refuses_bad_input_and_adds_nothing(cli, args, complaint):
    out = run(cli, "clients", "add", *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert complaint in out.stderr
    assert out.stdout == ""
    assert listed(cli) == []


# -- keys -------------------------------------------------------------------------------------------
def keys_listed(env) -> list[tuple[str, str, str]]:
    out = run(env, "keys", "list")
    assert out.returncode == 0, out.stderr
    return [tuple(line.split()[:3]) for line in out.stdout.splitlines()]


def test_keys_rotate_keeps_the_previous_generation_only(tmp_path, cli):
    # The rotation is audited, so the command needs the database.
    env = cli
    first = keys_listed(env)
    assert sorted((status, alg) for status, alg, _ in first) == [("current", "ES256"), ("current", "RS256")]
    first_kids = {kid for _, _, kid in first}

    out = run(env, "keys", "rotate")
    assert out.returncode == 0, out.stderr
    second = keys_listed(env)
    assert {kid for status, _, kid in second if status == "previous"} == first_kids
    second_kids = {kid for status, _, kid in second if status == "current"}
    assert len(second_kids) == 2 and not second_kids & first_kids

    run(env, "keys", "rotate")
    third = keys_listed(env)
    assert {kid for status, _, kid in third if status == "previous"} == second_kids
    assert not first_kids & {kid for _, _, kid in third}
    # Retired private keys are gone from disk, the others are readable by the owner only.
    # (The app the command opens also made its SAML and ELSTER pairs there.)
    pem = sorted(p for p in (tmp_path / "keys").glob("*.pem") if not p.name.startswith(("saml-", "elster-")))
    assert len(pem) == 4
    for path in pem:
        assert path.stat().st_mode & 0o077 == 0
        assert not any(kid in path.name for kid in first_kids)


# -- database ---------------------------------------------------------------------------------------
def _model_metadata():
    """Every table the running application knows: creating the app (the `app`
    fixture) imports all model modules, so a module the migrations forgot shows up
    as a difference."""
    from idp.extensions import db

    return db.metadata


def schema_differences(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, _model_metadata())
    finally:
        engine.dispose()


@pytest.fixture
def empty_database(database_url, tmp_path):
    with databases.empty_database(database_url, tmp_path) as url:
        yield url


def test_db_upgrade_creates_the_schema_the_models_expect(app, tmp_path, empty_database):
    env = base_env(tmp_path, empty_database)
    out = run(env, "db", "upgrade")
    assert out.returncode == 0, out.stderr
    assert "up to date" in out.stdout
    engine = sa.create_engine(empty_database)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(_model_metadata().tables) <= tables and "alembic_version" in tables
    assert schema_differences(empty_database) == []
    # Running it again changes nothing and does not fail.
    assert run(env, "db", "upgrade").returncode == 0
    assert schema_differences(empty_database) == []
    # And the instance works: a client can be added.
    assert json.loads(run(env, "clients", "add", "--name", "N", "--redirect-uri",
                          "http://127.0.0.1:9/n").stdout)["client_id"]


def test_test_database_matches_the_models(database_url):
    assert schema_differences(database_url) == []


# -- mail and purge ---------------------------------------------------------------------------------
def test_mail_send_delivers_what_the_outbox_holds(app, cli, mailbox, smtp_server, mail_worker_stopped):
    from idp.mail import queue_mail
    from idp.mail.outbox import OutboxMail

    with app.app_context():
        queue_mail("erika@example.org", "Neue Nachricht im Postfach", "Sie haben eine neue Nachricht.")
        db.session.commit()
    # Without SMTP_URL the mail stays where it is.
    out = run(cli, "mail", "send")
    assert out.returncode == 0 and "SMTP_URL is not set" in out.stdout
    assert mailbox.mails == []

    with_smtp = {**cli, "SMTP_URL": smtp_server.url}
    out = run(with_smtp, "mail", "send")
    assert out.returncode == 0 and out.stdout.strip() == "sent 1", out.stdout + out.stderr
    mail = mailbox.wait_for("erika@example.org", "Neue Nachricht im Postfach")
    assert "Sie haben eine neue Nachricht." in mail.body
    # Delivered once only.
    assert run(with_smtp, "mail", "send").stdout.strip() == "sent 0"
    assert len(mailbox.mails) == 1
    with app.app_context():
        assert db.session.query(OutboxMail).one().sent_at is not None


def test_purge_deletes_unactivated_registrations_older_than_24_hours(app, cli, mailbox, make_account):
    from tests.support.registration import activate, activation_path, register

    make_account(email="aktiv@example.org")
    timeutil.travel(timedelta(hours=-25))
    register(Browserless(app), email="alt@example.org")
    old_link = activation_path(mailbox, "alt@example.org")
    timeutil.travel(None)
    register(Browserless(app), email="neu@example.org")
    new_link = activation_path(mailbox, "neu@example.org")

    out = run(cli, "purge")
    assert out.returncode == 0, out.stderr
    assert "unactivated accounts: 1" in out.stdout

    r = activate(Browserless(app), old_link)
    assert r.status_code == 400 and "ungültig" in r.text
    assert path_of(location(activate(Browserless(app), new_link))) == "/mein-bereich"
    assert path_of(location(Browserless(app).login(email="aktiv@example.org"))) == "/mein-bereich"


# -- staff roles ------------------------------------------------------------------------------------
def test_accounts_role_grants_and_revokes_the_registry_office_role(app, cli, make_account):
    clerk = Browserless(app)
    # Clerks work after a login with the ID card (level hoch).
    log_in_at_level(app, clerk, make_account(email="amt@example.org"), Level.HOCH)
    assert clerk.get("/meldebehoerde").status_code == 403

    out = run(cli, "accounts", "role", "Amt@Example.org", "--grant", "meldebehoerde")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Amt@Example.org: meldebehoerde"
    assert "Upgrade-Anträge prüfen" in clerk.get("/meldebehoerde").text

    assert run(cli, "accounts", "role", "amt@example.org", "--revoke").returncode == 0
    assert clerk.get("/meldebehoerde").status_code == 403

    unknown = run(cli, "accounts", "role", "niemand@example.org", "--grant", "meldebehoerde")
    assert unknown.returncode != 0 and "no active account" in unknown.stderr
    assert run(cli, "accounts", "role", "amt@example.org").returncode != 0
