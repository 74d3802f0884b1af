""""Mein Bereich": what a logged-in citizen does with the account (SPEC §3)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..authn import eid, web
from ..authn.eid import Purpose
from ..authn.eid_views import begin
from ..consent import releases
from ..extensions import db
from ..i18n import _
from ..oidc import authorize
from ..oidc.claims import CLAIM_LABELS
from ..organisations import leitstelle
from ..organisations.entitlements import membership
from . import deletion, email_change, password_reset, plus, profile, upgrade, wallet_links
from .links import absolute_link
from .models import Account

bp = Blueprint("mein_bereich", __name__, url_prefix="/mein-bereich")

CLAIM_NAMES = {**CLAIM_LABELS, "sub": _("Pseudonyme Kennung"),
               "verified_claims": _("Bestätigte Daten mit Vertrauensniveau")}


@bp.before_request
@web.login_required
def _require_login():
    g.account = db.session.get(Account, g.login_session.account_id)


@bp.route("")
def home():
    notice = request.args.get("hinweis")
    return render_template("mein_bereich/home.html", account=g.account, level=g.login_session.loa,
                           plus=profile.is_plus(g.account), pending_email=email_change.pending_change(g.account),
                           notice=NOTICES.get(notice), is_clerk=upgrade.is_clerk(g.account),
                           is_leitstelle=leitstelle.is_member(g.account), membership=membership(g.account.id))


NOTICES = {
    "aktiviert": _("Ihr Servicekonto ist aktiviert. Willkommen!"),
    "anfrage-abgelaufen": _("Ihr Servicekonto ist aktiviert. Die Anmeldung beim Online-Dienst ist inzwischen "
                          "abgelaufen: Bitte starten Sie den Online-Dienst erneut."),
    "profil": _("Ihre Daten wurden gespeichert."),
    "passwort": _("Ihr Passwort wurde geändert. Alle anderen Sitzungen wurden beendet."),
    "wallet-deaktiviert": _("Die Anmeldung mit der EUDI-Wallet ist deaktiviert. Ihre Daten bleiben bestätigt."),
    "wallet-synchronisiert": _("Ihre Daten wurden mit Ihrer EUDI-Wallet synchronisiert."),
}


@bp.route("/profil", methods=["GET", "POST"])
def edit_profile():
    account = g.account
    if request.method == "POST":
        result = profile.update(account, request.form)
        if not result.errors:
            return redirect(url_for("mein_bereich.home", hinweis="profil"))
        data, errors, status = result.data, result.errors, 400
    else:
        data, errors, status = profile.current(account), {}, 200
    return render_template("mein_bereich/profile.html", data=data, errors=errors, locked=profile.locked_fields(account),
                           plus=profile.is_plus(account), salutations=profile.SALUTATIONS), status


@bp.route("/e-mail", methods=["GET", "POST"])
def change_email():
    if request.method == "POST":
        result = email_change.request_change(g.account, request.form, absolute_link("accounts.confirm_email"),
                                             source=request.remote_addr)
        if not result.errors:
            return render_template("mein_bereich/email_sent.html", new_email=result.data["email"],
                                   old_email=g.account.email)
        return render_template("mein_bereich/email.html", account=g.account, data=result.data,
                               errors=result.errors), 400
    return render_template("mein_bereich/email.html", account=g.account, data={}, errors={},
                           pending=email_change.pending_change(g.account))


@bp.route("/passwort", methods=["GET", "POST"])
def change_password():
    errors = {}
    if request.method == "POST":
        result = password_reset.change(g.account, request.form, g.login_session.id, request.remote_addr or "",
                                       devices_seen=web.known_device_tokens())
        if result.ok:
            return redirect(url_for("mein_bereich.home", hinweis="passwort"))
        errors = result.errors
    return render_template("mein_bereich/password.html", errors=errors), 400 if errors else 200


@bp.route("/loeschen", methods=["GET", "POST"])
def delete():
    errors = {}
    if request.method == "POST":
        errors = deletion.check_confirmation(g.account, request.form, request.remote_addr or "",
                                             devices_seen=web.known_device_tokens())
        if not errors:
            deletion.delete_account(g.account.id)
            web.forget_login_session()
            return redirect(url_for("accounts.deleted"))
    return render_template("mein_bereich/delete.html", account=g.account, errors=errors,
                           needs_password=bool(g.account.password_hash)), 400 if errors else 200


def _describe_claims(names: list[str]) -> str:
    return ", ".join(str(CLAIM_NAMES.get(name, name)) for name in names)


@bp.route("/datenzugriff")
def data_access():
    return render_template("mein_bereich/data_access.html", consents=releases.consents(g.account.id),
                           history=releases.history(g.account.id), describe=_describe_claims,
                           notice=request.args.get("hinweis"))


@bp.route("/datenzugriff/zustimmung/<client_id>/widerrufen", methods=["POST"])
def revoke_consent(client_id):
    releases.revoke_consent(g.account.id, client_id)
    return redirect(url_for("mein_bereich.data_access", hinweis="widerrufen"))


@bp.route("/datenzugriff/verlauf/loeschen", methods=["POST"])
def delete_history():
    releases.delete_history(g.account.id)
    return redirect(url_for("mein_bereich.data_access", hinweis="verlauf"))


def citizens_only(view):
    """Servicekonto Plus (eID, Meldebehörde) is for citizens: an organisation user's
    identity is vouched for by ELSTER, never by an upgrade of the account."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.account.kind != "citizen":
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/upgrade")
@citizens_only
def start_upgrade():
    return render_template("mein_bereich/upgrade.html", plus=profile.is_plus(g.account),
                           pending=upgrade.open_request(g.account), wallet_linked=wallet_links.has_link(g.account),
                           eid_linked=eid.has_link(g.account), notice=NOTICES.get(request.args.get("hinweis")),
                           waiting=authorize.still_waiting(request.args.get("anfrage")))


