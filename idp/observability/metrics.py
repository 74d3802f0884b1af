"""Prometheus metrics (`/metrics`): counted in memory where things happen, added up
over all worker processes at a scrape (prometheus-client's multiprocess mode, when
PROMETHEUS_MULTIPROC_DIR is set; gunicorn.conf.py sets it). Only the outbox is read
from the database, and only when /metrics is scraped."""
from __future__ import annotations

import time
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Round trips to the eID-Server and to partner states take from milliseconds to the
# client timeouts (eID 30 s, federation 10 s).
ROUND_TRIP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

LOGINS = Counter("servicekonto_logins_total", "Successful logins", ["method", "level"])
TOKENS = Counter("servicekonto_tokens_issued_total", "Token responses issued at /token", ["grant_type"])
HTTP_ERRORS = Counter("servicekonto_http_errors_total", "Answers with status 400 and above",
                      ["endpoint", "status"])
EID_ROUND_TRIPS = Histogram("servicekonto_eid_server_seconds", "Calls to the eID-Server (TR-03130)",
                            ["operation"], buckets=ROUND_TRIP_BUCKETS)
FEDERATION_ROUND_TRIPS = Histogram("servicekonto_federation_seconds", "Calls to partner states",
                                   ["call"], buckets=ROUND_TRIP_BUCKETS)


@contextmanager
def round_trip(histogram: Histogram, label: str):
    """Time the block into `histogram`, whether it succeeds or fails (a timeout is a
    round trip the operator wants to see)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(label).observe(time.perf_counter() - started)


def count_login(method: str, level: str) -> None:
    LOGINS.labels(method, level).inc()


def count_token(grant_type: str) -> None:
    TOKENS.labels(grant_type).inc()


def count_error(endpoint: str | None, status: int) -> None:
    # The endpoint's name, never the path: paths carry one-time secrets.
    HTTP_ERRORS.labels(endpoint or "(unmatched)", str(status)).inc()


class _ThisProcess:
    """The default registry's metrics, when there is only one process to ask."""

    def collect(self):
        return REGISTRY.collect()


class _Outbox:
    """Mails waiting for delivery and the age of the oldest, read at scrape time."""

    def __init__(self, read):
        self.read = read

    def collect(self):
        waiting, oldest_age = self.read()
        yield GaugeMetricFamily("servicekonto_outbox_waiting", "Mails not yet delivered", value=waiting)
        yield GaugeMetricFamily("servicekonto_outbox_oldest_waiting_seconds",
                                "Age of the oldest mail not yet delivered (0 when none waits)", value=oldest_age)


def exposition(multiprocess_dir, read_outbox) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir:
        MultiProcessCollector(registry, path=str(multiprocess_dir))
    else:
        registry.register(_ThisProcess())
    registry.register(_Outbox(read_outbox))
    return generate_latest(registry)
