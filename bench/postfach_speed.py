"""The Postfach under volume (issue #13): an online service posts 10,000 messages
through the message API, then the citizen opens a Postfach that holds them.

The IdP runs as in bench/oidc_speed.py (waitress, 4 threads, pinned to CPU 0; `wrk`
on CPU 1), on SQLite on tmpfs or PostgreSQL. Printed: messages/s of
`POST /api/postfach/v1/nachrichten` (16 connections) and the latency of the Eingang
page (one connection after the other: a single citizen), median and p95.

    .venv/bin/python bench/postfach_speed.py [--db sqlite|postgresql|both] [--messages 10000]
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.oidc_speed import CONNECTIONS, FORM, VERIFIER, Load, Servicekonto, basic, wrk  # noqa: E402


def subject(target: Servicekonto) -> str:
    """The pairwise `sub` the service received at the citizen's login."""
    issued = target.token(dict(grant_type="authorization_code", code=target.code(),
                               redirect_uri="http://127.0.0.1:9/callback", code_verifier=VERIFIER))
    payload = issued["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def service_token(target: Servicekonto) -> str:
    r = requests.post(target.base + "/token", data={"grant_type": "client_credentials", "scope": "postfach"},
                      headers={**FORM, "Authorization": basic(target.client_id, target.secret)}, timeout=10)
    r.raise_for_status()
    return r.json()["access_token"]


def message(sub: str, n: int) -> str:
    return json.dumps({
        "empfaenger": {"sub": sub},
        "vorgang": {"referenz": f"AZ-{n // 3:05d}", "titel": f"Antrag {n // 3}"},
        "betreff": f"Nachricht {n}",
        "text": "Sehr geehrte Frau Mustermann,\nIhr Antrag ist eingegangen.",
        "antwort_erlaubt": n % 2 == 0,
    }, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--page-seconds", type=float, default=10)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"| database | messages posted | messages/s ({CONNECTIONS} connections) | Eingang median | Eingang p95 |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="servicekonto-bench-") as tmp:
        for database in databases:
            workdir = Path(tmp) / database
            with ExitStack() as stack:
                target = Servicekonto(stack, database, workdir)
                sub = subject(target)
                headers = {"Content-Type": "application/json", "Authorization": "Bearer " + service_token(target)}
                posted = wrk(target.base, Load("POST", "/api/postfach/v1/nachrichten", headers,
                                               bodies=[message(sub, n) for n in range(args.messages)],
                                               spent="{}"), 3600, workdir,
                             served=lambda: target.counters()["requests"])
                created = posted["requests"] - posted["non2xx"] - posted["errors"]
                cookie = "; ".join(f"{k}={v}" for k, v in target.http.cookies.items())
                page = wrk(target.base, Load(path="/postfach/", headers={"Cookie": cookie}), args.page_seconds,
                           workdir, connections=1)
                print(f"| {database} | {created:,} | {posted['rps']:,.0f} | {page['p50_us'] / 1000:.1f} ms "
                      f"| {page['p95_us'] / 1000:.1f} ms |")


if __name__ == "__main__":
    main()