@bp.route("/upgrade/meldebehoerde", methods=["GET", "POST"])
@citizens_only
def upgrade_at_office():
    if request.method == "POST":
        if request.form.get("action") == "zurueckziehen":
            upgrade.withdraw(g.account)
            return redirect(url_for("mein_bereich.start_upgrade"))
        result = upgrade.request_upgrade(g.account, request.form)
        if not result.errors:
            return render_template("mein_bereich/upgrade_requested.html", case=result.request)
        return render_template("mein_bereich/upgrade_office.html", data=result.data, errors=result.errors), 400
    data = {name: g.account.value(name) for name in upgrade.UPGRADE_FIELDS}
    return render_template("mein_bereich/upgrade_office.html", data=data, errors={})


@bp.route("/upgrade/wallet/deaktivieren", methods=["POST"])
@citizens_only
def deactivate_wallet():
    wallet_links.deactivate(g.account)
    return redirect(url_for("mein_bereich.start_upgrade", hinweis="wallet-deaktiviert"))


@bp.route("/upgrade/eid", methods=["POST"])
@citizens_only
def upgrade_with_eid():
    if profile.is_plus(g.account) and eid.has_link(g.account):
        return redirect(url_for("mein_bereich.id_card"))
    return begin(Purpose.UPGRADE, account_id=g.account.id,
                 record_id=authorize.still_waiting(request.form.get("anfrage")))


@bp.route("/ausweis", methods=["GET", "POST"])
@citizens_only
def id_card():
    """"Ausweisdaten verwalten"."""
    if request.method == "POST":
        if request.form.get("action") == "deaktivieren":
            plus.deactivate(g.account)
            return redirect(url_for("mein_bereich.id_card", hinweis="deaktiviert"))
        return begin(Purpose.SYNC, account_id=g.account.id)
    return render_template("mein_bereich/id_card.html", account=g.account, linked=eid.has_link(g.account),
                           plus=profile.is_plus(g.account), notice=request.args.get("hinweis"))
