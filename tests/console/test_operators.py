"""`servicekonto operators grant|revoke|list`, and who gets into the console: only an
operator, and only after a login at hoch."""
from __future__ import annotations

import pytest

from idp.authn.eid import EidLink
from idp.extensions import db
from idp.loa import Level
from tests.console.conftest import OPERATOR, audit_events
from tests.support.cli import run_cli
from tests.support.sessions import log_in_at_level

CONSOLE_PAGES = ("/betrieb", "/betrieb/online-dienste", "/betrieb/online-dienste/neu", "/betrieb/foederationspartner",
                 "/betrieb/signaturschluessel", "/betrieb/rollen", "/betrieb/protokoll")


def test_grant_list_revoke_by_command_are_audited(app, tmp_path, make_account):
    account_id = make_account(email=OPERATOR)
    granted = run_cli(app, tmp_path, "operators", "grant", "Betrieb@Land.example")
    assert granted.returncode == 0, granted.stderr
    assert run_cli(app, tmp_path, "operators", "grant", OPERATOR).returncode == 0  # once is enough
    assert run_cli(app, tmp_path, "operators", "list").stdout.split() == [OPERATOR]

    revoked = run_cli(app, tmp_path, "operators", "revoke", OPERATOR)
    assert revoked.returncode == 0 and "no longer operator" in revoked.stdout
    assert "was no operator" in run_cli(app, tmp_path, "operators", "revoke", OPERATOR).stdout
    assert run_cli(app, tmp_path, "operators", "list").stdout == ""
    missing = run_cli(app, tmp_path, "operators", "grant", "niemand@land.example")
    assert missing.returncode != 0 and "no active account" in missing.stderr

    events = audit_events(app, "operator.")
    assert [(e.event, e.account_id, e.actor, e.details) for e in events] == [
        ("operator.role", account_id, "cli", {"what": "grant", "which": "operator"}),
        ("operator.role", account_id, "cli", {"what": "revoke", "which": "operator"})]


def test_not_logged_in_goes_to_the_login(user_agent):
    r = user_agent.get("/betrieb/rollen")
    assert r.status_code == 302 and r.headers["Location"].startswith("/anmelden?next=/betrieb/rollen")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_someone_who_is_no_operator_finds_nothing_even_at_hoch(app, user_agent, make_account, path):
    log_in_at_level(app, user_agent, make_account(), Level.HOCH)
    assert user_agent.get(path).status_code == 404
    assert ">Betrieb</a>" not in user_agent.get("/mein-bereich").text


def test_actions_of_someone_who_is_no_operator_change_nothing(app, user_agent, make_account, make_client):
    rp = make_client()
    log_in_at_level(app, user_agent, make_account(), Level.HOCH)
    page = user_agent.get("/mein-bereich")  # a page with a CSRF token for the POST
    from tests.conftest import csrf_from

    r = user_agent.post(f"/betrieb/online-dienste/{rp.client_id}/deaktivieren", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 404
    from idp.oidc.models import Client

    with app.app_context():
        assert db.session.get(Client, rp.client_id).disabled is False


def test_operator_below_hoch_is_asked_for_the_id_card(app, user_agent, operator):
    log_in_at_level(app, user_agent, operator.account_id, Level.SUBSTANZIELL)
    r = user_agent.get("/betrieb/signaturschluessel")
    assert r.status_code == 403
    assert "Anmeldung mit Online-Ausweisfunktion erforderlich" in r.text
    assert "Vertrauensniveau „substanziell“" in r.text
    assert "Upgrade starten" in r.text  # the card is not set up for this account yet
    assert "Fingerabdruck" not in r.text

    with app.app_context():
        db.session.add(EidLink(account_id=operator.account_id, pseudonym_digest="e" * 64))
        db.session.commit()
    r = user_agent.get("/betrieb/signaturschluessel")
    assert r.status_code == 403
    assert 'href="/anmelden/eid?next=/betrieb/signaturschluessel"' in r.text


def test_operator_at_hoch_is_in_and_sees_betrieb_in_the_header(console):
    home = console.get("/mein-bereich")
    assert 'href="/betrieb">Betrieb</a>' in home.text
    for path in CONSOLE_PAGES:
        r = console.get(path)
        assert r.status_code == 200, path
        assert 'aria-label="Betrieb"' in r.text
    assert 'href="/betrieb/foederationspartner"' in console.get("/betrieb").text


def test_a_revoked_operator_is_out_at_once(app, console):
    with app.app_context():
        from idp.operations import operators

        operators.revoke(OPERATOR)
    assert console.get("/betrieb").status_code == 404


def test_console_forms_need_the_csrf_token(app, console, make_client):
    rp = make_client()
    for path in (f"/betrieb/online-dienste/{rp.client_id}/deaktivieren", "/betrieb/signaturschluessel/rotieren",
                 "/betrieb/rollen/meldebehoerde", "/betrieb/online-dienste/neu"):
        r = console.post(path, data={"clerk_email": "x@example.org", "name": "Neu"})
        assert r.status_code == 400, path
    from idp.oidc.models import Client

    with app.app_context():
        assert db.session.get(Client, rp.client_id).disabled is False
        assert db.session.query(Client).count() == 1
