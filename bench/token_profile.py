"""Where the time of a token request goes (issue #11: "where a target is missed, the
closing note shows the profile"). Companion to bench/oidc_speed.py, which measures
throughput; this one runs the IdP in this process (no server, no socket), so that
the CPU per request and its split by component can be read off.

For each endpoint: CPU milliseconds per request without a profiler, SQL statements
and commits per request, and, under cProfile, the share of the CPU spent in the code
of each component (own time of the functions of SQLAlchemy, Authlib, Flask and
Werkzeug, the JOSE libraries, the database driver, the IdP itself, the rest).

    .venv/bin/python bench/token_profile.py [--db sqlite|postgresql] [--requests 300]
"""
from __future__ import annotations

import argparse
import base64
import cProfile
import collections
import hashlib
import io
import json
import os
import pstats
import re
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

REDIRECT_URI = "http://127.0.0.1:9/callback"
ISSUER = "http://127.0.0.1:5999"
EMAIL, PASSWORD = "erika@example.org", "ABab1234-Bench"
VERIFIER = "bench-" + "v" * 60
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
COMPONENTS = {  # first part of the module path → component
    "sqlalchemy": "SQLAlchemy", "flask_sqlalchemy": "SQLAlchemy", "authlib": "Authlib", "flask": "Flask/Werkzeug",
    "werkzeug": "Flask/Werkzeug", "flask_wtf": "Flask/Werkzeug", "flask_babel": "Flask/Werkzeug",
    "joserfc": "JOSE and crypto", "jwt": "JOSE and crypto", "cryptography": "JOSE and crypto",
    "psycopg": "database driver", "psycopg2": "database driver", "idp": "IdP (idp/)",
}
ORDER = ["SQLAlchemy", "Authlib", "Flask/Werkzeug", "JOSE and crypto", "database driver", "IdP (idp/)", "other"]


def component(filename: str, function: str) -> str:
    if "site-packages/" in filename:
        return COMPONENTS.get(filename.split("site-packages/", 1)[1].split("/", 1)[0], "other")
    if filename.startswith(str(REPO / "idp")):
        return COMPONENTS["idp"]
    if filename == "~" and ("sqlite3" in function or "psycopg" in function):
        return "database driver"
    if filename == "~" and "cryptography" in function:
        return "JOSE and crypto"
    return "other"


