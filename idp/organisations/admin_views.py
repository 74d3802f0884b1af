"""The administrators' area "Administration": its dashboard, "Unternehmensdaten",
"Benutzer" and "Unternehmen löschen"."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request

from .web import admin_required

bp = Blueprint("administration", __name__, url_prefix="/administration")

NOTICES = {
    "aktiviert": "Ihr Servicekonto Business ist aktiviert. Willkommen!",
}


@bp.route("")
@admin_required
def index():
    return render_template("organisations/administration.html", organisation=g.organisation,
                           notice=NOTICES.get(request.args.get("hinweis")))


@bp.route("/unternehmensdaten")
@admin_required
def company():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404


@bp.route("/benutzer")
@admin_required
def users():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
