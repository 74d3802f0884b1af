"""Requests per second of the provider's hot endpoints, side by side with panva's
oidc-provider (in-memory store) and Flask's hello world (issue #11 "Speed").

Each server is started here and pinned to CPU 0 (`taskset`), one at a time; the
load generator `wrk` (Debian package, 1 thread, 16 connections) runs on CPU 1. The
IdP runs as in production (waitress with 4 threads, Argon2id at its default cost,
no simulators) on SQLite on tmpfs and on a throwaway PostgreSQL cluster (its
processes pinned to CPU 0 as well). Figures are medians of the runs. Also printed:
SQL statements, commits and file opens per request of the IdP (counted inside its
process), and its resident memory after each run (flat: nothing grows under load).

Password logins are measured three times: all connections logging in to one account
from one address (the worst case: every attempt updates the same two back-off rows);
to SPREAD_ACCOUNTS accounts from one address (an office behind one address: they
share the address's row); and to SPREAD_ACCOUNTS accounts, each from an address of
its own (X-Forwarded-For from a trusted reverse proxy, as in production).

    .venv/bin/python bench/oidc_speed.py [--db sqlite|postgresql|both] [--seconds 3] [--runs 3]
    .venv/bin/python bench/oidc_speed.py --only "password login"   # only the rows whose name holds it
    .venv/bin/python bench/oidc_speed.py --smoke     # one short run each (CI)
"""
from __future__ import annotations

import argparse
import dataclasses
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SERVER_CPU, LOAD_CPU = "0", "1"
CONNECTIONS = 16
REDIRECT_URI = "http://127.0.0.1:9/callback"
EMAIL, PASSWORD = "erika@example.org", "ABab1234-Bench"
SPREAD_ACCOUNTS = 64
LOGIN_ONE = "password login (1 account, 1 address: worst case)"
LOGIN_OFFICE = f"password login ({SPREAD_ACCOUNTS} accounts, 1 address)"
LOGIN_SPREAD = f"password login ({SPREAD_ACCOUNTS} accounts, {SPREAD_ACCOUNTS} addresses)"
VERIFIER = "bench-" + "v" * 60
SPREAD_EMAILS = [f"buerger{n:02}@example.org" for n in range(SPREAD_ACCOUNTS)]
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
# Targets of the issue, as ratios to the hello world on the same core.
TARGETS = {"discovery": 0.8, "JWKS": 0.8, "refresh (rotation)": 0.25, "code exchange": 0.25,
           "client credentials": 0.25, "userinfo": 0.25}


# -- processes --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(pid: int, cpu: str = SERVER_CPU) -> None:
    subprocess.run(["taskset", "-a", "-cp", cpu, str(pid)], check=True, capture_output=True)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(cmd: list[str], env: dict | None = None, stdin=None):
    # The server's log goes to a file (printed if it holds errors): a pipe nobody
    # reads would fill up and stall the server mid-run.
    log = tempfile.NamedTemporaryFile("w+", prefix="servicekonto-bench-", suffix=".log")
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, *cmd], cwd=REPO, env=env, stdin=stdin,
                            stdout=subprocess.PIPE if stdin else subprocess.DEVNULL, stderr=log, text=True)
    try:
        yield proc
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        errors = [line for line in log.read().splitlines() if "Error" in line]
        if errors:
            print(f"{cmd[1] if len(cmd) > 1 else cmd[0]} logged {len(errors)} errors, e.g.: {errors[:3]}",
                  file=sys.stderr)
        log.close()


