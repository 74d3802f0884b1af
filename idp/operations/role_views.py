"""Betrieb → Rollen: clerks of a Meldebehörde and the Fachliche Leitstelle of each
online service, with the services of `servicekonto accounts role` and
`servicekonto clients leitstelle`."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from .. import clients
from ..accounts import staff
from ..accounts.upgrade import ROLE as MELDEBEHOERDE
from ..extensions import db
from ..i18n import _
from ..oidc.models import Client
from ..organisations import leitstelle
from .web import console_blueprint

bp = console_blueprint("betrieb_rollen", __name__, "/betrieb/rollen")

NO_ACCOUNT = _("Zu dieser E-Mail-Adresse gibt es kein aktives Servicekonto.")
NO_EMAIL = _("Bitte geben Sie die E-Mail-Adresse eines Servicekontos an.")
NO_SERVICE = _("Bitte wählen Sie einen Online-Dienst aus.")
NOTICES = {"meldebehoerde": _("Die Rolle Meldebehörde wurde vergeben."),
           "meldebehoerde-entzogen": _("Die Rolle Meldebehörde wurde entzogen."),
           "leitstelle": _("Das Konto gehört jetzt zur Fachlichen Leitstelle."),
           "leitstelle-entzogen": _("Das Konto gehört nicht mehr zur Fachlichen Leitstelle.")}


def _page(errors=None, entered=None):
    errors = errors or {}
    return render_template("operations/roles.html", clerks=staff.holders(MELDEBEHOERDE),
                           members=leitstelle.all_members(), services=clients.list_clients(),
                           errors=errors, entered=entered or {},
                           notice=NOTICES.get(request.args.get("hinweis", ""))), 400 if errors else 200


@bp.route("")
def index():
    return _page()


@bp.route("/meldebehoerde", methods=["POST"])
def grant_clerk():
    email = (request.form.get("clerk_email") or "").strip()
    if not email:
        return _page({"clerk_email": [NO_EMAIL]})
    try:
        staff.set_role(email, MELDEBEHOERDE)
    except staff.StaffError:
        return _page({"clerk_email": [NO_ACCOUNT]}, {"clerk_email": email})
    return redirect(url_for(".index", hinweis="meldebehoerde"))


@bp.route("/meldebehoerde/entziehen", methods=["POST"])
def revoke_clerk():
    try:
        staff.set_role(request.form.get("email") or "", None)
    except staff.StaffError:
        abort(404)
    return redirect(url_for(".index", hinweis="meldebehoerde-entzogen"))


@bp.route("/leitstelle", methods=["POST"])
def grant_leitstelle():
    entered = {"member_email": (request.form.get("member_email") or "").strip(),
               "client_id": request.form.get("client_id") or ""}
    errors = {}
    if db.session.get(Client, entered["client_id"]) is None:
        errors["client_id"] = [NO_SERVICE]
    if not entered["member_email"]:
        errors["member_email"] = [NO_EMAIL]
    if not errors:
        try:
            leitstelle.grant(entered["client_id"], entered["member_email"])
        except leitstelle.LeitstelleError:
            errors["member_email"] = [NO_ACCOUNT]
    if errors:
        return _page(errors, entered)
    return redirect(url_for(".index", hinweis="leitstelle"))


@bp.route("/leitstelle/entziehen", methods=["POST"])
def revoke_leitstelle():
    try:
        if not leitstelle.revoke(request.form.get("client_id") or "", request.form.get("email") or ""):
            abort(404)
    except leitstelle.LeitstelleError:
        abort(404)
    return redirect(url_for(".index", hinweis="leitstelle-entzogen"))
