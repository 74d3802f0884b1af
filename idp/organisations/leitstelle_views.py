"""The Fachliche Leitstelle of an online service approves or refuses organisations' subscriptions."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("leitstelle", __name__, url_prefix="/leitstelle")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
