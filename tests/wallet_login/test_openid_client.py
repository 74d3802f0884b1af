"""Peer test: panva's openid-client, a strict relying party, receives from a login
with the EUDI-Wallet `loa` hoch, `amr` naming the wallet and the PID's data as
`verified_claims` with the wallet as evidence. The browser and the wallet talk to the
live IdP over real HTTP."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.peers.openid_client import Browser, discover, sign_in
from wallet_connector.simulator import ADULT

pytestmark = pytest.mark.peer


def log_in_with_wallet(browser: Browser, wallet, issuer: str) -> None:
    """The browser starts; the wallet app fetches the request and posts its answer
    (its own HTTP client); the browser follows the redirect_uri back."""
    trip = browser._get(issuer + "/anmelden/wallet")
    page = browser._get(urljoin(issuer, trip.headers["Location"]))
    link = unescape(re.search(r'href="([^"]*dieses-geraet[^"]*)"', page.text).group(1))
    request_uri = parse_qs(urlsplit(link).query)["request_uri"][0]
    request = wallet.read_request(requests.get(request_uri, timeout=10).text)
    answer = requests.post(request.response_uri, data=wallet.respond(request, ADULT).form, timeout=10)
    back = browser._get(answer.json()["redirect_uri"])
    assert back.is_redirect and back.headers["Location"].endswith("/mein-bereich"), back.text[:500]


def test_a_wallet_login_gives_openid_client_hoch_and_the_pid_as_verified_claims(
        openid_client, live_server, make_account, make_client, link_pid, wallet_simulator):  # noqa: F811
    link_pid(make_account(), ADULT)
    client = make_client(name="Elterngeld", min_loa="hoch")
    discover(openid_client, "eg", live_server, client, "client_secret_basic")
    browser = Browser(live_server)
    log_in_with_wallet(browser, wallet_simulator.simulator.wallet, live_server)

    tokens, _ = sign_in(openid_client, browser, "eg", client, scope="openid profile address", expect_login=False)
    claims = tokens["claims"]
    assert claims["loa"] == "hoch" and claims["acr"] == "http://eidas.europa.eu/LoA/high"
    assert claims["amr"] == ["eudi_wallet", "hwk"]
    info = openid_client.call("userinfo", rp="eg", access_token=tokens["access_token"], sub=claims["sub"])["userinfo"]
    [verified] = info["verified_claims"]
    assert verified["verification"] == {
        "trust_framework": "eidas", "assurance_level": "high",
        "evidence": [{"type": "electronic_record", "record": {"type": "urn:eudi:pid:1",
                                                               "source": {"name": "EUDI-Wallet"}}}]}
    assert verified["claims"]["family_name"] == "MUSTERMANN" and verified["claims"]["birthdate"] == "1964-08-12"
    assert verified["claims"]["address"]["locality"] == "KÖLN"
