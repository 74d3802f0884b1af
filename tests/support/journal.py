"""What the clients of a load test saw: every request with the kind of its answer, so
that the test can tell a clean error from a defect afterwards.

Kinds of answers (README "Production", "What to expect when something fails"):

- OK: 2xx or 3xx.
- REFUSED: a standard refusal, OAuth error JSON at a protocol endpoint (`invalid_grant`
  for a code or refresh token that an earlier, failed request may have used up), an
  HTML page with 400 for a page.
- UNAVAILABLE: 503 with Retry-After from the IdP while the database is out of reach,
  as OAuth JSON `temporarily_unavailable` at protocol endpoints, as the German page
  "Vorübergehend nicht erreichbar" elsewhere.
- GATEWAY: 502 from the reverse proxy itself: the worker died during the request.
- UNCLEAN: anything else. A 500, a page with a traceback, a 504 (the IdP hung for
  longer than the proxy waits), a connection error or a client timeout.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import requests

OK, REFUSED, UNAVAILABLE, GATEWAY, UNCLEAN = "ok", "refused", "unavailable", "gateway", "unclean"
UNAVAILABLE_PAGE = "Vorübergehend nicht erreichbar"


def classify(response: requests.Response, protocol: bool) -> str:
    status, body = response.status_code, response.text
    if status < 400:
        return OK
    if "Traceback" in body:
        return UNCLEAN
    if status == 502 and body == "502 Bad Gateway\n":
        return GATEWAY
    if status == 503 and response.headers.get("Retry-After"):
        if protocol:
            return UNAVAILABLE if _oauth_error(response) == "temporarily_unavailable" else UNCLEAN
        return UNAVAILABLE if UNAVAILABLE_PAGE in body else UNCLEAN
    if status in (400, 401):
        if protocol:
            return REFUSED if _oauth_error(response) else UNCLEAN
        return REFUSED if response.headers.get("Content-Type", "").startswith("text/html") else UNCLEAN
    return UNCLEAN


def _gist(response: requests.Response) -> str:
    """Enough of an unexpected answer to tell what it was."""
    title = re.search(r"<title>(.*?)</title>", response.text, re.S)
    return title.group(1).strip() if title else response.text[:200]


def _oauth_error(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


@dataclass
class Entry:
    what: str
    kind: str
    status: int | None
    started: float
    ended: float
    detail: str = ""


@dataclass
class Journal:
    entries: list[Entry] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, what: str, session: requests.Session, method: str, url: str, protocol: bool,
             **kwargs) -> tuple[requests.Response | None, str]:
        """One request; returns the answer (None on a transport error) and its kind."""
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", (5, 40))  # beyond the proxy's 30 s: a hang shows as its 504
        started = time.monotonic()
        try:
            response = session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self._add(Entry(what, UNCLEAN, None, started, time.monotonic(), type(exc).__name__))
            return None, UNCLEAN
        kind = classify(response, protocol)
        detail = _gist(response) if kind == UNCLEAN else ""
        self._add(Entry(what, kind, response.status_code, started, time.monotonic(), detail))
        return response, kind

    def crashed(self, description: str) -> None:
        with self.lock:
            self.crashes.append(description)

    def _add(self, entry: Entry) -> None:
        with self.lock:
            self.entries.append(entry)

    def of_kind(self, kind: str) -> list[Entry]:
        with self.lock:
            return [e for e in self.entries if e.kind == kind]

    def successes(self, what: str) -> int:
        with self.lock:
            return sum(1 for e in self.entries if e.what == what and e.kind == OK)
