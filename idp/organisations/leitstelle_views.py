"""The Fachliche Leitstelle of an online service approves or refuses organisations' subscriptions."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..accounts.models import Account
from ..authn import web
from ..extensions import db
from . import leitstelle
from .subscriptions import SubscriptionError

bp = Blueprint("leitstelle", __name__, url_prefix="/leitstelle")


@bp.before_request
@web.login_required
def _require_member():
    g.account = db.session.get(Account, g.login_session.account_id)
    if not leitstelle.is_member(g.account):
        abort(403)


@bp.route("")
def index():
    return render_template("organisations/leitstelle.html", requests=leitstelle.pending_requests(g.account),
                           decided=request.args.get("entschieden"))


@bp.route("/<client_id>/<organisation_id>", methods=["GET", "POST"])
def decide(client_id, organisation_id):
    found = leitstelle.find_request(g.account, client_id, organisation_id) or abort(404)
    errors = {}
    if request.method == "POST":
        approve = request.form.get("decision") == "freischalten"
        try:
            leitstelle.decide(g.account, found, approve, request.form.get("reason", ""))
        except SubscriptionError as exc:
            errors[exc.field] = [str(exc)]
        else:
            return redirect(url_for("leitstelle.index", entschieden="freigeschaltet" if approve else "abgelehnt"))
    return render_template("organisations/leitstelle_request.html", item=found, errors=errors,
                           reason=request.form.get("reason", "")), 400 if errors else 200
