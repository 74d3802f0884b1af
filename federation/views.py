"""HTTP side of federation, relying: "Mit anderem Servicekonto anmelden" — the list of
states, the way out to the partner and back, the take-over consent, and the links
under Mein Bereich. The rules live in `broker`; this module only translates HTTP.

The SAML answer arrives as a cross-site POST, which carries no SameSite=Lax cookie:
it is checked completely at the ACS (RelayState names the login, the AuthnRequest ID
is known), and the browser is then sent on with a top-level GET, where the cookie
proves it is the one that started.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from idp.accounts import policy, registration
from idp.accounts.models import Account
from idp.accounts.links import absolute_link
from idp.authn import web
from idp.authn.identity import AuthenticationFailed
from idp.authn.views import after_login
from idp.extensions import csrf, db
from idp.i18n import _
from idp.loa import Level
from idp.oidc import authorize
from idp.oidc.models import Client

from . import broker, oidc_backend, partners, saml_backend
from .models import FederationLogin
from .oidc_upstream import UpstreamCancelled, UpstreamError
from .saml.errors import SamlError, SamlStatusError

bp = Blueprint("federation", __name__)
BROWSER_KEY = "federation_login"
CANCELLED = _("Die Anmeldung beim anderen Servicekonto wurde abgebrochen. Es wurden keine Daten übernommen.")


def federation_services():
    return current_app.extensions["servicekonto.federation"]


def _level_for(record_id: str | None) -> Level | None:
    record = authorize.load(record_id) if record_id else None
    if record is None:
        return None
    client = db.session.get(Client, record.client_id)
    return authorize.required_for(record, client) if client else None


@bp.route("/anmelden/servicekonto", methods=["GET", "POST"])
def choose():
    """Pick the state whose Servicekonto to use (TR-03160-2: the relying side lists them)."""
    record_id = request.values.get("anfrage")
    next_url = web.safe_next(request.values.get("next"))
    purpose = "link" if request.values.get("zweck") == "verbinden" else "login"
    if purpose == "link" and g.login_session is None:
        return redirect(url_for("authn.login", next=url_for("federation.choose", zweck="verbinden")))
    available = partners.login_partners()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        partner = next((p for p in available if p.id == request.form.get("partner")), None)
        if partner is None:
            errors["partner"] = [_("Bitte wählen Sie das Bundesland, bei dem Sie ein Servicekonto haben.")]
        else:
            return _go_to(partner, purpose, record_id, next_url)
    return render_template("federation/choose.html", partners=available, errors=errors, record_id=record_id,
                           next_url=next_url, purpose=purpose), 400 if errors else 200


def _go_to(partner, purpose: str, record_id: str | None, next_url: str | None):
    level = _level_for(record_id)
    login, browser_secret = broker.begin(
        partner, purpose, account_id=g.login_session.account_id if purpose == "link" else None,
        record_id=record_id, next_url=next_url, level=level)
    session[BROWSER_KEY] = [login.id, browser_secret]
    services = federation_services()
    try:
        if partner.protocol == "saml":
            target = saml_backend.request_url(partner, login, sp_entity_id=services.entity_id,
                                              acs_url=services.acs_url, signing=services.credentials.signing,
                                              level=level)
        else:
            target = oidc_backend.request_url(partner, login, redirect_uri=services.oidc_redirect_uri, level=level)
    except (partners.PartnerError, UpstreamError) as exc:
        db.session.rollback()
        return failed(str(exc))
    return redirect(target, code=303)


def failed(message: str, status: int = 400):
    return render_template("federation/failed.html", message=message), status


@bp.route("/saml/acs", methods=["POST"])
@csrf.exempt
def acs():
    login = db.session.get(FederationLogin, request.form.get("RelayState") or "")
    if login is None or not login.request_id or login.result:
        return failed(_("Diese Antwort gehört zu keiner laufenden Anmeldung. Bitte beginnen Sie die Anmeldung neu."))
    partner = partners.get(login.partner_id)
    services = federation_services()
    try:
        remote = saml_backend.read_response(
            partner, login, request.form.get("SAMLResponse") or "", sp_entity_id=services.entity_id,
            acs_url=services.acs_url, decryption_keys=services.credentials.decryption_keys)
    except SamlStatusError:
        broker.finish(login)
        return failed(CANCELLED)
    except SamlError as exc:
        current_app.logger.warning("SAML response from %s refused: %s (%s)", partner.entity_id, exc.code, exc.detail)
        return failed(_("Die Antwort des anderen Servicekontos ist ungültig und wurde verworfen."))
    broker.arrived(login, remote)
    return redirect(url_for("federation.arrive", login_id=login.id), code=303)


@bp.route("/anmelden/servicekonto/rueckkehr")
def oidc_callback():
    login = _mine()
    if login is None or not login.pending:
        return failed(_("Diese Antwort gehört zu keiner laufenden Anmeldung in diesem Browser. Bitte beginnen Sie "
                         "die Anmeldung neu."))
    partner = partners.get(login.partner_id)
    try:
        remote = oidc_backend.read_callback(partner, login, request.args.to_dict())
    except UpstreamCancelled:
        broker.finish(login)
        return failed(CANCELLED)
    except UpstreamError as exc:
        current_app.logger.warning("OIDC answer from %s refused", partner.entity_id)
        return failed(str(exc))
    broker.arrived(login, remote)
    return redirect(url_for("federation.arrive", login_id=login.id), code=303)


def _mine(login_id: str | None = None):
    login_id_kept, secret = (session.get(BROWSER_KEY) or [None, None])
    if login_id is not None and login_id != login_id_kept:
        return None
    return broker.find(login_id_kept, secret)


@bp.route("/anmelden/servicekonto/ergebnis/<login_id>", methods=["GET", "POST"])
def arrive(login_id):
    """Back from the partner: log in the linked account, or ask the citizen to take
    the data over (new account) or to link (account logged in here)."""
    login = _mine(login_id)
    remote = broker.remote_of(login) if login else None
    if remote is None:
        return failed(_("Diese Anmeldung gehört nicht zu diesem Browser oder ist abgelaufen. Bitte beginnen Sie "
                         "die Anmeldung neu."))
    partner = partners.get(login.partner_id)
    linked = broker.linked_account(partner, remote.subject)
    if login.purpose == "login" and linked is not None:
        broker.take_over(linked, partner, remote)
        return _log_in(login, linked, partner, remote)
    if login.purpose == "link" and (g.login_session is None or g.login_session.account_id != login.account_id):
        return failed(_("Bitte melden Sie sich erneut an, um die Konten zu verbinden."))
    data = broker.attributes(partner, remote)
    errors: dict[str, list[str]] = {}
    email = remote.value("email") or ""
    if request.method == "POST":
        if request.form.get("decision") != "zustimmen":
            broker.finish(login)
            return render_template("federation/declined.html")
        if login.purpose == "link":
            account = db.session.get(Account, login.account_id)
            if refusal := broker.link(account, partner, remote.subject):
                db.session.rollback()
                return failed(refusal)
            broker.take_over(account, partner, remote)
            db.session.commit()
            broker.finish(login)
            return render_template("federation/linked.html", partner=partner)
        email = (request.form.get("email") or "").strip()
        if problems := policy.check_email(email):
            errors["email"] = problems
        else:
            account, refusal = broker.create_account(
                partner, remote, email, absolute_link("accounts.activate"),
                carried=registration.continuation(login.record_id, login.next_url),
                client_address=request.remote_addr)
            if refusal:
                errors["form"] = [refusal]
            elif account is None:
                for_service = login.record_id is not None
                broker.finish(login)
                return render_template("federation/activation_sent.html", email=email, for_service=for_service)
            else:
                return _log_in(login, account, partner, remote)
    return render_template("federation/take_over.html", partner=partner, remote=remote, data=data, login=login,
                           email=email, errors=errors, level=broker.cap(partner, remote.level),
                           labels=broker.LABELS), \
        400 if errors else 200


def _log_in(login, account, partner, remote):
    record_id, next_url = login.record_id, login.next_url
    try:
        web.log_in(broker.identity(account, partner, remote), client_id=authorize.client_id_of(record_id))
    except AuthenticationFailed as exc:
        return failed(str(exc))
    broker.finish(login)
    return after_login(record_id, next_url)


@bp.route("/mein-bereich/servicekonten", methods=["GET", "POST"])
@web.login_required
def links():
    account = db.session.get(Account, g.login_session.account_id)
    if account.kind != "citizen":
        # Other states' Servicekonten are citizens' accounts (TR-03160-2).
        abort(404)
    if request.method == "POST" and request.form.get("partner"):
        broker.unlink(account, request.form["partner"])
        return redirect(url_for("federation.links"))
    return render_template("federation/links.html", links=broker.links_of(account),
                           available=bool(partners.login_partners()))


@bp.errorhandler(partners.PartnerError)
def partner_error(exc):
    return failed(str(exc))
