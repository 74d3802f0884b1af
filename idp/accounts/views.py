"""Registration pages and the start of "Mein Bereich"."""
from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from ..authn import core, web
from ..authn.identity import Identity
from ..extensions import db
from ..loa import Level
from . import registration
from .links import LinkProblem
from .models import Account

bp = Blueprint("accounts", __name__)
DRAFT_KEY = "registration_draft"

LINK_MESSAGES = {
    LinkProblem.UNKNOWN: "Dieser Aktivierungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link "
                         "vollständig aus der E-Mail übernommen haben.",
    # Also what an older link says after re-registering sent a newer one (links.issue_link).
    LinkProblem.USED: "Dieser Aktivierungslink wurde bereits verwendet oder durch einen neueren Link "
                      "ersetzt. Ist Ihr Servicekonto aktiviert, melden Sie sich mit Ihrer E-Mail-Adresse "
                      "und Ihrem Passwort an; sonst öffnen Sie den Link aus der neuesten E-Mail.",
    LinkProblem.EXPIRED: "Dieser Aktivierungslink ist abgelaufen. Bitte registrieren Sie sich erneut.",
}


def _absolute_link(endpoint: str):
    """Links in mails are built from the configured issuer, never from the Host
    header of the request that triggered them."""
    issuer = current_app.config["SERVICEKONTO"].issuer
    return lambda secret: issuer + url_for(endpoint, secret=secret)


def _draft():
    return registration.get_draft(session.get(DRAFT_KEY))


@bp.route("/")
def start():
    return render_template("start.html")


@bp.route("/registrierung", methods=["GET", "POST"])
def register():
    draft = _draft()
    if request.method == "POST":
        result = registration.save_draft(draft, request.form)
        session[DRAFT_KEY] = result.draft.id
        if not result.errors:
            return redirect(url_for("accounts.overview"))
        return render_template("accounts/register.html", data=result.draft.data, errors=result.errors,
                               password_kept=bool(result.draft.password_hash),
                               salutations=registration.SALUTATIONS), 400
    return render_template("accounts/register.html", data=draft.data if draft else {}, errors={},
                           password_kept=bool(draft and draft.password_hash),
                           salutations=registration.SALUTATIONS)


@bp.route("/registrierung/uebersicht", methods=["GET", "POST"])
def overview():
    draft = _draft()
    if draft is None or not draft.password_hash:
        return redirect(url_for("accounts.register"))
    errors = {}
    if request.method == "POST":
        if request.form.get("action") == "zurueck":
            return redirect(url_for("accounts.register"))
        if request.form.get("consent") != "ja":
            errors["consent"] = ["Bitte stimmen Sie der Datenverarbeitung zu, um das Servicekonto anzulegen."]
        else:
            registration.complete(draft, _absolute_link("accounts.activate"))
            session.pop(DRAFT_KEY, None)
            return redirect(url_for("accounts.registered"))
    return render_template("accounts/overview.html", data=draft.data, errors=errors), 400 if errors else 200


@bp.route("/registrierung/gesendet")
def registered():
    return render_template("accounts/registered.html")


@bp.route("/registrierung/aktivieren/<secret>", methods=["GET", "POST"])
def activate(secret):
    # A click confirms: mail scanners that prefetch links must not use them up.
    if request.method == "GET":
        return render_template("accounts/activate.html", secret=secret)
    account, problem = registration.activate(secret)
    if problem is not None:
        return render_template("accounts/activation_failed.html", message=LINK_MESSAGES[problem]), 400
    # Opening the link proves the mailbox and logs the user in (SPEC §3); a one-time
    # secret by mail is worth no more than niedrig.
    _, cookie_secret = core.log_in(Identity(method="activation", amr=("otp",), ceiling=Level.NIEDRIG,
                                            account_id=account.id))
    web.start_login_session(cookie_secret)
    return redirect(url_for("accounts.home", aktiviert=1))


@bp.route("/mein-bereich")
@web.login_required
def home():
    account = db.session.get(Account, g.login_session.account_id)
    return render_template("accounts/home.html", account=account, level=g.login_session.loa,
                           just_activated=request.args.get("aktiviert") == "1")