# -- the load generator -------------------------------------------------------------------------
LUA_FIXED = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%%d,"duration_us":%%d,"non2xx":%%d,"errors":%%d,"p50_us":%%d,"p95_us":%%d,"mean_us":%%f}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency.mean))
end
"""

# Every request takes the next body of a file (codes, refresh tokens: each is good
# once); when they are used up the run stops, and only the 2xx answers count.
LUA_BODIES = """
local bodies = {}
for line in io.lines(%(file)s) do bodies[#bodies + 1] = line end
local i, answered = 0, 0
%(headers)s
request = function()
  i = i + 1
  -- Past the end, a body that is simply invalid: resending a spent code would make
  -- a provider revoke the whole grant (RFC 6749 §4.1.2).
  return wrk.format("POST", nil, nil, bodies[i] or %(spent)s)
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= #bodies then wrk.thread:stop() end
end
""" + LUA_FIXED.split("%(headers)s", 1)[1]

# Requests that take turns (e.g. logins to many accounts): a body and headers each.
LUA_TURNS = """
local turns = {%(turns)s}
local i = 0
%(headers)s
request = function()
  i = i %% #turns + 1
  for name, value in pairs(turns[i].headers) do wrk.headers[name] = value end
  return wrk.format(%(method)s, nil, nil, turns[i].body)
end
""" + LUA_FIXED.split("%(headers)s", 1)[1]


def _lua_headers(headers: dict[str, str]) -> str:
    return "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())


@dataclass
class Load:
    method: str = "GET"
    path: str = "/"
    headers: dict = field(default_factory=dict)
    body: str | None = None
    bodies: list[str] | Callable[[], list[str]] | None = None  # single-use, one per request; made at run time
    spent: str = "grant_type=authorization_code&code=spent"  # sent once the bodies are used up
    turns: list[tuple[dict[str, str], str]] | None = None  # (headers, body) of requests taking turns


def wrk(base: str, load: Load, seconds: float, workdir: Path, connections: int = CONNECTIONS,
        served=None) -> dict:
    """Run wrk for `seconds`. With single-use bodies and `served` (a function that
    returns how many requests the server has answered so far), wrk is interrupted
    (SIGINT: it still reports) as soon as every body was answered."""
    script = workdir / f"load-{secrets.token_hex(4)}.lua"
    headers = _lua_headers(load.headers)
    if load.turns is not None:
        turns = ", ".join("{headers = {%s}, body = %s}" % (
            ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in extra.items()), json.dumps(body))
            for extra, body in load.turns)
        script.write_text(LUA_TURNS % {"turns": turns, "headers": headers, "method": json.dumps(load.method)})
    elif load.bodies is not None:
        data = workdir / f"bodies-{secrets.token_hex(4)}.txt"
        data.write_text("\n".join(load.bodies) + "\n")
        script.write_text(LUA_BODIES % {"file": json.dumps(str(data)), "headers": headers,
                                        "spent": json.dumps(load.spent), "method": '"POST"', "body": "nil"})
    else:
        script.write_text(LUA_FIXED % {"method": json.dumps(load.method), "headers": headers,
                                       "body": json.dumps(load.body) if load.body is not None else "nil"})
    start = served() if served and load.bodies is not None else None
    duration = f"-d{max(1, round(seconds))}s"  # wrk takes whole seconds
    # A login takes 16 connections / 20 per s = 0.8 s at the target rate: wrk's default
    # time-out (2 s) would count a slower run's answers as errors instead of measuring them.
    proc = subprocess.Popen(["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", duration, "--timeout", "30s",
                             "-s", str(script), base + load.path], stdout=subprocess.PIPE, text=True)
    if start is not None:
        while proc.poll() is None and served() - start < len(load.bodies):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate()
    reported = [line for line in out.splitlines() if line.startswith("{")]
    if not reported:
        raise RuntimeError(f"wrk reported nothing (exit {proc.returncode}): {out[-500:]}")
    result = json.loads(reported[-1])
    ok = result["requests"] - result["non2xx"] - result["errors"]
    if ok <= 0:
        result["rps"] = None  # the server refused every request: no figure
    elif load.bodies is not None and result["requests"] >= len(load.bodies):
        # The single-use bodies ran out before the time did, and wrk idles until the
        # end: while they lasted every connection was busy, so by Little's law the
        # rate was connections / mean latency.
        result["rps"] = connections * 1e6 / result["mean_us"]
    else:
        result["rps"] = ok / (result["duration_us"] / 1e6)
    return result


# -- servers under test ---------------------------------------------------------------------------
def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Target:
    """A server under test: what each endpoint's load looks like there."""

    name: str
    pid: int
    base: str
    batch = 1000  # single-use bodies (codes, refresh tokens) made per run
    client_id: str
    secret: str

    def token(self, data: dict) -> dict:
        """A token request as the registered client (HTTP Basic)."""
        r = requests.post(self.base + "/token", data=data, timeout=10,
                          headers={"Authorization": basic(self.client_id, self.secret)})
        if r.status_code != 200:
            raise RuntimeError(f"{self.name} refused a token request: {r.status_code} {r.text[:300]}")
        return r.json()

    def loads(self, count: int) -> dict[str, Load]:
        raise NotImplementedError


class Hello(Target):
    name = "Flask hello world"

    def __init__(self, stack: ExitStack):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.pid = stack.enter_context(process([sys.executable, "bench/hello_app.py", str(port)])).pid
        wait_until_up(self.base + "/")

    def loads(self, count):
        return {"hello": Load()}


class OidcProvider(Target):
    name = "oidc-provider (in-memory)"
    # Its in-memory adapter is an LRU of 1000 entries (codes, tokens, grants, sessions
    # alike): bigger batches would evict the grant itself.
    batch = 300

    def __init__(self, stack: ExitStack):
        self.client_id, self.secret = "bench", secrets.token_urlsafe(24)
        proc = stack.enter_context(process(
            ["node", "bench/oidc_provider_reference.mjs", self.client_id, self.secret, REDIRECT_URI],
            stdin=subprocess.PIPE))
        self.pid = proc.pid
        self.base = json.loads(proc.stdout.readline())["issuer"]
        self.http = requests.Session()
        self._authorize_url = self.base + "/auth?" + urlencode(dict(
            response_type="code", client_id=self.client_id, redirect_uri=REDIRECT_URI,
            scope="openid profile", code_challenge=CHALLENGE, code_challenge_method="S256"))
        # Log in and consent once; later codes come straight from the session and grant
        # (refresh tokens come with every code: `issueRefreshToken` in the .mjs).
        self.code()

    def code(self) -> str:
        url = self._authorize_url
        for _ in range(10):
            r = self.http.get(url, allow_redirects=False, timeout=10)
            if "Location" not in r.headers:
                raise RuntimeError(f"oidc-provider answered {r.status_code}: {r.text[:200]}")
            url = requests.compat.urljoin(url, r.headers["Location"])
            if url.startswith(REDIRECT_URI):
                return parse_qs(urlparse(url).query)["code"][0]
        raise RuntimeError("oidc-provider gave no code")

    def loads(self, count):
        return common_loads(self, "/jwks", "/me", count)


class Servicekonto(Target):
    def __init__(self, stack: ExitStack, db: str, workdir: Path):
        self.name = f"Servicekonto ({'SQLite on tmpfs' if db == 'sqlite' else 'PostgreSQL'})"
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SERVICEKONTO_ISSUER": self.base, "DATABASE_URL": self._database(stack, db, workdir),
               "SERVICEKONTO_KEYS_DIR": str(workdir / "keys"), "SERVICEKONTO_INSTANCE_DIR": str(workdir / "instance"),
               "SECRET_KEY": secrets.token_urlsafe(32), "PYTHONPATH": str(REPO),
               # As behind the reverse proxy of production: the spread logins come from
               # many client addresses (X-Forwarded-For).
               "SERVICEKONTO_TRUSTED_PROXIES": "1"}
        for name in ("SMTP_URL", "SERVICEKONTO_SIMULATORS"):
            env.pop(name, None)
        self._prepare(env)
        self.pid = stack.enter_context(process([sys.executable, "bench/serve_idp.py", str(port)], env=env)).pid
        wait_until_up(self.base + "/.well-known/openid-configuration")
        self.http = requests.Session()
        self._log_in()

    @staticmethod
    def _database(stack: ExitStack, db: str, workdir: Path) -> str:
        if db == "sqlite":
            shm = Path(tempfile.mkdtemp(prefix="servicekonto-bench-", dir="/dev/shm"))
            stack.callback(shutil.rmtree, shm, True)
            return f"sqlite:///{shm / 'servicekonto.db'}"
        from tests.support.postgres import PostgresServer

        server = PostgresServer("bench")
        url = server.start()
        stack.callback(server.stop)
        # Backends are forked by the postmaster and inherit its CPU.
        pin(int((server.datadir / "postmaster.pid").read_text().split()[0]))
        return url

    def _prepare(self, env: dict) -> None:
        """Schema, an account and a client, in a process of its own (the settings
        come from the environment, as in the server)."""
        script = """
import json, sys
from idp import create_app
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.policy import normalize_email
from idp.clients import add_client
from idp.extensions import db
from idp.loa import Level
from idp.migrate import upgrade
app = create_app()
upgrade(app)
with app.app_context():
    account = Account(email=sys.argv[1], email_normalized=normalize_email(sys.argv[1]),
                      password_hash=hash_password(sys.argv[2]), status="active")
    db.session.add(account)
    account.set_attribute("given_name", "Erika", Level.NIEDRIG, "self")
    account.set_attribute("family_name", "Mustermann", Level.NIEDRIG, "self")
    db.session.commit()
    # The accounts of the spread logins: one hash will do for all of them.
    for email in sys.argv[4:]:
        db.session.add(Account(email=email, email_normalized=normalize_email(email),
                               password_hash=account.password_hash, status="active"))
    db.session.commit()
    client, secret = add_client("Benchmark", [sys.argv[3]], grants=["authorization_code", "client_credentials"])
    print(json.dumps({"client_id": client.client_id, "secret": secret}))
"""
        out = subprocess.run([sys.executable, "-c", script, EMAIL, PASSWORD, REDIRECT_URI, *SPREAD_EMAILS],
                             env=env, cwd=REPO, capture_output=True, text=True, check=True)
        registered = json.loads(out.stdout.strip().splitlines()[-1])
        self.client_id, self.secret = registered["client_id"], registered["secret"]

    def _csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.http.get(self.base + path, timeout=10).text)[1]

    def _log_in(self) -> None:
        self.login_cookie = None
        token = self._csrf("/anmelden")
        # The login form as a browser that is not logged in sends it, for the login load.
        self.login_form = (dict(self.http.cookies), urlencode({"email": EMAIL, "password": PASSWORD,
                                                                "csrf_token": token}), token)
        r = self.http.post(self.base + "/anmelden", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
                           allow_redirects=False, timeout=10)
        assert r.status_code in (302, 303), r.status_code
        self._authorize_url = self.base + "/authorize?" + urlencode(dict(
            response_type="code", client_id=self.client_id, redirect_uri=REDIRECT_URI, scope="openid profile",
            code_challenge=CHALLENGE, code_challenge_method="S256", nonce="n"))
        r = self.http.get(self._authorize_url, allow_redirects=False, timeout=10)
        consent = requests.compat.urljoin(self.base, r.headers["Location"])
        r = self.http.post(consent, data={"decision": "zustimmen", "csrf_token": self._csrf(urlparse(consent).path)},
                           allow_redirects=False, timeout=10)
        assert r.headers["Location"].startswith(REDIRECT_URI), r.headers.get("Location")

    def code(self) -> str:
        r = self.http.get(self._authorize_url, allow_redirects=False, timeout=10)
        return parse_qs(urlparse(r.headers["Location"]).query)["code"][0]

    def counters(self) -> dict:
        return requests.get(self.base + "/__bench__/counters", timeout=10).json()

    def loads(self, count):
        loads = common_loads(self, "/jwks", "/userinfo", count)
        cookies, body, token = self.login_form
        headers = {**FORM, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        loads[LOGIN_ONE] = Load("POST", "/anmelden", headers, body)
        spread = [urlencode({"email": email, "password": PASSWORD, "csrf_token": token}) for email in SPREAD_EMAILS]
        loads[LOGIN_OFFICE] = Load("POST", "/anmelden", headers, turns=[({}, body) for body in spread])
        loads[LOGIN_SPREAD] = Load("POST", "/anmelden", headers, turns=[
            ({"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"}, body) for n, body in enumerate(spread)])
        return loads


def common_loads(target, jwks_path: str, userinfo_path: str, count: int) -> dict[str, Load]:
    """The loads of a provider. Codes live a minute (here and at oidc-provider), so
    the single-use bodies are made just before their run."""
    auth = {**FORM, "Authorization": basic(target.client_id, target.secret)}

    def codes(n: int) -> list[str]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: target.code(), range(n)))

    def issued(n: int) -> list[dict]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda c: target.token(dict(grant_type="authorization_code", code=c,
                                                              redirect_uri=REDIRECT_URI, code_verifier=VERIFIER)),
                                 codes(n)))

    def exchanges() -> list[str]:
        return [urlencode(dict(grant_type="authorization_code", code=c, redirect_uri=REDIRECT_URI,
                               code_verifier=VERIFIER)) for c in codes(count)]

    def refreshes() -> list[str]:
        return [urlencode(dict(grant_type="refresh_token", refresh_token=t["refresh_token"])) for t in issued(count)]

    # In run order: userinfo first, before the batches of codes and tokens would push
    # its token out of oidc-provider's store.
    return {
        "discovery": Load(path="/.well-known/openid-configuration"),
        "JWKS": Load(path=jwks_path),
        "userinfo": Load(path=userinfo_path, headers={"Authorization": "Bearer " + issued(1)[0]["access_token"]}),
        "code exchange": Load("POST", "/token", auth, bodies=exchanges),
        "refresh (rotation)": Load("POST", "/token", auth, bodies=refreshes,
                                   spent="grant_type=refresh_token&refresh_token=spent"),
        "client credentials": Load("POST", "/token", auth, "grant_type=client_credentials&scope=postfach"),
    }


