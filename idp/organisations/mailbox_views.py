""""Funktionspostfächer": shared mailboxes with entitled groups and persons."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("admin_mailboxes", __name__, url_prefix="/administration/funktionspostfaecher")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
