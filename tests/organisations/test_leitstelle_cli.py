"""`servicekonto clients leitstelle CLIENT_ID --grant EMAIL | --revoke EMAIL`: the
operator names the Fachliche Leitstelle, which then reaches /leitstelle."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from idp import cli
from tests.conftest import Browserless


@pytest.fixture
def servicekonto(app, monkeypatch):
    """The command in this process, against the running test IdP's database."""
    contexts = []

    def test_app():
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app

    monkeypatch.setattr(cli, "_app", test_app)
    yield lambda *args: CliRunner().invoke(cli.main, list(args))
    for ctx in reversed(contexts):
        ctx.pop()


def test_clients_leitstelle_grants_and_revokes_membership(app, servicekonto, make_account, make_client):
    client_id = make_client(name="Fördermittel", audience="organisations", approval="leitstelle").client_id
    make_account(email="amt@example.org")
    staff = Browserless(app)
    staff.login(email="amt@example.org")
    assert staff.get("/leitstelle").status_code == 403

    out = servicekonto("clients", "leitstelle", client_id, "--grant", "Amt@Example.org")
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == f"Amt@Example.org: member of the Fachliche Leitstelle of {client_id}"
    assert "Keine Organisation wartet" in staff.get("/leitstelle").text

    out = servicekonto("clients", "leitstelle", client_id, "--revoke", "amt@example.org")
    assert out.exit_code == 0 and "no longer member" in out.stdout
    assert staff.get("/leitstelle").status_code == 403

    unknown_client = servicekonto("clients", "leitstelle", "unbekannt", "--grant", "amt@example.org")
    assert unknown_client.exit_code == 1 and "no client unbekannt" in unknown_client.stderr
    unknown_account = servicekonto("clients", "leitstelle", client_id, "--grant", "niemand@example.org")
    assert unknown_account.exit_code == 1 and "no active account niemand@example.org" in unknown_account.stderr
    neither = servicekonto("clients", "leitstelle", client_id)
    both = servicekonto("clients", "leitstelle", client_id, "--grant", "amt@example.org", "--revoke", "amt@example.org")
    assert neither.exit_code == both.exit_code == 2 and "either --grant EMAIL or --revoke EMAIL" in both.stderr