# -- the measurement ---------------------------------------------------------------------------------
ORDER = ["discovery", "JWKS", "refresh (rotation)", "code exchange", "client credentials", "userinfo",
         LOGIN_ONE, LOGIN_OFFICE, LOGIN_SPREAD, "hello"]


def measure(target: Target, seconds: float, runs: int, count: int, workdir: Path, only: str = "") -> dict:
    figures, costs, rss = {}, {}, []
    for run in range(runs):
        # Single-use bodies are used up by a run: fresh loads for each.
        for endpoint, load in target.loads(min(count, target.batch)).items():
            if only not in endpoint and endpoint != "hello":
                continue
            if callable(load.bodies):
                load = dataclasses.replace(load, bodies=load.bodies())  # made now, outside the counting
            before = target.counters() if isinstance(target, Servicekonto) else None
            result = wrk(target.base, load, seconds, workdir)
            if result["rps"] is not None:
                figures.setdefault(endpoint, []).append(result["rps"])
            else:
                print(f"  {target.name}: {endpoint} refused every request", file=sys.stderr)
            if result["non2xx"] and load.bodies is None:
                # Only the 2xx (and 3xx) answers count; a refused login shows up here.
                print(f"  {target.name}: {endpoint}: {result['non2xx']} of {result['requests']} answers were "
                      "errors", file=sys.stderr)
            if before is not None and run == 0:
                after = target.counters()
                done = max(1, after["requests"] - before["requests"] - 1)  # minus the counter read
                costs[endpoint] = {k: (after[k] - before[k]) / done for k in ("statements", "commits", "file_opens")}
        rss.append(rss_kib(target.pid))
    return {"rps": {k: statistics.median(v) for k, v in figures.items()}, "costs": costs, "rss": rss}


