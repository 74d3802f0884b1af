"""The administrators' area "Administration": its dashboard, "Unternehmensdaten",
"Benutzer" and "Unternehmen löschen"; and the page where an invited user sets a
password."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import language
from ..accounts import email_change
from ..accounts.links import LinkProblem, absolute_link
from ..authn import web
from ..authn.identity import Identity
from ..i18n import _
from ..loa import Level
from . import company as company_service
from . import policy
from . import users as user_service
from .web import admin_required

bp = Blueprint("administration", __name__, url_prefix="/administration")

NOTICES = {
    "aktiviert": _("Ihr Servicekonto Business ist aktiviert. Willkommen!"),
    "gespeichert": _("Die Unternehmensdaten wurden gespeichert."),
    "angelegt": _("Der Benutzer wurde angelegt. Er erhält einen Aktivierungslink per E-Mail."),
    "bearbeitet": _("Die Daten des Benutzers wurden gespeichert."),
    "geloescht": _("Der Benutzer wurde gelöscht und per E-Mail benachrichtigt."),
}
ACTIVATION_MESSAGES = {
    LinkProblem.UNKNOWN: _("Dieser Aktivierungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link vollständig "
                           "aus der E-Mail übernommen haben."),
    LinkProblem.USED: _("Dieser Aktivierungslink wurde bereits verwendet oder durch einen neueren Link ersetzt. "
                        "Ist Ihr Servicekonto aktiviert, melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem "
                        "Passwort an."),
    LinkProblem.EXPIRED: _("Dieser Aktivierungslink ist abgelaufen: Er ist 14 Tage gültig. Bitte wenden Sie sich "
                           "an die Administration Ihrer Organisation, damit sie Sie neu anlegt."),
}


def _notice():
    return NOTICES.get(request.args.get("hinweis"))


def _member_or_404(account_id: str):
    member = user_service.member_of(g.organisation, account_id)
    if member is None:
        abort(404)
    return member


@bp.route("")
@admin_required
def index():
    return render_template("organisations/administration.html", organisation=g.organisation,
                           notice=_notice())


@bp.route("/unternehmensdaten", methods=["GET", "POST"])
@admin_required
def company():
    if request.method == "POST":
        result = company_service.update(g.organisation, request.form)
        if not result.errors:
            return redirect(url_for("administration.company", hinweis="gespeichert"))
        data, errors = result.data, result.errors
    else:
        data, errors = company_service.current(g.organisation), {}
    return render_template("organisations/company.html", data=data, errors=errors, labels=policy.ORGANISATION_LABELS,
                           locked=company_service.locked_fields(g.organisation), notice=_notice()), \
        400 if errors else 200


@bp.route("/unternehmensdaten/loeschen", methods=["GET", "POST"])
@admin_required
def delete_company():
    errors = {}
    if request.method == "POST":
        errors = company_service.check_deletion(g.account, request.form, request.remote_addr or "",
                                                devices_seen=web.known_device_tokens())
        if not errors:
            company_service.delete_organisation(g.organisation)
            web.forget_login_session()
            return redirect(url_for("administration.company_deleted"))
    return render_template("organisations/delete_company.html", organisation=g.organisation,
                           errors=errors), 400 if errors else 200


@bp.route("/unternehmen-geloescht")
def company_deleted():
    return render_template("organisations/company_deleted.html")


@bp.route("/benutzer")
@admin_required
def users():
    return render_template("organisations/users.html", members=user_service.members(g.organisation),
                           notice=_notice())


@bp.route("/benutzer/neu", methods=["GET", "POST"])
@admin_required
def new_user():
    data, errors = {}, {}
    if request.method == "POST":
        result = user_service.create(g.organisation, request.form, absolute_link("administration.activate"),
                                     request.remote_addr, locale=language.current())
        if not result.errors:
            return redirect(url_for("administration.users", hinweis="angelegt"))
        data, errors = result.data, result.errors
    return render_template("organisations/user_new.html", data=data, errors=errors,
                           labels=policy.PERSON_LABELS), 400 if errors else 200


@bp.route("/benutzer/<account_id>", methods=["GET", "POST"])
@admin_required
def edit_user(account_id):
    member = _member_or_404(account_id)
    if request.method == "POST":
        result = user_service.update(member, request.form)
        if not result.errors:
            return redirect(url_for("administration.users", hinweis="bearbeitet"))
        data, errors = result.data, result.errors
    else:
        data, errors = user_service.current(member), {}
    return render_template("organisations/user_edit.html", person=member, data=data, errors=errors,
                           labels=policy.PERSON_LABELS,
                           pending_email=email_change.pending_change(member.account)), \
        400 if errors else 200


@bp.route("/benutzer/<account_id>/e-mail", methods=["GET", "POST"])
@admin_required
def change_user_email(account_id):
    member = _member_or_404(account_id)
    data, errors = {}, {}
    if request.method == "POST":
        result = user_service.request_email_change(member, request.form, absolute_link("accounts.confirm_email"),
                                                   absolute_link("administration.activate"), request.remote_addr)
        if not result.errors:
            return render_template("organisations/user_email_sent.html", person=member,
                                   new_email=result.data["email"])
        data, errors = result.data, result.errors
    return render_template("organisations/user_email.html", person=member, data=data, errors=errors), \
        400 if errors else 200


@bp.route("/benutzer/<account_id>/loeschen", methods=["GET", "POST"])
@admin_required
def delete_user(account_id):
    member = _member_or_404(account_id)
    errors = {}
    if request.method == "POST":
        errors = user_service.check_deletion(member, g.account, request.form)
        if not errors:
            user_service.delete(member)
            return redirect(url_for("administration.users", hinweis="geloescht"))
    return render_template("organisations/delete_user.html", person=member, errors=errors), 400 if errors else 200


@bp.route("/zugang/<secret>", methods=["GET", "POST"])
def activate(secret):
    """The link of the activation mail: the invited user chooses a password and is
    logged in. Nothing happens on GET, so mail scanners cannot use the link up."""
    link, problem = user_service.activation_link(secret)
    if problem is not None:
        return render_template("accounts/link_failed.html", title=_("Servicekonto Business aktivieren"),
                               message=ACTIVATION_MESSAGES[problem], retry=None), 400
    errors = {}
    if request.method == "POST":
        result = user_service.activate(link, request.form)
        if not result.errors:
            # Like the citizens' activation: the link proves the mailbox, worth niedrig.
            web.log_in(Identity(method="activation", amr=("otp",), ceiling=Level.NIEDRIG, account_id=result.account.id))
            return redirect(url_for("mein_bereich.home", hinweis="aktiviert"))
        errors = result.errors
    return render_template("organisations/user_activate.html", secret=secret, errors=errors), \
        400 if errors else 200
