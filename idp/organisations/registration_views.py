"""Registration of an organisation (SPEC §6): organisation data → first administrator → online services → overview → consent → activation link (24 h)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("org_registration", __name__, url_prefix="/organisation/registrierung")


@bp.route("")
def index():
    # Placeholder until this area is built.
    return render_template("errors/404.html"), 404