class Harness:
    """The IdP, an account that consented once, and a client: each request is a WSGI
    call with a ready environ, as waitress would make it."""

    def __init__(self, stack: ExitStack, db: str):
        workdir = Path(tempfile.mkdtemp(prefix="servicekonto-profile-", dir="/dev/shm"))
        stack.callback(shutil.rmtree, workdir, True)
        os.environ.update(SERVICEKONTO_ISSUER=ISSUER, DATABASE_URL=self._database(stack, db, workdir),
                          SERVICEKONTO_KEYS_DIR=str(workdir / "keys"), SERVICEKONTO_INSTANCE_DIR=str(workdir / "i"),
                          SECRET_KEY=secrets.token_urlsafe(32))
        for name in ("SMTP_URL", "SERVICEKONTO_SIMULATORS"):
            os.environ.pop(name, None)
        from sqlalchemy import event

        from idp import create_app
        from idp.extensions import db as database
        from idp.migrate import upgrade

        self.app = create_app()
        upgrade(self.app)
        self._register()
        with self.app.app_context():
            engine = database.engine
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", lambda *a: self._count("statements"))
        event.listen(engine, "commit", lambda *a: self._count("commits"))
        self._consent()

    def _count(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    @staticmethod
    def _database(stack: ExitStack, db: str, workdir: Path) -> str:
        if db == "sqlite":
            return f"sqlite:///{workdir / 'servicekonto.db'}"
        from tests.support.postgres import PostgresServer

        server = PostgresServer("profile")
        url = server.start()
        stack.callback(server.stop)
        return url

    def _register(self) -> None:
        from idp.accounts.models import Account
        from idp.accounts.passwords import hash_password
        from idp.accounts.policy import normalize_email
        from idp.clients import add_client
        from idp.extensions import db
        from idp.loa import Level

        with self.app.app_context():
            account = Account(email=EMAIL, email_normalized=normalize_email(EMAIL),
                              password_hash=hash_password(PASSWORD), status="active")
            db.session.add(account)
            account.set_attribute("given_name", "Erika", Level.NIEDRIG, "self")
            account.set_attribute("family_name", "Mustermann", Level.NIEDRIG, "self")
            db.session.commit()
            client, secret = add_client("Benchmark", [REDIRECT_URI], grants=["authorization_code", "client_credentials"])
            self.basic = "Basic " + base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
            self.client_id = client.client_id

    def _consent(self) -> None:
        self.browser = self.app.test_client()
        self.browser.post("/anmelden", data={"email": EMAIL, "password": PASSWORD, "csrf_token": self._csrf("/anmelden")})
        self.authorize = "/authorize?" + urlencode(dict(
            response_type="code", client_id=self.client_id, redirect_uri=REDIRECT_URI, scope="openid profile",
            code_challenge=CHALLENGE, code_challenge_method="S256", nonce="n"))
        consent = self.browser.get(self.authorize).headers["Location"]
        self.browser.post(consent, data={"decision": "zustimmen", "csrf_token": self._csrf(urlparse(consent).path)})
        self.code()  # consented: codes now come straight back

    def _csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.browser.get(path).text)[1]

    def code(self) -> str:
        return parse_qs(urlparse(self.browser.get(self.authorize).headers["Location"]).query)["code"][0]

    def environ(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(path=path, method=method, base_url=ISSUER, headers=headers or {},
                                 data=urlencode(body) if body else None,
                                 content_type="application/x-www-form-urlencoded" if body else None)
        environ = builder.get_environ()
        environ["bench.body"] = environ["wsgi.input"].read()
        return environ

    def token_environ(self, data: dict) -> dict:
        return self.environ("POST", "/token", data, {"Authorization": self.basic})

    def call(self, environ: dict) -> bytes:
        environ = dict(environ, **{"wsgi.input": io.BytesIO(environ["bench.body"])})
        status = []
        body = b"".join(self.app(environ, lambda s, h, exc=None: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']} answered {status[0]}: {body[:300]!r}")
        return body

    def exchange(self) -> dict:
        return json.loads(self.call(self.token_environ(dict(
            grant_type="authorization_code", code=self.code(), redirect_uri=REDIRECT_URI, code_verifier=VERIFIER))))

    def loads(self, count: int) -> dict[str, list[dict]]:
        """`count` ready requests per endpoint (single-use ones made in advance)."""
        code = lambda: dict(grant_type="authorization_code", code=self.code(), redirect_uri=REDIRECT_URI,
                            code_verifier=VERIFIER)
        access_token = self.exchange()["access_token"]
        return {
            "code exchange": [self.token_environ(code()) for _ in range(count)],
            "refresh (rotation)": [self.token_environ(dict(grant_type="refresh_token",
                                                           refresh_token=self.exchange()["refresh_token"]))
                                   for _ in range(count)],
            "client credentials": [self.token_environ(dict(grant_type="client_credentials", scope="postfach"))] * count,
            "userinfo": [self.environ("GET", "/userinfo", headers={"Authorization": "Bearer " + access_token})] * count,
            "health check (Flask floor)": [self.environ("GET", "/healthz")] * count,
        }


def measure(harness: Harness, requests: list[dict]) -> dict:
    half = len(requests) // 2
    plain, profiled = requests[:half], requests[half:]
    harness.statements = harness.commits = 0
    started = time.process_time()
    for environ in plain:
        harness.call(environ)
    cpu = (time.process_time() - started) / len(plain)
    counted = {"statements": harness.statements / len(plain), "commits": harness.commits / len(plain)}
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for environ in profiled:
        harness.call(environ)
    profiler.disable()
    shares = collections.Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in pstats.Stats(profiler).stats.items():
        shares[component(filename, function)] += own
    total = sum(shares.values()) or 1
    return {"cpu_ms": cpu * 1e3, **counted, "shares": {name: shares[name] / total for name in ORDER}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300, help="per endpoint (half plain, half profiled)")
    args = parser.parse_args()
    with ExitStack() as stack:
        harness = Harness(stack, args.db)
        loads = harness.loads(args.requests)
        for environ in loads["client credentials"][:20] + loads["userinfo"][:20]:
            harness.call(environ)  # warm: caches of SQLAlchemy and Jinja
        results = {name: measure(harness, requests) for name, requests in loads.items()}
    print(f"\nCPU per request in process ({args.db}), and its split by component under cProfile\n")
    header = ["endpoint", "CPU ms", "stmts", "commits", *ORDER]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, result in results.items():
        shares = [f"{result['shares'][part] * 100:.0f} %" for part in ORDER]
        print(f"| {name} | {result['cpu_ms']:.2f} | {result['statements']:.0f} | {result['commits']:.0f} | "
              + " | ".join(shares) + " |")


if __name__ == "__main__":
    main()
