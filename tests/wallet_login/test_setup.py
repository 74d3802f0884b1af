"""Settings of the wallet verifier (files read and checked at start, as for ELSTER),
and the housekeeping of trips and used response values."""
from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from idp import timeutil
from idp.config import Settings
from idp.extensions import db
from idp.maintenance import purge_expired
from wallet_connector.app import configured_from
from wallet_connector.models import WalletTransaction, WalletUsedValue
from wallet_connector.simulator.pki import make_ca, make_leaf

from .support import path_of, start

ISSUER = "https://konto.example.de"


def pem(*certs) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


@pytest.fixture
def files(tmp_path):
    """A PID trust anchor, and our verifier key with its chain (leaf, CA)."""
    ca = make_ca("Verifier CA")
    leaf = make_leaf(ca, "konto.example.de", dns_name="konto.example.de")
    paths = {name: tmp_path / f"{name}.pem" for name in ("anchors", "key", "cert")}
    paths["anchors"].write_bytes(pem(make_ca("PID CA").chain[0]))
    paths["key"].write_bytes(leaf.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    paths["cert"].write_bytes(pem(leaf.chain[0], ca.chain[0]))
    return paths


def settings_with(files, issuer=ISSUER, **env) -> Settings:
    return Settings.from_env({"SERVICEKONTO_ISSUER": issuer, "WALLET_PID_TRUST_ANCHORS": str(files["anchors"]),
                              "WALLET_VERIFIER_KEY": str(files["key"]), "WALLET_VERIFIER_CERT": str(files["cert"]),
                              **env})


def test_the_verifier_comes_from_its_files(files):
    settings = settings_with(files, WALLET_LINK_BASE="https://wallet.example.eu/authorize")
    verifier, trust = configured_from(settings)
    assert verifier.client_id == "x509_san_dns:konto.example.de"
    assert len(verifier.chain) == 1  # the self-signed CA is not sent
    assert len(trust.anchors) == 1
    assert settings.wallet_configured and settings.wallet_link_base == "https://wallet.example.eu/authorize"


@pytest.mark.parametrize("env, problem", [
    ({"WALLET_VERIFIER_KEY": "/k.pem"}, "WALLET_VERIFIER_CERT"),
    ({"WALLET_VERIFIER_KEY": "/k.pem", "WALLET_VERIFIER_CERT": "/c.pem"}, "WALLET_PID_TRUST_ANCHORS"),
    ({"WALLET_LINK_BASE": "wallet.example.eu"}, "WALLET_LINK_BASE"),
    ({"WALLET_LINK_BASE": "http://wallet.example.eu/authorize"}, "https"),
    ({"WALLET_LINK_BASE": "openid4vp://?x=1"}, "without query"),
])
def test_wrong_wallet_settings_are_refused_at_start(env, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env({"SERVICEKONTO_ISSUER": ISSUER, **env})


def test_a_certificate_for_another_host_or_key_is_refused(files, tmp_path):
    with pytest.raises(ValueError, match="dNSName"):
        configured_from(settings_with(files, issuer="https://other.example.de"))
    other = make_leaf(make_ca("CA"), "konto.example.de", dns_name="konto.example.de")
    files["cert"].write_bytes(pem(other.chain[0]))
    with pytest.raises(ValueError, match="does not belong"):
        configured_from(settings_with(files))
    files["anchors"].write_bytes(b"no certificate")
    with pytest.raises(ValueError, match="unusable"):
        configured_from(settings_with(files))


def test_purge_removes_expired_trips_and_used_values(app, user_agent, holder):
    trip = start(user_agent)
    holder.answer(trip.cross_device_link)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WalletUsedValue)) == 2
        timeutil.travel(timedelta(minutes=25))
        counts = purge_expired()
        assert counts["wallet requests"] == 1 and counts["used wallet response values"] == 2
        assert db.session.scalar(select(func.count()).select_from(WalletTransaction)) == 0


def test_the_demo_has_a_citizen_who_logs_in_with_the_simulated_wallet(app, user_agent, holder, wallet_simulator):
    from idp.devserver import demo_wallet_citizen

    assert demo_wallet_citizen(app, wallet_simulator) == "Erika Mustermann"
    assert demo_wallet_citizen(app, wallet_simulator) == "Erika Mustermann"  # a restart changes nothing
    trip = start(user_agent)
    back = user_agent.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    assert back.status_code == 302 and back.headers["Location"].endswith("/mein-bereich")


def test_without_trust_anchors_the_wallet_says_it_is_not_available(app, user_agent, monkeypatch):
    from wallet_connector.app import services

    monkeypatch.setattr(services(app), "trust", None)
    page = user_agent.get("/anmelden/wallet")
    assert page.status_code == 503 and "derzeit nicht eingerichtet" in page.text


def test_wallet_starts_are_limited_per_source(app, user_agent):
    from idp.authn.request_limits import PER_SOURCE

    for _ in range(PER_SOURCE):
        assert user_agent.get("/anmelden/wallet").status_code == 302
    page = user_agent.get("/anmelden/wallet")
    assert page.status_code == 429 and "Zu viele Anfragen" in page.text
