""""Online-Dienste verwalten": subscriptions and grants to users ("Berechtigt", "Zusätzliche Rollen")."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("admin_services", __name__, url_prefix="/administration/online-dienste")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
