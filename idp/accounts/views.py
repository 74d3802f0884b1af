"""Registration pages and the start of "Mein Bereich"."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for

from .. import language
from ..authn import web
from ..authn.identity import AuthenticationFailed, Identity
from ..authn.eid import Purpose
from ..authn.eid_views import begin
from ..authn.password import PasswordBackend
from ..authn.views import after_login
from ..extensions import db
from ..i18n import _
from ..oidc import authorize
from ..security import uniform_duration
from ..loa import Level
from . import email_change, links, password_reset, registration
from .links import LinkProblem, absolute_link
from .models import Account

bp = Blueprint("accounts", __name__)
# Answers about an e-mail address take this long whether or not it has an account.
ADDRESS_BLIND_SECONDS = 0.05
DRAFT_KEY = "registration_draft"
# The online service's request a "Passwort vergessen?" was started from: kept in this
# browser's session, not in the mail, so only the browser that began it continues it.
RESET_REQUEST_KEY = "reset_waiting_request"
# "?mit=…" of the registration form: where the verified identity comes from.
CARD_WAYS = {"ausweis": "eid", "wallet": "wallet"}
WAYS_BY_SOURCE = {source: way for way, source in CARD_WAYS.items()}

RESET_LINK_MESSAGES = {
    LinkProblem.UNKNOWN: _("Dieser Link zum Zurücksetzen des Passworts ist ungültig. Bitte prüfen Sie, ob Sie "
                         "den Link vollständig aus der E-Mail übernommen haben."),
    LinkProblem.USED: _("Dieser Link wurde bereits verwendet. Fordern Sie bei Bedarf einen neuen Link an."),
    LinkProblem.EXPIRED: _("Dieser Link ist abgelaufen: Er ist nur eine Stunde gültig. Bitte fordern Sie einen "
                         "neuen Link an."),
}
EMAIL_LINK_MESSAGES = {
    LinkProblem.UNKNOWN: _("Dieser Bestätigungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link vollständig "
                         "aus der E-Mail übernommen haben."),
    LinkProblem.USED: _("Dieser Bestätigungslink wurde bereits verwendet oder durch eine neuere Änderung ersetzt."),
    LinkProblem.EXPIRED: _("Dieser Bestätigungslink ist abgelaufen. Bitte beantragen Sie die Änderung in "
                         "„Mein Bereich“ erneut."),
}
LINK_MESSAGES = {
    LinkProblem.UNKNOWN: _("Dieser Aktivierungslink ist ungültig. Bitte prüfen Sie, ob Sie den Link "
                         "vollständig aus der E-Mail übernommen haben."),
    # Also what an older link says after re-registering sent a newer one (links.issue_link).
    LinkProblem.USED: _("Dieser Aktivierungslink wurde bereits verwendet oder durch einen neueren Link "
                      "ersetzt. Ist Ihr Servicekonto aktiviert, melden Sie sich mit Ihrer E-Mail-Adresse "
                      "und Ihrem Passwort an; sonst öffnen Sie den Link aus der neuesten E-Mail."),
    LinkProblem.EXPIRED: _("Dieser Aktivierungslink ist abgelaufen. Bitte registrieren Sie sich erneut."),
}


def _draft():
    return registration.get_draft(session.get(DRAFT_KEY))


@bp.route("/")
def start():
    return render_template("start.html")


@bp.route("/registrierung", methods=["GET", "POST"])
def register():
    draft = _draft()
    way = request.values.get("mit")
    with_card = way in CARD_WAYS
    record_id = authorize.still_waiting(request.values.get("anfrage"))
    if request.method == "POST":
        result = registration.save_draft(draft, request.form, with_card=with_card, record_id=record_id,
                                         card_source=CARD_WAYS.get(way, "eid"))
        session[DRAFT_KEY] = result.draft.id
        if not result.errors:
            if with_card and not registration.card_of(result.draft):
                if way == "wallet":
                    # The wallet connector reads the PID; it finds the draft in the session.
                    return redirect(url_for("wallet.register"))
                return begin(Purpose.REGISTRATION, draft_id=result.draft.id)
            return redirect(url_for("accounts.overview"))
        return render_template("accounts/register.html", data=result.draft.data, errors=result.errors,
                               password_kept=bool(result.draft.password_hash), with_card=with_card, way=way,
                               record_id=result.draft.data.get("anfrage"), salutations=registration.SALUTATIONS), 400
    return render_template("accounts/register.html", data=draft.data if draft else {}, errors={},
                           password_kept=bool(draft and draft.password_hash), with_card=with_card, way=way,
                           record_id=record_id or (draft.data.get("anfrage") if draft else None),
                           salutations=registration.SALUTATIONS)


@bp.route("/registrierung/uebersicht", methods=["GET", "POST"])
def overview():
    draft = _draft()
    if draft is None or not draft.password_hash:
        return redirect(url_for("accounts.register"))
    with_card = bool((draft.data or {}).get("with_card"))
    way = WAYS_BY_SOURCE[registration.card_source(draft)]
    back = url_for("accounts.register", mit=way) if with_card else url_for("accounts.register")
    if with_card and not registration.card_of(draft):
        return redirect(back)
    errors = {}
    if request.method == "POST":
        if request.form.get("action") == "zurueck":
            return redirect(back)
        if request.form.get("consent") != "ja":
            errors["consent"] = [_("Bitte stimmen Sie der Datenverarbeitung zu, um das Servicekonto anzulegen.")]
        else:
            with uniform_duration(ADDRESS_BLIND_SECONDS):
                refusal = registration.complete(draft, absolute_link("accounts.activate"), request.remote_addr,
                                                locale=language.current())
            if refusal is None:
                session.pop(DRAFT_KEY, None)
                return redirect(url_for("accounts.registered"))
            errors["form"] = [refusal]
    return render_template("accounts/overview.html", data=draft.data, card=registration.card_of(draft),
                           card_source=registration.card_source(draft), errors=errors), 400 if errors else 200


@bp.route("/registrierung/gesendet")
def registered():
    return render_template("accounts/registered.html")


@bp.route("/registrierung/aktivieren/<secret>", methods=["GET", "POST"])
def activate(secret):
    record_id, next_url = registration.continuation_of(secret) if request.method == "POST" else (None, None)
    return activation_page(secret, registration.activate, "accounts/activate.html", "accounts/activation_failed.html",
                           LINK_MESSAGES, lambda: _continue(record_id, next_url))


def _continue(record_id: str | None, next_url: str | None):
    """After the activation: on into the online service's request the registration
    was made for, as after any login; if it has expired meanwhile, Mein Bereich says
    that the service must be started again."""
    if record_id and authorize.load(record_id) is None:
        return redirect(url_for("mein_bereich.home", hinweis="anfrage-abgelaufen"))
    if record_id or next_url:
        return after_login(record_id, next_url)
    return redirect(url_for("mein_bereich.home", hinweis="aktiviert"))


def activation_page(secret: str, activate_link: Callable[[str], tuple[Account | None, LinkProblem | None]],
                    template: str, failed_template: str, messages: dict[LinkProblem, str],
                    landing: str | Callable[[], Response]):
    """The page behind an activation link: the GET asks, the POST activates and logs
    the user in, then goes to `landing` (a URL, or a function giving the answer)."""
    # A click confirms: mail scanners that prefetch links must not use them up.
    if request.method == "GET":
        return render_template(template, secret=secret)
    account, problem = activate_link(secret)
    if problem is not None:
        return render_template(failed_template, message=messages[problem]), 400
    # Opening the link proves the mailbox and logs the user in (SPEC §3); a one-time
    # secret by mail is worth no more than niedrig.
    web.log_in(Identity(method="activation", amr=("otp",), ceiling=Level.NIEDRIG, account_id=account.id))
    return landing() if callable(landing) else redirect(landing)


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def password_forgotten():
    errors, email = {}, ""
    record_id = authorize.still_waiting(request.values.get("anfrage"))
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        with uniform_duration(ADDRESS_BLIND_SECONDS):
            problems = password_reset.request_reset(email, absolute_link("accounts.reset_password"),
                                                    request.remote_addr)
        if problems:
            errors["email"] = problems
        else:
            session[RESET_REQUEST_KEY] = record_id
            return render_template("accounts/password_reset_sent.html", email=email, record_id=record_id)
    return render_template("accounts/password_forgotten.html", errors=errors, email=email,
                           record_id=record_id), 400 if errors else 200


@bp.route("/passwort-vergessen/neu/<secret>", methods=["GET", "POST"])
def reset_password(secret):
    link, problem = links.find_link(secret, password_reset.PURPOSE)
    if problem is not None:
        return render_template("accounts/link_failed.html", title=_("Passwort zurücksetzen"),
                               message=RESET_LINK_MESSAGES[problem],
                               retry=url_for("accounts.password_forgotten")), 400
    errors = {}
    if request.method == "POST":
        keep = g.login_session.id if g.login_session and g.login_session.account_id == link.account_id else None
        result = password_reset.reset(link, request.form, keep_session_id=keep)
        if result.ok:
            return render_template("accounts/password_reset_done.html",
                                   record_id=authorize.still_waiting(session.pop(RESET_REQUEST_KEY, None)))
        errors = result.errors
    return render_template("accounts/password_new.html", secret=secret, errors=errors), 400 if errors else 200


@bp.route("/e-mail-bestaetigen/<secret>", methods=["GET", "POST"])
def confirm_email(secret):
    """The link from the mail to the new address; the change takes effect after a
    login with the old address and the password."""
    link, problem = links.find_link(secret, email_change.PURPOSE)
    if problem is not None:
        return render_template("accounts/link_failed.html", title=_("E-Mail-Adresse bestätigen"),
                               message=EMAIL_LINK_MESSAGES[problem], retry=None), 400
    errors, email = {}, ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        try:
            identity = PasswordBackend().authenticate(email=email, password=request.form.get("password") or "",
                                                      address=request.remote_addr or "",
                                                      devices_seen=web.known_device_tokens())
        except AuthenticationFailed as exc:
            errors["form"] = [str(exc)]
        else:
            # The password was right: its attempt is given back, whatever becomes of the change.
            db.session.commit()
            new_email = link.payload["email"]
            if refusal := email_change.confirm(link, identity.account_id):
                errors["form"] = [refusal]
            else:
                web.log_in(identity)
                return render_template("accounts/email_changed.html", new_email=new_email)
    return render_template("accounts/email_confirm.html", secret=secret, new_email=link.payload["email"],
                           errors=errors, email=email), 400 if errors else 200


@bp.route("/servicekonto-geloescht")
def deleted():
    return render_template("accounts/deleted.html")
