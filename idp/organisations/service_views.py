""""Online-Dienste verwalten": subscriptions and grants to users ("Berechtigt", "Zusätzliche Rollen")."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..i18n import _
from . import grants, subscriptions
from .web import admin_required

bp = Blueprint("admin_services", __name__, url_prefix="/administration/online-dienste")

NOTICES = {
    "abonniert": _("Der Online-Dienst ist abonniert."),
    "beantragt": _("Der Online-Dienst ist abonniert und wartet auf die Freischaltung durch die Fachliche "
                   "Leitstelle. Sie erhalten eine E-Mail, sobald sie entschieden hat."),
    "beendet": _("Das Abonnement ist beendet."),
    "gespeichert": _("Die Berechtigungen wurden gespeichert."),
}


def _page(status=200, errors=None, chosen_client="", account=None, rows=None):
    organisation = g.organisation
    selected = account
    if selected is None and request.args.get("benutzer"):
        selected = grants.user(organisation, request.args["benutzer"]) or abort(404)
    if selected is not None and rows is None:
        rows = grants.rows_for(organisation, selected)
    return render_template(
        "organisations/services.html", organisation=organisation,
        subscriptions=subscriptions.of_organisation(organisation), labels=subscriptions.STATUS_LABELS,
        subscribable=subscriptions.subscribable(organisation), chosen_client=chosen_client,
        users=grants.users(organisation), selected=selected, rows=rows or [], role_field=grants.role_field,
        errors=errors or {}, notice=NOTICES.get(request.args.get("hinweis", ""))), status


@bp.route("")
@admin_required
def index():
    return _page()


@bp.route("/abonnieren", methods=["POST"])
@admin_required
def subscribe():
    client_id = request.form.get("client_id", "")
    try:
        sub = subscriptions.add(g.organisation, client_id)
    except subscriptions.SubscriptionError as exc:
        return _page(400, {exc.field: [str(exc)]}, chosen_client=client_id)
    notice = "abonniert" if sub.status == "active" else "beantragt"
    return redirect(url_for("admin_services.index", hinweis=notice))


@bp.route("/<client_id>/beenden", methods=["GET", "POST"])
@admin_required
def unsubscribe(client_id):
    found = subscriptions.find(g.organisation, client_id) or abort(404)
    if request.method == "POST":
        subscriptions.unsubscribe(g.organisation, client_id)
        return redirect(url_for("admin_services.index", hinweis="beendet"))
    return render_template("organisations/service_unsubscribe.html", client=found[1])


@bp.route("/benutzer/<account_id>", methods=["POST"])
@admin_required
def save_grants(account_id):
    account = grants.user(g.organisation, account_id) or abort(404)
    granted = set(request.form.getlist("berechtigt"))
    prefix = grants.role_field("")
    roles = {name[len(prefix):]: request.form.getlist(name) for name in request.form if name.startswith(prefix)}
    result = grants.save(g.organisation, account, granted, roles)
    if result.errors:
        return _page(400, result.errors, account=account, rows=result.rows)
    return redirect(url_for("admin_services.index", benutzer=account.id, hinweis="gespeichert") + "#berechtigungen")
