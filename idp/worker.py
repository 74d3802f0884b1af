"""Delivery of the outboxes in the background — mail and back-channel logout
notices — so that a slow or unreachable SMTP server or online service never holds
up a page. A request that queued something wakes the worker; the worker also wakes
on its own to retry what failed."""
from __future__ import annotations

import logging
import threading

from flask import Flask

from .authn import backchannel
from . import database
from .mail.outbox import deliver_due

log = logging.getLogger(__name__)
EXTENSION_KEY = "servicekonto.outbox_worker"


class OutboxWorker:
    def __init__(self, app: Flask, interval: float = 10.0):
        self.app = app
        self.interval = interval
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "OutboxWorker":
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
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
            delivered = 0
            for name, job in (("mail", lambda: deliver_due(settings.smtp_url, settings.mail_from,
                                                           ca_file=settings.smtp_ca_file,
                                                           first_retry_seconds=settings.mail_retry_seconds)),
                              ("back-channel logout", backchannel.deliver_due)):
                try:
                    delivered += job()
                except Exception:  # a worker that dies silently would lose nothing but deliver nothing
                    log.exception("%s delivery round failed", name)
                finally:
                    database.end_session()  # the rollback, also on a connection the server dropped
            return delivered

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()


def start_worker(app: Flask, interval: float = 10.0) -> OutboxWorker:
    """Start the worker for `app` (without an SMTP server, mails stay in the outbox
    and only logout notices go out)."""
    worker = OutboxWorker(app, interval).start()
    app.extensions[EXTENSION_KEY] = worker
    return worker


def notify(app: Flask) -> None:
    worker = app.extensions.get(EXTENSION_KEY)
    if worker is not None:
        worker.notify()
