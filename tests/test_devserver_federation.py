"""The federation of `make run`'s two instances (Land A and Land B), set up as the
development server does it, but on free ports with their own temporary databases
and keys."""
from __future__ import annotations

import pytest
import requests

from federation import partners
from idp.devserver import LAND_A_NAME, LAND_B_NAME, federate
from idp.loa import Level
from tests.support.two_states import two_states


@pytest.fixture(scope="module")
def lands(tmp_path_factory):
    with two_states(tmp_path_factory.mktemp("lands")) as apps:
        yield apps


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
    # Cookies do not tell ports apart: each instance keeps its session under its own name.
    assert app_a.config["SESSION_COOKIE_NAME"] != app_b.config["SESSION_COOKIE_NAME"]


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
