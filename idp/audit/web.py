"""Sets the audit source for each request: the client address (as ProxyFix left it),
user agent and request id. Registered by the app factory."""
from __future__ import annotations

from flask import Flask, g, request

from ..observability.logs import current_request_id
from .record import Source, reset_source, set_source


def init_app(app: Flask) -> None:
    @app.before_request
    def audit_source():
        g.audit_token = set_source(Source(address=request.remote_addr, user_agent=request.user_agent.string or None,
                                          request_id=current_request_id()))

    @app.teardown_request
    def audit_source_done(exc):
        token = g.pop("audit_token", None)
        if token is not None:
            reset_source(token)
