"""Per request: an id (echoed as X-Request-ID and in every log line), one JSON log
line, and the error counter. Nothing here touches the database."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from . import logs, metrics

request_log = logging.getLogger("idp.request")


def _route() -> str:
    # The route's pattern, not the path: paths carry one-time secrets.
    return request.url_rule.rule if request.url_rule is not None else "(unmatched)"


def log_request(method: str, route: str, status: int, started: float | None, request_id: str) -> None:
    """The request line: `route` is the rule, never a path with its secrets."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    request_log.info("%s %s %s", method, route, status,
                     extra={"method": method, "route": route, "status": status, "duration_ms": duration,
                            "request_id": request_id})


def init_app(app: Flask) -> None:
    # Only a proxy we trust may name the request (it logs the same id).
    trusted = app.config["SERVICEKONTO"].trusted_proxies > 0

    @app.before_request
    def identify():
        g.request_id = logs.new_request_id(request.headers.get(logs.REQUEST_ID_HEADER), trusted)
        g.request_started = time.perf_counter()

    @app.after_request
    def record(response):
        request_id = getattr(g, "request_id", None) or logs.new_request_id(None, False)
        response.headers[logs.REQUEST_ID_HEADER] = request_id
        if response.status_code >= 400:
            metrics.count_error(request.endpoint, response.status_code)
        log_request(request.method, _route(), response.status_code, getattr(g, "request_started", None),
                    request_id)
        return response

    def log_exception(exc_info):
        # Flask's own names the request's path.
        app.logger.error("unhandled exception in %s %s", request.method, _route(), exc_info=exc_info)

    app.log_exception = log_exception
