"""`servicekonto` as the operator runs it: the installed script, with the settings it
reads from the environment."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICEKONTO = str(Path(sys.executable).parent / "servicekonto")


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SERVICEKONTO, *args], env=env, capture_output=True, text=True, timeout=120)


def base_env(tmp_path: Path, database_url: str, **extra) -> dict:
    """The environment of the command, without the settings of whoever runs the tests."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SMTP_URL", "SECRET_KEY", "SERVICEKONTO_SIMULATORS")}
    env.update(SERVICEKONTO_INSTANCE_DIR=str(tmp_path / "instance"), SERVICEKONTO_KEYS_DIR=str(tmp_path / "keys"),
               DATABASE_URL=database_url,
               # The console script imports the installed package (a shared virtualenv may
               # point at another checkout); the code under test comes first.
               PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def app_env(app, tmp_path: Path) -> dict:
    """The command against the database of the running test IdP, so what it does is
    what the IdP then serves."""
    settings = app.config["SERVICEKONTO"]
    return base_env(tmp_path, settings.database_url, SERVICEKONTO_ISSUER=settings.issuer)


def run_cli(app, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run(app_env(app, tmp_path), *args)
