"""`servicekonto` as the operator runs it, against the test IdP's database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICEKONTO = str(Path(sys.executable).parent / "servicekonto")


def run_cli(app, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    settings = app.config["SERVICEKONTO"]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_URL", "SECRET_KEY")}
    # This checkout's code, not whatever checkout the installed entry point points to.
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=settings.database_url, SERVICEKONTO_ISSUER=settings.issuer,
               SERVICEKONTO_INSTANCE_DIR=str(tmp_path / "instance"), SERVICEKONTO_KEYS_DIR=str(tmp_path / "keys"))
    return subprocess.run([SERVICEKONTO, *args], env=env, capture_output=True, text=True, timeout=120)
