"""The IdP as production runs it: gunicorn with several worker processes (gunicorn.conf.py
in the repository root), on the test database."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from idp.observability.logs import JsonFormatter, RequestIdFilter
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Settings the test session's environment may hold that this server must not inherit.
FOREIGN_SETTINGS = ("DATABASE_URL", "SMTP_URL", "SECRET_KEY", "SERVICEKONTO_SIMULATORS", "SMTP_CA_FILE",
                    "SERVICEKONTO_TRUSTED_PROXIES", "SERVICEKONTO_METRICS_NETWORKS", "PROMETHEUS_MULTIPROC_DIR")


class ProductionServer:
    """gunicorn in a child process. Its access log (test only: production logs as JSON
    from the app) names the worker process that served each request, found by a probe
    header, so a test can tell which worker answered."""

    def __init__(self, app, tmp_path: Path, workers: int = 2, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = tmp_path / "access.log"
        self.server_log = tmp_path / "server.log"
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
        self.env.update(PYTHONPATH=str(REPO), DATABASE_URL=app.config["SERVICEKONTO"].database_url,
                        SERVICEKONTO_ISSUER=self.url, SERVICEKONTO_KEYS_DIR=str(tmp_path / "keys"),
                        SERVICEKONTO_INSTANCE_DIR=str(tmp_path / "instance"),
                        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
                        # The server's own temporary files, where a test can look at them.
                        TMPDIR=str(tmp_path / "tmp"))
        (tmp_path / "tmp").mkdir(exist_ok=True)
        self.env.update(env)  # e.g. the issuer of a proxy in front
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> "ProductionServer":
        command = [str(BIN / "gunicorn"), "-c", str(REPO / "gunicorn.conf.py"), "--workers", str(self.workers),
                   "--threads", "2", "--bind", f"127.0.0.1:{self.port}", "--access-logfile", str(self.access_log),
                   "--access-logformat", "%({x-probe}i)s %(p)s %(s)s", "idp:create_app()"]
        with open(self.server_log, "wb") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.server_log.read_text()
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + self.server_log.read_text())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def request(self, session: requests.Session, method: str, path: str, **kwargs) -> tuple[requests.Response, str]:
        """One request on a new connection (so any worker may take it); the answer and
        the pid of the worker that served it."""
        probe = uuid.uuid4().hex
        headers = {"Connection": "close", "X-Probe": probe, **kwargs.pop("headers", {})}
        kwargs.setdefault("allow_redirects", False)
        response = session.request(method, self.url + path, headers=headers, timeout=30, **kwargs)
        return response, self._pid_of(probe)

    def _pid_of(self, probe: str) -> str:
        # gunicorn writes the access line just after the answer.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for line in self.access_log.read_text().splitlines():
                if line.startswith(probe + " "):
                    return line.split()[1]
            time.sleep(0.02)
        raise AssertionError(f"request {probe} not in the access log")

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """`servicekonto` as the operator runs it beside the server."""
        return subprocess.run([str(BIN / "servicekonto"), *args], env=self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=120)


@pytest.fixture
def production_server(app, tmp_path):
    server = ProductionServer(app, tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def variant_app(app, tmp_path):
    """Another app on the test database with other settings, as another deployment
    would run it; its connections are closed afterwards."""
    import dataclasses

    from idp import create_app
    from idp.extensions import db

    made = []

    def make(**changes):
        changes.setdefault("keys_dir", tmp_path / "variant-keys")
        made.append(create_app(dataclasses.replace(app.config["SERVICEKONTO"], **changes)))
        return made[-1]

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def json_log():
    """The root logger's output as the production handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)
