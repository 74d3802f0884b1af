"""Another state's Servicekonto as an OpenID Provider for tests: panva's
oidc-provider (tests/peers/oidc_provider_op.mjs) in a Node subprocess on 127.0.0.1.

Independent of pytest, so browser flows can use it as well:

    with OidcProviderPeer() as op:
        issuer = op.start({"clients": [...], "accounts": {...}, "acr_values": [...]})
        callback = sign_in_over_http(authorization_url, redirect_uri, "erika")

The config format is described at the top of oidc_provider_op.mjs. The Node process
ends when `stop` closes its stdin, when this process dies (same pipe) and, whatever
happens, after `max_seconds`.
"""
from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider_op.mjs")
HTTP_TIMEOUT = 10

EIDAS_LOW = "http://eidas.europa.eu/LoA/low"
EIDAS_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
EIDAS_HIGH = "http://eidas.europa.eu/LoA/high"


class OidcProviderPeer:
    def __init__(self, *, max_seconds: float = 300):
        self.max_seconds = max_seconds
        self.proc: subprocess.Popen | None = None
        self.issuer: str | None = None
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._readers: list[threading.Thread] = []

    def start(self, config: dict, *, timeout: float = 20) -> str:
        """Start the provider with `config`; returns its issuer URL once it listens."""
        if self.proc is not None:
            raise RuntimeError("this peer is already started")
        node = shutil.which("node")
        if not node:
            raise RuntimeError("node is not on PATH")
        if not (REPO / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("oidc-provider is missing: run `npm ci` (make deps) first")
        self.proc = subprocess.Popen(
            [node, str(SCRIPT), "--max-seconds", str(self.max_seconds)],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1)
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            self.proc.stdin.write(json.dumps(config) + "\n")
            self.proc.stdin.flush()
            while True:
                try:
                    line = self._lines.get(timeout=timeout)
                except queue.Empty:
                    raise RuntimeError(f"oidc-provider did not start within {timeout}s; "
                                       f"stderr: {self.stderr_text()}") from None
                if line is None:
                    raise RuntimeError(f"oidc-provider exited ({self.proc.wait(timeout=5)}) on start; "
                                       f"stderr: {self.stderr_text()}")
                message = json.loads(line)
                if message.get("ready"):
                    self.issuer = message["issuer"]
                    return self.issuer
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line)
        sink(None)

    def stderr_text(self) -> str:
        return "".join(line for line in self.stderr if line)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin and not proc.stdin.closed:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
            for reader in self._readers:
                reader.join(timeout=5)
            proc.stdout.close()
            proc.stderr.close()

    def __enter__(self) -> "OidcProviderPeer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def provider_fixture(config: dict, *, scope: str = "module"):
    """A pytest fixture (imported lazily, so this module stays usable without
    pytest) that yields a started peer for `config`."""
    import pytest

    @pytest.fixture(scope=scope)
    def _fixture():
        with OidcProviderPeer() as peer:
            peer.start(config)
            yield peer

    return _fixture


# -- the browser ---------------------------------------------------------------------------------
_FORM = re.compile(r'<form method="post" action="([^"]+)">(.*?)</form>', re.S)


def page_text(html: str) -> str:
    """What a person reads on a page (for failure messages)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _form_action(html: str, button: str) -> str:
    for action, body in _FORM.findall(html):
        if f">{button}</button>" in body:
            return unescape(action)
    raise AssertionError(f"no form with a {button!r} button on: {page_text(html)[:800]}")


def sign_in_over_http(authorization_url: str, redirect_uri: str, username: str, *, consent: bool = True,
                      cancel: bool = False, session: requests.Session | None = None,
                      max_steps: int = 20) -> str:
    """Play the browser at the provider over plain HTTP: follow `authorization_url`,
    log in as `username` (or press "Abbrechen" with `cancel`), give or refuse
    consent, and return the URL (with its query) the provider sends the browser to
    at `redirect_uri`, which is never contacted."""
    http = session or requests.Session()
    url = authorization_url
    visited = []
    for _ in range(max_steps):
        if url.split("?")[0] == redirect_uri:
            return url
        visited.append(url)
        response = http.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if response.status_code == 200 and 'name="username"' in response.text:
            if cancel:
                action = _form_action(response.text, "Abbrechen")
                response = http.post(urljoin(url, action), allow_redirects=False, timeout=HTTP_TIMEOUT)
            else:
                action = _form_action(response.text, "Anmelden")
                response = http.post(urljoin(url, action), data={"username": username},
                                     allow_redirects=False, timeout=HTTP_TIMEOUT)
                if response.status_code == 200 and 'role="alert"' in response.text:
                    raise AssertionError(f"login as {username!r} refused: {page_text(response.text)[:800]}")
        elif response.status_code == 200 and ">Zustimmen</button>" in response.text:
            action = _form_action(response.text, "Zustimmen" if consent else "Ablehnen")
            response = http.post(urljoin(url, action), allow_redirects=False, timeout=HTTP_TIMEOUT)
        if not response.is_redirect:
            raise AssertionError(f"unexpected {response.status_code} at {url}: "
                                 f"{page_text(response.text)[:800]}; path: {visited}")
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"too many steps: {visited}")
