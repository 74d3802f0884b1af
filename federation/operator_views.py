"""Betrieb → Föderationspartner: other states' Servicekonten, with the services of
`servicekonto partners` (list, add by metadata or issuer, refresh, enable, disable).
A section of the operator console; its guard and navigation are the console's."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from idp.extensions import db
from idp.i18n import _
from idp.loa import Level
from idp.operations.web import console_blueprint

from . import operator_forms, partners
from .operator_forms import PartnerForm

bp = console_blueprint("betrieb_partner", __name__, "/betrieb/foederationspartner")

NOTICES = {"hinzugefuegt": _("Der Föderationspartner wurde hinzugefügt."),
           "aktualisiert": _("Die Metadaten wurden neu abgerufen."),
           "aktiviert": _("Der Föderationspartner ist aktiviert."),
           "deaktiviert": _("Der Föderationspartner ist deaktiviert.")}


def _partner(partner_id: str):
    partner = partners.get(partner_id)
    if partner is None:
        abort(404)
    return partner


def _page(form: PartnerForm, refresh_error: tuple[str, str] | None = None):
    return render_template("federation/operator_partners.html", partners=partners.all_partners(),
                           usable=partners.usable, level=Level, form=form, errors=form.errors,
                           protocols=operator_forms.PROTOCOLS, levels=operator_forms.LEVELS,
                           refresh_error=refresh_error,
                           notice=NOTICES.get(request.args.get("hinweis", ""))), \
        400 if form.errors or refresh_error else 200


@bp.route("")
def index():
    return _page(PartnerForm())


@bp.route("", methods=["POST"])
def add():
    form = PartnerForm.read(request.form)
    if operator_forms.add(form) is None:
        return _page(form)
    return redirect(url_for(".index", hinweis="hinzugefuegt"))


@bp.route("/<partner_id>/aktualisieren", methods=["POST"])
def refresh(partner_id):
    partner = _partner(partner_id)
    try:
        partners.refresh(partner)
    except partners.PartnerError as exc:
        db.session.rollback()
        return _page(PartnerForm(), (partner.id, str(exc)))
    return redirect(url_for(".index", hinweis="aktualisiert"))


@bp.route("/<partner_id>/aktivieren", methods=["POST"])
def enable(partner_id):
    partners.set_enabled(_partner(partner_id), True)
    return redirect(url_for(".index", hinweis="aktiviert"))


@bp.route("/<partner_id>/deaktivieren", methods=["POST"])
def disable(partner_id):
    partners.set_enabled(_partner(partner_id), False)
    return redirect(url_for(".index", hinweis="deaktiviert"))
