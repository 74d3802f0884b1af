"""Test cards, development keys, the PSK channel's MAC, and starting both simulators
(and their wiring into `servicekonto dev`)."""
from __future__ import annotations

import socket
import stat
import time
from datetime import date

import pytest
import requests

from eid_connector import messages as m
from eid_connector.client import EidServerClient
from eid_connector.simulator import cards, channel
from eid_connector.simulator.devkeys import ensure_dev_keys
from eid_connector.simulator.run import start_simulators
from eid_connector.wssec import Signer, Verifier


# -- cards -----------------------------------------------------------------------------------
def test_the_cards_of_spec_7_are_there():
    ids = [card.id for card in cards.all_cards()]
    assert ids == ["erika", "jonas", "abgelaufen", "tag-unbekannt", "aufenthaltstitel", "ohne-wohnsitz"]
    assert len(set(ids)) == len(ids)
    assert all(card.check_pin("123456") and not card.check_pin("123457") for card in cards.all_cards())


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2028, 2, 29), date(2031, 1, 1)])
def test_ages_and_validity_hold_on_any_day(today):
    by_id = {card.id: card for card in cards.all_cards(today)}
    assert cards.fulfils_age(by_id["erika"].data, 16, today)
    assert cards.fulfils_age(by_id["jonas"].data, 15, today)
    assert not cards.fulfils_age(by_id["jonas"].data, 16, today)
    assert [card.id for card in by_id.values() if card.expired(today)] == ["abgelaufen"]


def test_unknown_birth_day_counts_from_the_end_of_the_month():
    data = m.PersonalData(date_of_birth=m.GeneralDate("200008  "))
    assert not cards.fulfils_age(data, 16, date(2016, 8, 30))
    assert cards.fulfils_age(data, 16, date(2016, 8, 31))
    unknown_month = m.PersonalData(date_of_birth=m.GeneralDate("2000    "))
    assert not cards.fulfils_age(unknown_month, 16, date(2016, 12, 30))
    assert cards.fulfils_age(unknown_month, 16, date(2016, 12, 31))
    assert not cards.fulfils_age(m.PersonalData(), 0)


def test_card_data_validate_as_personal_data():
    from eid_connector import schema

    for card in cards.all_cards():
        payload = m.build_get_result_response(m.GetResultResponse(personal_data=card.data))
        schema.validate_message(payload, "getResultResponse")


def test_pseudonym_is_deterministic_per_card_and_sector():
    sector = cards.sector_key(b"k" * 32, b"certificate A")
    other = cards.sector_key(b"k" * 32, b"certificate B")
    assert cards.restricted_id("erika", sector) == cards.restricted_id("erika", sector)
    assert cards.restricted_id("erika", sector) != cards.restricted_id("jonas", sector)
    assert cards.restricted_id("erika", sector) != cards.restricted_id("erika", other)
    assert len(cards.restricted_id("erika", sector)) == 32


# -- the PSK channel ---------------------------------------------------------------------------
def test_channel_mac():
    key, now = b"k" * 32, 1_800_000_000
    header = channel.sign(key, "POST", "psk-id", b"{}", now=now)
    assert channel.verify(key, "POST", "psk-id", b"{}", header, now=now + 5)
    assert not channel.verify(b"x" * 32, "POST", "psk-id", b"{}", header, now=now)
    assert not channel.verify(key, "GET", "psk-id", b"{}", header, now=now)
    assert not channel.verify(key, "POST", "other-id", b"{}", header, now=now)
    assert not channel.verify(key, "POST", "psk-id", b'{"a":1}', header, now=now)
    assert not channel.verify(key, "POST", "psk-id", b"{}", header, now=now + channel.MAX_SKEW_SECONDS + 1)
    for broken in (None, "", "t=x,mac=y", "mac=00"):
        assert not channel.verify(key, "POST", "psk-id", b"{}", broken, now=now)


# -- development keys ----------------------------------------------------------------------------
def test_dev_keys_are_created_once_and_private(tmp_path):
    directory = tmp_path / "keys" / "eid-simulator"
    keys = ensure_dev_keys(directory)
    files = sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))
    assert files == ["eid-server-simulator.DEVELOPMENT.cert.pem", "eid-server-simulator.DEVELOPMENT.key.pem",
                     "eservice-servicekonto.DEVELOPMENT.cert.pem", "eservice-servicekonto.DEVELOPMENT.key.pem"]
    for name in files:
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700

    # The pairs match and sign/verify each other's way.
    payload = m.build_get_result_request(m.GetResultRequest("00" * 16, 1))
    Verifier(keys.eservice_cert_pem).verify(Signer(keys.eservice_key_pem, keys.eservice_cert_pem).sign(payload))
    Verifier(keys.server_cert_pem).verify(Signer(keys.server_key_pem, keys.server_cert_pem).sign(payload))
    assert keys.server_key_pem != keys.eservice_key_pem

    assert ensure_dev_keys(directory) == keys                       # stable across restarts


