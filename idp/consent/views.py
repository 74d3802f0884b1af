from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..accounts.models import Account
from ..authn import levels
from ..authn.web import login_required
from ..extensions import db
from ..i18n import _
from ..oidc import authorize
from ..oidc.claims import CLAIM_LABELS, CONTEXT_CLAIMS, describe, release
from ..oidc.models import Client
from ..oidc.server import claims_context
from ..oidc.views import respond
from ..organisations import entitlements
from ..organisations.acting import acting_subject, entitlement_refusal
from ..organisations.entitlements import Refusal

bp = Blueprint("consent", __name__, url_prefix="/anfrage")


def _load(record_id):
    record = authorize.load(record_id)
    if record is None:
        abort(404)
    return record, db.session.get(Client, record.client_id)


@bp.route("/<record_id>/zustimmung", methods=["GET", "POST"])
@login_required
def show(record_id):
    record, client = _load(record_id)
    if request.method == "POST":
        if request.form.get("decision") == "zustimmen":
            return respond(authorize.grant_consent(record, g.login_session))
        return respond(authorize.deny(record))
    # A deputy consents for the colleague they act for (Vertretung).
    account = acting_subject(g.login_session).account
    wanted = authorize.requested_consent(record)
    values = release(account, wanted, g.login_session.loa, claims_context(account, client))
    # Organisation claims mean nothing for a citizen: not listed instead of "keine Angabe".
    items = [(CLAIM_LABELS[name], describe(name, values.get(name)) or None) for name in wanted
             if name in CLAIM_LABELS and not (name in CONTEXT_CLAIMS and name not in values)]
    return render_template("consent/consent.html", client=client, items=items, record=record,
                           level=g.login_session.loa)


@bp.route("/<record_id>/abbrechen", methods=["POST"])
def cancel(record_id):
    """"Abbrechen und zurück zum Online-Dienst" on the login page: no login needed, as
    the service learns no more than `access_denied` and the CSRF token binds the form
    to this browser."""
    record, _client = _load(record_id)
    return respond(authorize.cancel(record))


@bp.route("/<record_id>/vertrauensniveau", methods=["GET", "POST"])
@login_required
def step_up(record_id):
    record, client = _load(record_id)
    if request.method == "POST":
        return respond(authorize.give_up_level(record))
    required = authorize.required_for(record, client)
    if g.login_session.loa >= required:
        return redirect(url_for("oidc.resume", record_id=record.id))
    account = db.session.get(Account, g.login_session.account_id)
    return render_template("consent/step_up.html", client=client, record=record, required=required,
                           current=g.login_session.loa, remedy=levels.remedy(account, required).value)


# Why an organisation user (or a citizen) may not use a service, and whom to ask.
NOT_ENTITLED_TEXTS = {
    Refusal.NOT_FOR_CITIZENS: _("Dieser Online-Dienst steht nur Organisationen offen. Melden Sie sich mit dem "
                                "Servicekonto Business Ihrer Organisation an."),
    Refusal.NOT_FOR_ORGANISATIONS: _("Dieser Online-Dienst ist für Bürgerinnen und Bürger bestimmt. Melden Sie sich "
                                     "mit Ihrem persönlichen Servicekonto an, nicht mit dem Konto Ihrer "
                                     "Organisation."),
    Refusal.NOT_SUBSCRIBED: _("Ihre Organisation hat diesen Online-Dienst nicht abonniert. Eine Administratorin oder "
                              "ein Administrator Ihrer Organisation kann ihn unter „Administration“ → "
                              "„Online-Dienste verwalten“ abonnieren."),
    Refusal.AWAITING_APPROVAL: _("Ihre Organisation hat diesen Online-Dienst abonniert, die Fachliche Leitstelle des "
                                 "Online-Dienstes hat ihn aber noch nicht freigeschaltet. Ihre Administratorinnen und "
                                 "Administratoren erhalten eine E-Mail, sobald das geschehen ist."),
    Refusal.SUBSCRIPTION_REFUSED: _("Die Fachliche Leitstelle des Online-Dienstes hat die Nutzung für Ihre "
                                    "Organisation abgelehnt. Die Begründung finden Ihre Administratorinnen und "
                                    "Administratoren unter „Administration“ → „Online-Dienste verwalten“."),
    Refusal.NOT_GRANTED: _("Sie sind für diesen Online-Dienst nicht berechtigt. Eine Administratorin oder ein "
                           "Administrator Ihrer Organisation kann Ihnen die Berechtigung unter "
                           "„Administration“ → "
                           "„Online-Dienste verwalten“ oder über eine Gruppe erteilen."),
    Refusal.ADMINS_MAY_NOT_USE: _("Administratorinnen und Administratoren Ihrer Organisation dürfen keine "
                                  "Online-Dienste nutzen. Das ändert die Einstellung „Administratoren dürfen "
                                  "Online-Dienste nutzen“ unter „Administration“ → „Unternehmensdaten“."),
    Refusal.DEPUTY_RESTRICTED: _("Ihre Vertretung erlaubt nur den Zugriff auf Postfächer, nicht die Nutzung von "
                                 "Online-Diensten. Beenden Sie die Vertretung, um den Dienst mit Ihrem eigenen Konto "
                                 "zu nutzen."),
}


@bp.route("/<record_id>/kein-zugang", methods=["GET", "POST"])
@login_required
def not_entitled(record_id):
    record, client = _load(record_id)
    if request.method == "POST":
        return respond(authorize.not_entitled(record))
    subject = acting_subject(g.login_session)
    refusal = entitlement_refusal(subject, client) if subject is not None else Refusal.NOT_GRANTED
    if refusal is None:
        return redirect(url_for("oidc.resume", record_id=record.id))
    organisation = entitlements.organisation_of(subject.account.id)
    admins = entitlements.active_administrators(organisation.id) if organisation is not None else []
    return render_template("consent/not_entitled.html", client=client, record=record,
                           reason=NOT_ENTITLED_TEXTS[refusal], admins=admins, refusal=refusal), 403
