"""The federation of `make run`'s two instances (Land A and Land B), set up as the
development server does it, but on free ports with their own temporary databases
and keys."""
from __future__ import annotations

import secrets
import threading

import pytest
import requests
from werkzeug.serving import make_server

from federation import partners
from idp import create_app
from idp.config import Settings
from idp.devserver import LAND_A_NAME, LAND_B_NAME, federate, land_b_settings
from idp.extensions import db
from idp.loa import Level
from idp.migrate import upgrade
from tests.conftest import free_port


def _served(settings: Settings):
    app = create_app(settings)
    upgrade(app)
    server = make_server("127.0.0.1", int(settings.issuer.rsplit(":", 1)[1]), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


@pytest.fixture(scope="module")
def lands(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("lands")
    settings_a = Settings.from_env(
        {}, issuer=f"http://127.0.0.1:{free_port()}", display_name=LAND_A_NAME,
        database_url=f"sqlite:///{tmp_path / 'instance' / 'servicekonto.db'}", secret_key=secrets.token_urlsafe(32),
        keys_dir=tmp_path / "keys", instance_dir=tmp_path / "instance", argon2_time_cost=1, argon2_memory_cost=1024,
        testing=True)
    (app_a, server_a), (app_b, server_b) = _served(settings_a), _served(land_b_settings(settings_a, free_port()))
    yield app_a, app_b
    for app, server in ((app_a, server_a), (app_b, server_b)):
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _partners(app) -> list[dict]:
    with app.app_context():
        return [partners.describe(p) for p in partners.all_partners()]


def _entity_id(app) -> str:
    return app.extensions["servicekonto.federation"].entity_id


def test_land_b_has_its_own_address_database_and_keys(lands):
    app_a, app_b = lands
    a, b = app_a.config["SERVICEKONTO"], app_b.config["SERVICEKONTO"]
    assert b.issuer != a.issuer
    assert b.database_url != a.database_url
    assert b.keys_dir == a.keys_dir / "land-b"
    assert app_a.config["SECRET_KEY"] != app_b.config["SECRET_KEY"]


def test_both_lands_are_partners_of_each_other_and_a_restart_refreshes(lands):
    app_a, app_b = lands
    federate(app_a, app_b)
    in_a, in_b = _partners(app_a), _partners(app_b)
    assert [(p["name"], p["protocol"], p["entity_id"], p["max_loa"]) for p in in_a] == [
        ("Land B", "saml", _entity_id(app_b), Level.SUBSTANZIELL.word)]
    assert [(p["name"], p["protocol"], p["entity_id"], p["max_loa"]) for p in in_b] == [
        ("Land A", "saml", _entity_id(app_a), Level.HOCH.word)]
    for app in lands:
        with app.app_context():
            assert [p.name for p in partners.login_partners()] == [p["name"] for p in _partners(app)]

    federate(app_a, app_b)

    assert _partners(app_a) == in_a
    assert _partners(app_b) == in_b


@pytest.mark.parametrize("which, name", [(0, LAND_A_NAME), (1, LAND_B_NAME)])
def test_metadata_names_its_own_state(lands, which, name):
    app = lands[which]
    response = requests.get(_entity_id(app), timeout=10)
    assert response.status_code == 200
    assert name in response.text
    other = LAND_B_NAME if which == 0 else LAND_A_NAME
    assert other not in response.text
