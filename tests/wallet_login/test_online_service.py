"""What an online service gets from a login with the EUDI-Wallet: `loa` hoch, `amr`
naming the wallet, and the PID's data as `verified_claims` with the wallet as
evidence; and the step-up to hoch that offers the wallet beside the ID card."""
from __future__ import annotations

import re

import jwt as pyjwt

from tests.conftest import Browserless, pkce_pair, query_of
from tests.support.flows import Grant, authorize_query, consent, exchange, location, userinfo
from wallet_connector.simulator import ADULT, UNDER_16

from .support import path_of, start

WALLET_EVIDENCE = [{"type": "electronic_record", "record": {"type": "urn:eudi:pid:1",
                                                             "source": {"name": "EUDI-Wallet"}}}]


def code_after_login(agent, rp, holder, record: str, verifier: str) -> dict:
    trip = start(agent, f"/anmelden/wallet?anfrage={record}")
    back = agent.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    resumed = location(agent.get(location(back)))
    if "/zustimmung" in resumed:
        resumed = location(consent(agent, resumed))
    assert resumed.startswith(rp.redirect_uri), resumed
    return exchange(agent, rp, Grant(query_of(resumed)["code"], verifier, {})).json


def test_a_service_that_needs_hoch_gets_loa_hoch_and_the_pid_as_verified_claims(app, holder, make_account,
                                                                                link_pid, make_client):
    link_pid(make_account(), ADULT)
    rp = make_client(min_loa="hoch")
    agent = Browserless(app)
    verifier, challenge = pkce_pair()
    to_login = location(agent.get("/authorize", query_string=authorize_query(rp, challenge,
                                                                               scope="openid profile address")))
    answer = code_after_login(agent, rp, holder, query_of(to_login)["anfrage"], verifier)

    token = pyjwt.decode(answer["id_token"], options={"verify_signature": False})
    assert token["loa"] == "hoch" and token["amr"] == ["eudi_wallet", "hwk"]
    info = userinfo(agent, answer["access_token"]).json
    [verified] = info["verified_claims"]
    assert verified["verification"] == {"trust_framework": "eidas", "assurance_level": "high",
                                        "evidence": WALLET_EVIDENCE}
    assert verified["claims"]["given_name"] == "ERIKA" and verified["claims"]["birthdate"] == "1964-08-12"
    assert verified["claims"]["address"]["locality"] == "KÖLN"


def step_up_page(agent, rp, challenge: str):
    page = agent.get(location(agent.get("/authorize", query_string=authorize_query(rp, challenge))))
    assert "Mit EUDI-Wallet fortfahren" in page.text
    return re.search(r'/anmelden/wallet\?anfrage=([^"&]+)', page.text).group(1)


def test_the_step_up_to_hoch_offers_the_wallet_beside_the_id_card(app, holder, make_account, link_pid, make_client):
    link_pid(make_account(), ADULT)
    rp = make_client(min_loa="hoch")
    agent = Browserless(app)
    agent.login()
    verifier, challenge = pkce_pair()
    answer = code_after_login(agent, rp, holder, step_up_page(agent, rp, challenge), verifier)
    assert pyjwt.decode(answer["id_token"], options={"verify_signature": False})["loa"] == "hoch"


def test_the_step_up_refuses_the_pid_of_another_account(app, holder, make_account, link_pid, make_client):
    link_pid(make_account(), ADULT)
    link_pid(make_account(email="jonas@example.org"), UNDER_16)
    rp = make_client(min_loa="hoch")
    agent = Browserless(app)
    agent.login()
    trip = start(agent, f"/anmelden/wallet?anfrage={step_up_page(agent, rp, pkce_pair()[1])}")
    back = agent.get(path_of(holder.answer(trip.same_device_link, UNDER_16).json["redirect_uri"]))
    assert back.status_code == 400 and "gehört nicht zu dem Servicekonto" in back.text