def test_dev_keys_are_named_as_development_keys(tmp_path):
    from cryptography import x509

    keys = ensure_dev_keys(tmp_path)
    for pem in (keys.server_cert_pem, keys.eservice_cert_pem):
        subject = x509.load_pem_x509_certificate(pem).subject.rfc4514_string()
        assert "DEVELOPMENT ONLY" in subject


def test_a_broken_pair_is_replaced(tmp_path):
    keys = ensure_dev_keys(tmp_path)
    (tmp_path / "eservice-servicekonto.DEVELOPMENT.key.pem").write_bytes(b"kaputt")
    again = ensure_dev_keys(tmp_path)
    assert again.server_key_pem == keys.server_key_pem              # the intact pair is kept
    assert again.eservice_key_pem != keys.eservice_key_pem
    Signer(again.eservice_key_pem, again.eservice_cert_pem)         # and the new one matches


# -- starting both ---------------------------------------------------------------------------------
def test_start_simulators_serves_both_on_loopback(tmp_path):
    simulators = start_simulators(0, 0, keys_dir=tmp_path)
    try:
        assert simulators.eid_server_url.startswith("http://127.0.0.1:")
        assert simulators.eid_server_url.endswith("/eID-Server")
        assert simulators.eid_client_url.endswith("/eID-Client")
        keys = simulators.keys
        client = EidServerClient(simulators.eid_server_url, keys.eservice_key_pem, keys.eservice_cert_pem,
                                 keys.server_cert_pem, timeout=5, max_attempts=1)
        result = client.use_id(m.login_request())
        assert result.ecard_server_address == simulators.eid_server.url + "/ecard"
        assert client.get_result(result.session_id).pending
        assert requests.get(simulators.eid_client_url + "?Status", timeout=5).status_code == 200
        assert requests.get(simulators.control_url, timeout=5).json()["queued"] == {"useID": [], "getResult": []}
    finally:
        simulators.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(simulators.eid_client_url + "?Status", timeout=2)


def test_a_taken_port_leaves_nothing_running(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            start_simulators(0, port, keys_dir=tmp_path)
    # Both ports can be had again at once.
    start_simulators(0, port, keys_dir=tmp_path).stop()


def test_servicekonto_dev_starts_them_only_when_enabled(tmp_path, monkeypatch):
    from idp import devserver
    from idp.config import Settings

    started = []
    monkeypatch.setattr("eid_connector.simulator.run.start_simulators",
                        lambda *args, **kwargs: started.append((args, kwargs)) or "handle")
    base = dict(secret_key="x", keys_dir=tmp_path, instance_dir=tmp_path)
    assert devserver._start_eid_simulators(Settings.from_env({}, **base)) is None
    # A production issuer with simulators is refused before anything could start them.
    with pytest.raises(ValueError, match="development"):
        Settings.from_env({}, simulators=True, issuer="https://sk.example", **base)
    assert started == []
    assert devserver._start_eid_simulators(Settings.from_env({"SERVICEKONTO_SIMULATORS": "1"}, **base)) == "handle"
    assert started == [((devserver.EID_SERVER_SIMULATOR_PORT,), {"keys_dir": tmp_path / "eid-simulator"})]


def test_servicekonto_dev_runs_on_when_the_port_is_taken(tmp_path, monkeypatch, capsys):
    from idp import devserver
    from idp.config import Settings

    def taken(*args, **kwargs):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr("eid_connector.simulator.run.start_simulators", taken)
    settings = Settings.from_env({"SERVICEKONTO_SIMULATORS": "1"}, secret_key="x", keys_dir=tmp_path)
    assert devserver._start_eid_simulators(settings) is None
    assert "eID-Simulatoren nicht gestartet" in capsys.readouterr().out


def test_stopping_is_quick(tmp_path):
    simulators = start_simulators(0, 0, keys_dir=tmp_path)
    began = time.monotonic()
    simulators.stop()
    assert time.monotonic() - began < 2
