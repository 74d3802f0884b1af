"""Betrieb → Signaturschlüssel: the provider's signing keys with their fingerprints
(the JWK thumbprint, RFC 7638, which is also the `kid`) and a rotation."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from ..extensions import db
from ..i18n import _
from .web import console_blueprint

bp = console_blueprint("betrieb_schluessel", __name__, "/betrieb/signaturschluessel")

STATES = {"current": _("aktiv (signiert)"),
          "previous": _("vorheriger Schlüssel (nur noch zur Prüfung veröffentlicht)")}


def _store():
    return current_app.extensions["servicekonto.keys"]


@bp.route("")
def index():
    notice = _("Die Schlüssel wurden rotiert.") if request.args.get("hinweis") == "rotiert" else None
    return render_template("operations/keys.html", keys=_store().list(), states=STATES, notice=notice)


@bp.route("/rotieren", methods=["POST"])
def rotate():
    _store().rotate()
    # What the key service recorded for the audit log is in this request's transaction.
    db.session.commit()
    return redirect(url_for(".index", hinweis="rotiert"))
