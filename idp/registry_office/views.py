"""Pages for clerks of a registration office."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..accounts import upgrade
from ..accounts.models import Account, UpgradeRequest
from ..authn import web
from ..extensions import db
from ..i18n import _

bp = Blueprint("registry_office", __name__, url_prefix="/meldebehoerde")


@bp.before_request
@web.login_required
def _require_clerk():
    g.clerk = db.session.get(Account, g.login_session.account_id)
    if not upgrade.is_clerk(g.clerk):
        abort(403)
    if not upgrade.clerk_level_met(g.login_session.loa):
        return web.hoch_required(g.clerk, g.login_session.loa, request.full_path.rstrip("?"),
                                 _("Upgrade-Anträge der Meldebehörde bearbeiten Sie"))


@bp.route("")
def search():
    query = {k: (request.args.get(k) or "").strip() for k in ("vorgang", "nachname", "geburtsdatum")}
    searched = any(query.values())
    found = upgrade.find_open(query["vorgang"], query["nachname"], query["geburtsdatum"]) if searched else []
    return render_template("registry_office/search.html", query=query, searched=searched, found=found,
                           decided=request.args.get("entschieden"))


@bp.route("/vorgang/<case_number>", methods=["GET", "POST"])
def case(case_number):
    item = db.session.get(UpgradeRequest, case_number)
    if item is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        try:
            if request.form.get("decision") == "bestaetigen":
                upgrade.confirm(case_number, g.clerk, request.form.get("document_checked") == "ja")
            else:
                upgrade.refuse(case_number, g.clerk, request.form.get("reason") or "")
        except upgrade.UpgradeError as exc:
            errors[exc.field] = [str(exc)]
        else:
            return redirect(url_for("registry_office.search", entschieden=case_number))
    return render_template("registry_office/case.html", case=item, errors=errors,
                           reason=request.form.get("reason", "")), 400 if errors else 200
