"""Settings from the environment (SPEC §8) and the guards that keep development
shortcuts out of production."""
from __future__ import annotations

from pathlib import Path

import pytest

from idp.config import Settings


def test_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env({
        "SERVICEKONTO_ISSUER": "https://konto.example.de/", "DATABASE_URL": "postgresql+psycopg://db/sk",
        "SECRET_KEY": "s3cr3t", "SMTP_URL": "smtp://mail:25", "MAIL_FROM": "Konto <konto@example.de>",
        "SERVICEKONTO_KEYS_DIR": str(tmp_path)})
    assert settings.issuer == "https://konto.example.de"
    assert settings.database_url == "postgresql+psycopg://db/sk" and settings.smtp_url == "smtp://mail:25"
    assert settings.keys_dir == Path(tmp_path) and settings.is_production and not settings.simulators


def test_defaults_are_local_development():
    settings = Settings.from_env({})
    assert settings.issuer == "http://127.0.0.1:5000" and settings.database_url.startswith("sqlite:///")
    assert settings.smtp_url is None and not settings.is_production


def test_the_first_mail_retry_comes_from_the_environment():
    assert Settings.from_env({}).mail_retry_seconds == 30
    assert Settings.from_env({"SERVICEKONTO_MAIL_RETRY_SECONDS": "5"}).mail_retry_seconds == 5


@pytest.mark.parametrize("env, problem", [
    ({"SERVICEKONTO_ISSUER": "http://konto.example.de"}, "https"),
    ({"SERVICEKONTO_ISSUER": "konto.example.de"}, "absolute"),
    ({"SMTP_URL": "mail.example.de:25"}, "smtp://"),
    ({"SERVICEKONTO_ISSUER": "https://konto.example.de", "SERVICEKONTO_SIMULATORS": "1"}, "development"),
    ({"SERVICEKONTO_MAIL_RETRY_SECONDS": "0"}, "SERVICEKONTO_MAIL_RETRY_SECONDS"),
    ({"SERVICEKONTO_MAIL_RETRY_SECONDS": "eine Minute"}, "SERVICEKONTO_MAIL_RETRY_SECONDS"),
    # The support contact lands in every page's footer (tests/test_support_contact.py).
    ({"SERVICEKONTO_SUPPORT_EMAIL": "hilfe at land"}, "SERVICEKONTO_SUPPORT_EMAIL"),
    ({"SERVICEKONTO_SUPPORT_EMAIL": 'x"@y.de" onmouseover=1'}, "SERVICEKONTO_SUPPORT_EMAIL"),
    ({"SERVICEKONTO_SUPPORT_URL": "http://land.example.de/hilfe"}, "SERVICEKONTO_SUPPORT_URL"),
    ({"SERVICEKONTO_SUPPORT_URL": "javascript:alert(1)"}, "SERVICEKONTO_SUPPORT_URL"),
])
def test_unsafe_settings_are_refused(env, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env(env)


def test_simulators_only_when_asked_for_on_the_local_machine():
    assert Settings.from_env({"SERVICEKONTO_SIMULATORS": "1"}).simulators
    assert not Settings.from_env({"SERVICEKONTO_SIMULATORS": "true"}).simulators


def test_eid_server_connection_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env({
        "EID_SERVER_URL": "https://eid.example.de/eID-Server", "EID_TLS_CLIENT_CERT": str(tmp_path / "tls.crt"),
        "EID_TLS_CLIENT_KEY": str(tmp_path / "tls.key"), "EID_TLS_CA": str(tmp_path / "ca.pem"),
        "EID_SIGNATURE_KEY_REFERENCE": "issuer_serial"})
    assert settings.eid_tls_client_cert == tmp_path / "tls.crt" and settings.eid_tls_client_key == tmp_path / "tls.key"
    assert settings.eid_tls_ca == tmp_path / "ca.pem" and settings.eid_signature_key_reference == "issuer_serial"


def test_eid_server_connection_defaults_to_the_system_store_and_an_included_token():
    settings = Settings.from_env({"EID_SERVER_URL": "http://127.0.0.1:5002/eID-Server"})
    assert settings.eid_tls_client_cert is None and settings.eid_tls_client_key is None
    assert settings.eid_tls_ca is None and settings.eid_signature_key_reference == "bst"


@pytest.mark.parametrize("env, problem", [
    ({"EID_TLS_CLIENT_CERT": "/etc/servicekonto/tls.crt"}, "EID_TLS_CLIENT_KEY"),
    ({"EID_TLS_CLIENT_KEY": "/etc/servicekonto/tls.key"}, "EID_TLS_CLIENT_CERT"),
    ({"EID_SIGNATURE_KEY_REFERENCE": "thumbprint"}, "EID_SIGNATURE_KEY_REFERENCE"),
    ({"EID_SIGNATURE_KEY_REFERENCE": "BST"}, "EID_SIGNATURE_KEY_REFERENCE"),
    ({"EID_SERVER_URL": "http://eid.example.de/eID-Server"}, "https"),
    ({"EID_SERVER_URL": "eid.example.de/eID-Server"}, "absolute"),
])
def test_unusable_eid_server_settings_are_refused(env, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env(env)


def test_plain_http_to_an_eid_server_only_on_the_local_machine():
    for url in ("http://127.0.0.1:5002/eID-Server", "http://localhost:5002/eID-Server"):
        assert Settings.from_env({"EID_SERVER_URL": url}).eid_server_url == url


def test_password_hash_cost_comes_from_the_environment_and_defaults_to_owasp():
    default = Settings.from_env({})
    assert (default.argon2_memory_cost, default.argon2_time_cost, default.argon2_parallelism) == (19456, 2, 1)
    tuned = Settings.from_env({"ARGON2_MEMORY_COST": "47104", "ARGON2_TIME_COST": "1", "ARGON2_PARALLELISM": "2"})
    assert (tuned.argon2_memory_cost, tuned.argon2_time_cost, tuned.argon2_parallelism) == (47104, 1, 2)


@pytest.mark.parametrize("env", [
    {"ARGON2_MEMORY_COST": "1024"},
    {"ARGON2_MEMORY_COST": "19456", "ARGON2_TIME_COST": "1"},
    {"ARGON2_PARALLELISM": "0"},
    {"ARGON2_TIME_COST": "zwei"},
])
def test_password_hash_cost_below_owasp_minimum_is_refused(env):
    with pytest.raises(ValueError, match="ARGON2"):
        Settings.from_env(env)


@pytest.mark.parametrize("written", ["postgresql://sk:pw@db:5432/sk?connect_timeout=5",
                                     "postgres://sk:pw@db:5432/sk?connect_timeout=5"])
def test_a_plain_postgresql_url_uses_the_installed_driver(written):
    settings = Settings.from_env({"DATABASE_URL": written})
    assert settings.database_url == "postgresql+psycopg://sk:pw@db:5432/sk?connect_timeout=5"
    assert Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/sk"}).database_url == "postgresql+psycopg://db/sk"


def test_the_idp_starts_on_a_plain_postgresql_url(tmp_path):
    import sqlalchemy

    from idp import create_app
    from idp.extensions import db

    settings = Settings.from_env({"DATABASE_URL": "postgresql://sk@127.0.0.1:9/sk", "SERVICEKONTO_KEYS_DIR": str(tmp_path)})
    app = create_app(settings)
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg"
        with pytest.raises(sqlalchemy.exc.OperationalError):  # nobody listens there; the driver was found
            db.engine.connect()
