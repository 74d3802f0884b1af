"""HTTP side of ELSTER for organisations: "Mit ElsterID" at the login and at the
registration of an organisation, "ElsterID-Zertifikat verwalten" under Mein Bereich,
the way out to ELSTER and back, and our SP metadata. The rules live in
`idp.organisations.elster_links`; this module only translates HTTP.

ELSTER's answer arrives as a cross-site POST without our SameSite=Lax cookie: it is
checked completely at the ACS (RelayState names the trip, the AuthnRequest ID is
known), and the browser is then sent on with a top-level GET, where the cookie proves
it is the one that started.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for

from federation.saml.errors import SamlError
from idp.accounts.models import Account
from idp.authn import web
from idp.authn.identity import AuthenticationFailed
from idp.authn.views import after_login
from idp.extensions import csrf, db
from idp.i18n import _
from idp.oidc import authorize
from idp.organisations import elster_links, entitlements
from idp.organisations import registration as org_registration
from idp.organisations.policy import ORGANISATION_LABELS
from idp.organisations.registration_views import DRAFT_KEY

from . import app as elster_app
from . import logins, sp
from .backend import ElsterBackend, answer_refused
from .errors import ElsterRefused, ElsterUnavailable, message_for

bp = Blueprint("elster", __name__)
BROWSER_KEY = "elster_login"
UNKNOWN_ANSWER = _("Diese Antwort von ELSTER gehört zu keiner laufenden Anmeldung. Bitte beginnen Sie erneut.")
NOT_THIS_BROWSER = _("Diese Anmeldung mit ElsterID gehört nicht zu diesem Browser oder ist abgelaufen. Bitte "
                     "beginnen Sie erneut.")
NOTICES = {"hinterlegt": _("Ihr ELSTER-Zertifikat ist hinterlegt. Sie können sich jetzt „Mit ElsterID“ anmelden."),
           "geloest": _("Die ELSTER-Verknüpfung ist gelöst.")}
RETRY = {"login": "authn.login", "link": "elster.manage", "register": "org_registration.index"}


def _services():
    return elster_app.services(current_app)


def failed(message: str, purpose: str = "login", status: int = 400):
    return render_template("elster/failed.html", message=message, retry=url_for(RETRY[purpose])), status


def _go_to_elster(purpose: str, **context):
    services = _services()
    try:
        idp = services.idp()
        login, browser_secret = logins.begin(purpose, **context)
        request_id, destination, fields = sp.authn_request(
            idp, sp_entity_id=services.entity_id, acs_url=services.acs_url, signing=services.keypair,
            relay_state=login.id)
    except ElsterUnavailable as exc:
        db.session.rollback()
        return render_template("authn/unavailable.html", title="Mit ElsterID", message=str(exc)), 503
    login.request_id = request_id
    db.session.commit()
    session[BROWSER_KEY] = [login.id, browser_secret]
    return render_template("elster/post.html", action=destination, fields=fields)


@bp.route("/anmelden/elster")
def login():
    record = authorize.load(request.args.get("anfrage") or "")
    return _go_to_elster("login", record_id=record.id if record else None,
                         next_url=web.safe_next(request.args.get("next")))


@bp.route("/organisation/registrierung/elster", methods=["POST"])
def register():
    return _go_to_elster("register")


@bp.route("/mein-bereich/elster", methods=["GET"])
@web.login_required
def manage():
    account = db.session.get(Account, g.login_session.account_id)
    membership = entitlements.membership(account.id)
    link = elster_links.link_of(account.id)
    organisation_linked = membership is not None and elster_links.linked_count(membership.organisation_id) > 0
    return render_template("elster/manage.html", membership=membership, link=link,
                           refusal=elster_links.CITIZEN_ACCOUNT if membership is None else None,
                           organisation_linked=organisation_linked,
                           notice=NOTICES.get(request.args.get("hinweis", "")))


@bp.route("/mein-bereich/elster/hinterlegen", methods=["POST"])
@web.login_required
def start_link():
    account = db.session.get(Account, g.login_session.account_id)
    if entitlements.membership(account.id) is None:
        return failed(elster_links.CITIZEN_ACCOUNT, "link")
    return _go_to_elster("link", account_id=account.id)


@bp.route("/mein-bereich/elster/loesen", methods=["POST"])
@web.login_required
def unlink():
    account = db.session.get(Account, g.login_session.account_id)
    if elster_links.unlink(account):
        return redirect(url_for("elster.manage", hinweis="geloest"), code=303)
    return redirect(url_for("elster.manage"), code=303)


@bp.route("/elster/metadata")
def metadata():
    return Response(_services().sp_metadata(), mimetype="application/samlmetadata+xml")


@bp.route("/elster/acs", methods=["POST"])
@csrf.exempt
def acs():
    login = logins.awaiting(request.form.get("RelayState"))
    if login is None:
        return failed(UNKNOWN_ANSWER)
    services = _services()
    try:
        certificate = sp.read_response(
            services.idp(), request.form.get("SAMLResponse") or "", sp_entity_id=services.entity_id,
            acs_url=services.acs_url, expected_request_id=login.request_id, decryption_keys=[services.keypair],
            first_use=logins.first_use, accept_test_accounts=services.accept_test_accounts)
    except SamlError as exc:
        current_app.logger.warning("ELSTER response refused: %s", exc.code)
        return _refused(login, exc.code, message_for(exc))
    except ElsterRefused as exc:
        return _refused(login, exc.code, exc.message)
    except ElsterUnavailable as exc:
        return failed(str(exc), login.purpose, 503)
    logins.arrived(login, certificate)
    return redirect(url_for("elster.arrive", login_id=login.id), code=303)


def _refused(login, reason: str, message: str):
    purpose, account_id = login.purpose, login.account_id
    logins.finish(login)
    answer_refused(reason, purpose, account_id)
    return failed(message, purpose)


@bp.route("/elster/ergebnis/<login_id>", methods=["GET", "POST"])
def arrive(login_id):
    kept_id, secret = session.get(BROWSER_KEY) or [None, None]
    login = logins.find(login_id, secret) if kept_id == login_id else None
    certificate = logins.certificate_of(login) if login else None
    if certificate is None:
        return failed(NOT_THIS_BROWSER)
    if login.purpose == "link":
        return _link(login, certificate)
    session.pop(BROWSER_KEY, None)
    record_id, next_url = login.record_id, login.next_url
    purpose = login.purpose
    logins.finish(login)
    if purpose == "register":
        return _register(certificate)
    try:
        web.log_in(ElsterBackend().authenticate(certificate=certificate), client_id=authorize.client_id_of(record_id))
    except AuthenticationFailed as exc:
        db.session.rollback()
        return failed(str(exc))
    return after_login(record_id, next_url)


def _link(login, certificate):
    """Seed 003: the user checks what ELSTER sent before it is linked; the first
    certificate binds the organisation for good, so it is worth a look."""
    account_id = login.account_id
    if g.login_session is None or g.login_session.account_id != account_id:
        logins.finish(login)
        return redirect(url_for("authn.expired"))
    account = db.session.get(Account, account_id)
    refusal = elster_links.link_refusal(account, certificate)
    if refusal is None and request.method == "GET":
        return render_template("elster/confirm.html", certificate=certificate, login_id=login.id,
                               first=elster_links.linked_count(entitlements.membership(account_id).organisation_id) == 0,
                               labels=ORGANISATION_LABELS)
    session.pop(BROWSER_KEY, None)
    logins.finish(login)
    if refusal is not None:
        return failed(refusal, "link")
    if request.form.get("decision") != "bestaetigen":
        return redirect(url_for("elster.manage"), code=303)
    if refusal := elster_links.link(account, certificate):
        db.session.rollback()
        return failed(refusal, "link")
    return redirect(url_for("elster.manage", hinweis="hinterlegt"), code=303)


def _register(certificate):
    if refusal := elster_links.registration_refusal(certificate):
        return failed(refusal, "register")
    draft = org_registration.start_with_elster(certificate)
    session[DRAFT_KEY] = draft.id
    return redirect(url_for("org_registration.index"), code=303)