def table(results: dict[str, dict], hello: float) -> str:
    names = list(results)
    lines = ["| endpoint | " + " | ".join(names) + " | project / hello world | target |",
             "|---|" + "---|" * len(names) + "---|---|"]
    project = names[0]
    for endpoint in ORDER:
        row = [results[n]["rps"].get(endpoint) for n in names]
        if all(v is None for v in row):
            continue
        cells = [f"{v:,.0f}" if v is not None else "" for v in row]
        mine = results[project]["rps"].get(endpoint)
        ratio = f"{mine / hello:.2f}×" if mine is not None and endpoint in TARGETS else ""
        target = (f"≥ {TARGETS[endpoint]}×" if endpoint in TARGETS
                  else "≥ 20/s" if endpoint.startswith("password login") else "")
        lines.append(f"| {endpoint} | " + " | ".join(cells) + f" | {ratio} | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one short run of each (CI): proves it works")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help='only the endpoints whose name holds TEXT, e.g. "password login"')
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.runs = 1, 1
    count = 60 if args.smoke else 2000
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: run `make deps` (Debian package wrk)")
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs two CPUs: one for the server, one for wrk")
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="servicekonto-bench-") as tmp:
        workdir = Path(tmp)
        references = {}
        # The reference servers only where they have something to compare (the hello
        # world for the ratios); oidc-provider has no password login to measure.
        wanted = [cls for cls in (Hello, OidcProvider) if cls is Hello or any(args.only in name for name in TARGETS)]
        for cls in wanted:
            with ExitStack() as stack:
                target = cls(stack)
                references[target.name] = measure(target, args.seconds, args.runs, count, workdir, args.only)
        hello = references[Hello.name]["rps"]["hello"]
        print(f"requests/s, medians of {args.runs} run(s) of {args.seconds:g} s; server on CPU {SERVER_CPU}, "
              f"wrk (1 thread, {CONNECTIONS} connections) on CPU {LOAD_CPU}\n")
        for database in databases:
            with ExitStack() as stack:
                target = Servicekonto(stack, database, workdir / database)
                mine = measure(target, args.seconds, args.runs, count, workdir, args.only)
            results = {target.name: mine, **references}
            print(f"## {target.name}\n")
            print(table(results, hello))
            print("\nper request of the IdP (statements / commits / file opens):")
            for endpoint, cost in mine["costs"].items():
                print(f"  {endpoint:50} {cost['statements']:6.2f} / {cost['commits']:5.2f} / {cost['file_opens']:5.2f}")
            print("resident memory of the IdP after each run: "
                  + ", ".join(f"{kib / 1024:.0f} MiB" for kib in mine["rss"]) + "\n")


if __name__ == "__main__":
    main()
