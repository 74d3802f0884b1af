"""The provider's constant documents, answered at the WSGI edge: OpenID Connect
Discovery 1.0 §4 (`/.well-known/openid-configuration`) and the JWK Set (RFC 7517 §5,
`/jwks`).

Every online service's library fetches them on start and again on every unknown
`kid`; they are the same for every caller. So GET and HEAD of them are answered here,
before Flask: no request context, session, language or database, only the bytes
(the JWKS once per key state, idp/keys.py) with the headers every answer carries
and the request line in the log. Other methods go through Flask as before (405,
OPTIONS).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..observability import hooks, logs
from ..security import security_headers


@dataclass(frozen=True)
class Document:
    body: Callable[[], bytes]
    headers: tuple[tuple[str, str], ...] = ()


class ConstantDocuments:
    """WSGI middleware: answers GET and HEAD of `documents` (path → Document)."""

    def __init__(self, app, documents: dict[str, Document], trusted_proxies: int):
        self.app = app
        self.documents = documents
        self.trusted = trusted_proxies > 0

    def __call__(self, environ, start_response):
        document = self.documents.get(environ.get("PATH_INFO"))
        method = environ.get("REQUEST_METHOD")
        if document is None or method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        request_id = logs.new_request_id(environ.get("HTTP_X_REQUEST_ID"), self.trusted)
        body = document.body()
        start_response("200 OK", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))), *document.headers,
            *security_headers(environ.get("wsgi.url_scheme") == "https", html=False),
            (logs.REQUEST_ID_HEADER, request_id)])
        hooks.log_request(method, environ["PATH_INFO"], 200, started, request_id)
        return [] if method == "HEAD" else [body]
