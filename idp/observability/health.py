"""/healthz (the process answers) and /readyz (it can serve: database reachable,
signing keys loaded), for the load balancer and the orchestrator."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db
from ..keys import ALGORITHMS

bp = Blueprint("health", __name__)
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


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means "not ready", and the log says which
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
