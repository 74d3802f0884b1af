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
        "SERVICEKONTO_KEYS_DIR": str(tmp_path), "REDIS_URL": "redis://r:6379/0"})
    assert settings.issuer == "https://konto.example.de"
    assert settings.database_url == "postgresql+psycopg://db/sk" and settings.smtp_url == "smtp://mail:25"
    assert settings.keys_dir == Path(tmp_path) and settings.is_production and not settings.simulators


def test_defaults_are_local_development():
    settings = Settings.from_env({})
    assert settings.issuer == "http://127.0.0.1:5000" and settings.database_url.startswith("sqlite:///")
    assert settings.smtp_url is None and not settings.is_production


@pytest.mark.parametrize("env, problem", [
    ({"SERVICEKONTO_ISSUER": "http://konto.example.de"}, "https"),
    ({"SERVICEKONTO_ISSUER": "konto.example.de"}, "absolute"),
    ({"SMTP_URL": "mail.example.de:25"}, "smtp://"),
    ({"SERVICEKONTO_ISSUER": "https://konto.example.de", "SERVICEKONTO_SIMULATORS": "1"}, "development"),
])
def test_unsafe_settings_are_refused(env, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env(env)


def test_simulators_only_when_asked_for_on_the_local_machine():
    assert Settings.from_env({"SERVICEKONTO_SIMULATORS": "1"}).simulators
    assert not Settings.from_env({"SERVICEKONTO_SIMULATORS": "true"}).simulators
