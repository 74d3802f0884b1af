"""The IdP as bench/oidc_speed.py runs it: settings from the environment as in
production, waitress with 4 threads, and counters of SQL statements, commits and
file opens, read at /__bench__/counters (this wrapper only, never the product).

    python bench/serve_idp.py PORT
"""
from __future__ import annotations

import json
import sys
import threading

from sqlalchemy import event
from waitress import serve

from idp import create_app
from idp.extensions import db

COUNTERS = {"requests": 0, "statements": 0, "commits": 0, "file_opens": 0}
_lock = threading.Lock()


def _count(name: str) -> None:
    with _lock:
        COUNTERS[name] += 1


def _audit(event_name, args) -> None:
    # Files opened while serving (templates, keys, configuration) — /proc and
    # sockets are not files on a hot path.
    if event_name == "open" and isinstance(args[0], (str, bytes)) and not str(args[0]).startswith("/proc"):
        _count("file_opens")


class Counting:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/__bench__/counters":
            with _lock:
                body = json.dumps(COUNTERS).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        _count("requests")
        return self.app(environ, start_response)


def main(port: int) -> None:
    app = create_app()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: _count("statements"))
    event.listen(engine, "commit", lambda *a: _count("commits"))
    sys.addaudithook(_audit)
    # X-Forwarded-For is the app's to judge (SERVICEKONTO_TRUSTED_PROXIES), as behind
    # gunicorn in production: waitress would drop it before the app sees it.
    serve(Counting(app), host="127.0.0.1", port=port, threads=4, clear_untrusted_proxy_headers=False, _quiet=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
