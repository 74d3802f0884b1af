"""The upgrade started at a step-up carries the online service's waiting request
(SPEC §2: a step-up keeps the authorization request) to the card reading or wallet
trip, and the "Anmelden" after the upgrade continues it. An unknown or expired
request is dropped, never stored."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from idp.authn.eid import EidTransaction
from idp.extensions import db
from idp.loa import Level
from tests.conftest import csrf_from, pkce_pair
from tests.support.flows import authorize_query, location
from wallet_connector.models import WalletTransaction


@pytest.fixture
def rp(make_client):
    return make_client()


def step_up_page(user_agent, rp) -> str:
    _, challenge = pkce_pair()
    answer = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, acr_values="hoch"))
    return user_agent.get(location(answer)).text


def upgrade_link(page: str) -> str:
    [link] = re.findall(r'href="(/mein-bereich/upgrade\?anfrage=[^"]+)"', page)
    return link


@pytest.mark.parametrize("level, button", [(Level.NIEDRIG, "Mit Online-Ausweisfunktion"),
                                           (Level.SUBSTANZIELL, "Anmeldung mit Online-Ausweisfunktion einrichten")])
def test_the_card_reading_of_the_upgrade_carries_the_request(app, user_agent, make_account, rp, level, button):
    make_account(level=level)  # a Servicekonto, or Plus (e.g. at the Meldebehörde) without the card
    user_agent.login()
    link = upgrade_link(step_up_page(user_agent, rp))
    record_id = link.split("anfrage=", 1)[1]
    upgrade = user_agent.get(link).text
    assert button in upgrade and "kehren zum Online-Dienst zurück" in upgrade
    assert upgrade.count(f'name="anfrage" value="{record_id}"') == 2  # the card and the wallet
    started = user_agent.post("/mein-bereich/upgrade/eid", data={"csrf_token": csrf_from(upgrade),
                                                                 "anfrage": record_id})
    assert started.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(EidTransaction.record_id)).all() == [record_id]


def test_the_wallet_trip_of_the_upgrade_carries_the_request(app, user_agent, make_account, rp):
    make_account()
    user_agent.login()
    link = upgrade_link(step_up_page(user_agent, rp))
    record_id = link.split("anfrage=", 1)[1]
    upgrade = user_agent.get(link).text
    started = user_agent.post("/mein-bereich/upgrade/wallet", data={"csrf_token": csrf_from(upgrade),
                                                                    "anfrage": record_id})
    assert started.status_code in (200, 302)
    with app.app_context():
        assert db.session.scalars(select(WalletTransaction.record_id)).all() == [record_id]


def test_an_unknown_request_is_not_carried(app, user_agent, make_account):
    make_account()
    user_agent.login()
    upgrade = user_agent.get("/mein-bereich/upgrade?anfrage=ausgedacht").text
    assert 'name="anfrage"' not in upgrade and "kehren zum Online-Dienst zurück" not in upgrade
    user_agent.post("/mein-bereich/upgrade/eid", data={"csrf_token": csrf_from(upgrade), "anfrage": "ausgedacht"})
    with app.app_context():
        assert db.session.scalars(select(EidTransaction.record_id)).all() == [None]
