"""The Postfach pages (folders, read view, reply, trash, PDF)."""
from __future__ import annotations

from flask import Blueprint, abort

from ..authn.web import login_required

bp = Blueprint("postfach", __name__, url_prefix="/postfach")


@bp.route("/")
@login_required
def index():
    abort(404)  # placeholder: the Eingang
