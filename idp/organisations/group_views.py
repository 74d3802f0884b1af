""""Gruppenverwaltung": groups with members and online services with roles."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("admin_groups", __name__, url_prefix="/administration/gruppen")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
