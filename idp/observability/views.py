"""/healthz (the process answers), /readyz (it can serve: database reachable, signing
keys loaded) and /metrics (Prometheus, for the configured networks only)."""
from __future__ import annotations

import ipaddress
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import text

from ..extensions import db
from ..keys import ALGORITHMS
from ..mail import outbox
from ..timeutil import utcnow
from . import metrics

bp = Blueprint("observability", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    checks = {"database": _database_reachable(), "keys": _keys_loaded()}
    ready = all(checks.values())
    answer = jsonify(status="ok" if ready else "unavailable",
                     checks={name: "ok" if fine else "failed" for name, fine in checks.items()})
    return answer, 200 if ready else 503


@bp.route("/metrics")
def metrics_page():
    settings = current_app.config["SERVICEKONTO"]
    if not _from_networks(request.remote_addr, settings.metrics_networks):
        abort(404)  # as if there were nothing here
    body = metrics.exposition(settings.prometheus_multiproc_dir, lambda: outbox.waiting(utcnow()))
    return current_app.response_class(body, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _from_networks(address: str | None, networks: tuple[str, ...]) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    client = getattr(client, "ipv4_mapped", None) or client  # ::ffff:10.0.0.1 on a dual-stack socket
    return any(client in ipaddress.ip_network(network) for network in networks)


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means "not ready"; the log says which kind
        log.warning("readiness: database not reachable (%s)", type(exc).__name__)
        db.session.rollback()
        return False


def _keys_loaded() -> bool:
    store = current_app.extensions["servicekonto.keys"]
    try:
        for alg in ALGORITHMS:
            store.signing_key(alg)
        return True
    except Exception as exc:
        log.warning("readiness: signing keys not usable (%s)", type(exc).__name__)
        return False
