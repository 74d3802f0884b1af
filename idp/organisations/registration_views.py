"""Registration of an organisation (SPEC §6): organisation data → first administrator →
online services → overview → consent → activation link (24 h)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..accounts.links import LinkProblem, absolute_link
from ..accounts.views import ADDRESS_BLIND_SECONDS
from ..authn import core, web
from ..authn.identity import Identity
from ..loa import Level
from ..security import uniform_duration
from . import policy, registration

bp = Blueprint("org_registration", __name__, url_prefix="/organisation/registrierung")
# Apart from the citizen's "registration_draft": both registrations may be under way.
DRAFT_KEY = "organisation_registration_draft"
STEP_ENDPOINTS = {"organisation": "org_registration.index", "administrator": "org_registration.administrator",
                  "services": "org_registration.services"}

LINK_MESSAGES = {
    LinkProblem.UNKNOWN: "Dieser Aktivierungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link "
                         "vollständig aus der E-Mail übernommen haben.",
    LinkProblem.USED: "Dieser Aktivierungslink wurde bereits verwendet oder durch einen neueren Link ersetzt. "
                      "Ist Ihr Servicekonto Business aktiviert, melden Sie sich mit Ihrer E-Mail-Adresse und "
                      "Ihrem Passwort an; sonst öffnen Sie den Link aus der neuesten E-Mail.",
    LinkProblem.EXPIRED: "Dieser Aktivierungslink ist abgelaufen: Er ist nur 24 Stunden gültig. Bitte "
                         "registrieren Sie Ihre Organisation erneut.",
}


def _draft():
    return registration.get_draft(session.get(DRAFT_KEY))


def _step_page(step: str, template: str, result=None, **context):
    """A step's form: filled from the draft, or from a refused submission (400)."""
    draft = result.draft if result is not None else _draft()
    errors = result.errors if result is not None else {}
    return render_template(template, data=registration.entries(draft, step), errors=errors,
                           password_kept=bool(draft and draft.password_hash), **context), 400 if errors else 200


def _missing_before(step: str | None):
    """A redirect to the first step not yet passed before `step` (None: the overview)."""
    missing = registration.open_step(_draft(), before=step)
    return redirect(url_for(STEP_ENDPOINTS[missing])) if missing else None


@bp.route("", methods=["GET", "POST"])
def index():
    """Step 1: the organisation."""
    context = {"labels": policy.ORGANISATION_LABELS}
    if request.method == "POST":
        result = registration.save_organisation(_draft(), request.form)
        session[DRAFT_KEY] = result.draft.id
        if not result.errors:
            return redirect(url_for("org_registration.administrator"))
        return _step_page("organisation", "organisations/register_organisation.html", result, **context)
    return _step_page("organisation", "organisations/register_organisation.html", **context)


@bp.route("/administrator", methods=["GET", "POST"])
def administrator():
    """Step 2: the first administrator's data and access."""
    if missing := _missing_before("administrator"):
        return missing
    context = {"labels": policy.PERSON_LABELS}
    if request.method == "POST":
        result = registration.save_administrator(_draft(), request.form)
        if request.form.get("action") == "zurueck":
            return redirect(url_for("org_registration.index"))
        if not result.errors:
            return redirect(url_for("org_registration.services"))
        return _step_page("administrator", "organisations/register_administrator.html", result, **context)
    return _step_page("administrator", "organisations/register_administrator.html", **context)


@bp.route("/online-dienste", methods=["GET", "POST"])
def services():
    """Step 3: online services to subscribe (optional)."""
    if missing := _missing_before("services"):
        return missing
    context = {"services": registration.offered_services(), "approval_labels": registration.APPROVAL_LABELS}
    if request.method == "POST":
        result = registration.save_services(_draft(), request.form.getlist("services"))
        if request.form.get("action") == "zurueck":
            return redirect(url_for("org_registration.administrator"))
        if not result.errors:
            return redirect(url_for("org_registration.overview"))
        return _step_page("services", "organisations/register_services.html", result, **context)
    return _step_page("services", "organisations/register_services.html", **context)


@bp.route("/uebersicht", methods=["GET", "POST"])
def overview():
    """All entries (never the password), consent and "Servicekonto Business anlegen"."""
    if missing := _missing_before(None):
        return missing
    draft = _draft()
    errors = {}
    if request.method == "POST":
        if request.form.get("action") == "zurueck":
            return redirect(url_for("org_registration.services"))
        if request.form.get("consent") != "ja":
            errors["consent"] = ["Bitte stimmen Sie der Datenverarbeitung zu, um das Servicekonto Business "
                                 "anzulegen."]
        else:
            # As long whether or not the address is taken (SPEC §3: nothing reveals it).
            with uniform_duration(ADDRESS_BLIND_SECONDS):
                registration.complete(draft, absolute_link("org_registration.activate"))
            session.pop(DRAFT_KEY, None)
            return redirect(url_for("org_registration.sent"))
    return render_template("organisations/register_overview.html",
                           organisation=registration.entries(draft, "organisation"),
                           administrator=registration.entries(draft, "administrator"),
                           services=registration.chosen_services(draft),
                           organisation_labels=policy.ORGANISATION_LABELS, person_labels=policy.PERSON_LABELS,
                           approval_labels=registration.APPROVAL_LABELS, errors=errors), 400 if errors else 200


@bp.route("/gesendet")
def sent():
    return render_template("organisations/register_sent.html")


@bp.route("/aktivieren/<secret>", methods=["GET", "POST"])
def activate(secret):
    # A click confirms: mail scanners that prefetch links must not use them up.
    if request.method == "GET":
        return render_template("organisations/register_activate.html", secret=secret)
    account, problem = registration.activate(secret)
    if problem is not None:
        return render_template("organisations/register_activation_failed.html", message=LINK_MESSAGES[problem]), 400
    # As for citizens: the link proves the mailbox, worth no more than niedrig.
    _, cookie_secret = core.log_in(Identity(method="activation", amr=("otp",), ceiling=Level.NIEDRIG,
                                            account_id=account.id))
    web.start_login_session(cookie_secret)
    return redirect(url_for("administration.index", hinweis="aktiviert"))
