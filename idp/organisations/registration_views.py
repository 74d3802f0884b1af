"""Registration of an organisation (SPEC §6): organisation data → first administrator →
online services → overview → consent → activation link (24 h)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from .. import language
from ..accounts.links import LinkProblem, absolute_link
from ..accounts.views import ADDRESS_BLIND_SECONDS, activation_page
from ..i18n import _
from ..security import uniform_duration
from . import policy, registration

bp = Blueprint("org_registration", __name__, url_prefix="/organisation/registrierung")
# Apart from the citizen's "registration_draft": both registrations may be under way.
DRAFT_KEY = "organisation_registration_draft"
STEPS = registration.STEPS
STEP_ENDPOINTS = dict(zip(STEPS, ("org_registration.index", "org_registration.administrator",
                                  "org_registration.services")))

LINK_MESSAGES = {
    LinkProblem.UNKNOWN: _("Dieser Aktivierungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link "
                           "vollständig aus der E-Mail übernommen haben."),
    LinkProblem.USED: _("Dieser Aktivierungslink wurde bereits verwendet oder durch einen neueren Link ersetzt. "
                        "Ist Ihr Servicekonto Business aktiviert, melden Sie sich mit Ihrer E-Mail-Adresse und "
                        "Ihrem Passwort an; sonst öffnen Sie den Link aus der neuesten E-Mail."),
    LinkProblem.EXPIRED: _("Dieser Aktivierungslink ist abgelaufen: Er ist nur 24 Stunden gültig. Bitte "
                           "registrieren Sie Ihre Organisation erneut."),
}


def _draft():
    return registration.get_draft(session.get(DRAFT_KEY))


def _step(step: str, template: str, save, following: str, **context):
    """A step's page: its form filled from the draft; on POST the entries are saved
    (also on "Zurück", so nothing is lost) and a refusal shows them again with 400."""
    previous = STEPS[STEPS.index(step) - 1] if step != STEPS[0] else None
    if missing := registration.open_step(_draft(), before=step):
        return redirect(url_for(STEP_ENDPOINTS[missing]))
    result = None
    if request.method == "POST":
        result = save(_draft(), request.form)
        session[DRAFT_KEY] = result.draft.id
        if previous and request.form.get("action") == "zurueck":
            return redirect(url_for(STEP_ENDPOINTS[previous]))
        if not result.errors:
            return redirect(url_for(following))
    draft = result.draft if result is not None else _draft()
    errors = result.errors if result is not None else {}
    return render_template(template, data=registration.entries(draft, step), errors=errors,
                           password_kept=bool(draft and draft.password_hash),
                           locked=registration.locked_fields(draft), **context), 400 if errors else 200


@bp.route("", methods=["GET", "POST"])
def index():
    """Step 1: the organisation."""
    return _step("organisation", "organisations/register_organisation.html", registration.save_organisation,
                 "org_registration.administrator", labels=policy.ORGANISATION_LABELS)


@bp.route("/administrator", methods=["GET", "POST"])
def administrator():
    """Step 2: the first administrator's data and access."""
    return _step("administrator", "organisations/register_administrator.html", registration.save_administrator,
                 "org_registration.services", labels=policy.PERSON_LABELS)


@bp.route("/online-dienste", methods=["GET", "POST"])
def services():
    """Step 3: online services to subscribe (optional)."""
    return _step("services", "organisations/register_services.html",
                 lambda draft, form: registration.save_services(draft, form.getlist("services")),
                 "org_registration.overview", services=registration.offered_services(),
                 approval_labels=registration.APPROVAL_LABELS)


@bp.route("/uebersicht", methods=["GET", "POST"])
def overview():
    """All entries (never the password), consent and "Servicekonto Business anlegen"."""
    draft = _draft()
    if missing := registration.open_step(draft):
        return redirect(url_for(STEP_ENDPOINTS[missing]))
    errors = {}
    if request.method == "POST":
        if request.form.get("action") == "zurueck":
            return redirect(url_for("org_registration.services"))
        if request.form.get("consent") != "ja":
            errors["consent"] = [_("Bitte stimmen Sie der Datenverarbeitung zu, um das Servicekonto Business "
                                   "anzulegen.")]
        else:
            # As long whether or not the address is taken (SPEC §3: nothing reveals it).
            with uniform_duration(ADDRESS_BLIND_SECONDS):
                refusal = registration.complete(draft, absolute_link("org_registration.activate"),
                                                request.remote_addr, locale=language.current())
            if refusal is None:
                session.pop(DRAFT_KEY, None)
                return redirect(url_for("org_registration.sent"))
            errors["form"] = [refusal]
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
    return activation_page(secret, registration.activate, "organisations/register_activate.html",
                           "organisations/register_activation_failed.html", LINK_MESSAGES,
                           url_for("administration.index", hinweis="aktiviert"))
