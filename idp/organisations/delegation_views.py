"""Delegation (Vertretung): naming a deputy and "Vertretung wahrnehmen"."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("vertretung", __name__, url_prefix="/vertretung")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
