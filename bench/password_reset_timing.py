"""How long "Passwort vergessen?" takes for an address with an account and for one
without. The two must not be told apart by timing (SPEC §3); this prints the figures
rather than asserting them, since they depend on the machine.

    .venv/bin/python bench/password_reset_timing.py [rounds]
"""
from __future__ import annotations

import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from idp import create_app
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.config import Settings
from idp.extensions import db
from idp.migrate import upgrade


def main(rounds: int = 200) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    app = create_app(Settings.from_env({}, database_url=f"sqlite:///{tmp / 'bench.db'}", keys_dir=tmp / "keys",
                                       secret_key=secrets.token_urlsafe(32), instance_dir=tmp, testing=True))
    upgrade(app)
    with app.app_context():
        db.session.add(Account(email="erika@example.org", email_normalized="erika@example.org",
                               password_hash=hash_password("ABab1234"), status="active"))
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/passwort-vergessen").text).group(1)

    def timed(email: str) -> float:
        start = time.perf_counter()
        response = client.post("/passwort-vergessen", data={"email": email, "csrf_token": token})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        return elapsed * 1000

    known, unknown = [], []
    for _ in range(rounds):  # interleaved, so drift hits both alike
        known.append(timed("erika@example.org"))
        unknown.append(timed(f"niemand-{secrets.token_hex(4)}@example.org"))
    for label, values in (("address with account", known), ("address without account", unknown)):
        print(f"{label:24} median {statistics.median(values):6.2f} ms   "
              f"p90 {statistics.quantiles(values, n=10)[-1]:6.2f} ms   ({rounds} requests)")
    print(f"{'difference of medians':24} {statistics.median(known) - statistics.median(unknown):6.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
