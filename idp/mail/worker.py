"""Delivery of the outbox in the background, so that a slow or unreachable SMTP
server never holds up a page. A request that queued mail wakes the worker; the
worker also wakes on its own to retry what failed."""
from __future__ import annotations

import logging
import threading

from flask import Flask

from ..extensions import db
from .outbox import deliver_due

log = logging.getLogger(__name__)
EXTENSION_KEY = "servicekonto.mail_worker"


class MailWorker:
    def __init__(self, app: Flask, interval: float = 10.0):
        self.app = app
        self.interval = interval
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "MailWorker":
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="mail-worker", daemon=True)
        self._thread.start()
        return self

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_once(self) -> int:
        settings = self.app.config["SERVICEKONTO"]
        with self.app.app_context():
            try:
                return deliver_due(settings.smtp_url, settings.mail_from)
            except Exception:  # a worker that dies silently would lose nothing but deliver nothing
                log.exception("mail delivery round failed")
                db.session.rollback()
                return 0
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()


def start_worker(app: Flask, interval: float = 10.0) -> MailWorker | None:
    """Start the worker for `app` unless there is no SMTP server to deliver to."""
    if not app.config["SERVICEKONTO"].smtp_url:
        return None
    worker = MailWorker(app, interval).start()
    app.extensions[EXTENSION_KEY] = worker
    return worker


def notify(app: Flask) -> None:
    worker = app.extensions.get(EXTENSION_KEY)
    if worker is not None:
        worker.notify()
