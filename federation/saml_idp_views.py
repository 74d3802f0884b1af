"""HTTP side of federation, asserting (TR-03160-2): this IdP's SAML metadata, the
single sign-on endpoint other states' Servicekonten send citizens to, and the consent
page that ends with the signed and encrypted answer.

A partner's request is kept under an unguessable ID and bound to the browser by a
cookie of its own (the login in between starts a new Flask session). The citizen must
log in for this request — no single sign-on on the asserting side — and that login
ends when the answer leaves.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from idp.accounts.models import Account
from idp.authn import web
from idp.authn.logout import end_session
from idp.extensions import csrf, db
from idp.i18n import _

from . import asserting, partners
from .views import failed as _failed, federation_services as _services
from .saml import messages
from .saml.errors import SamlError, UnknownPartner
from .saml.namespaces import HTTP_POST, HTTP_REDIRECT

bp = Blueprint("saml_idp", __name__)


def _cookie() -> str:
    # Named after the session cookie, so two instances on one host keep theirs apart.
    return current_app.config["SESSION_COOKIE_NAME"] + "_saml"


@bp.route("/saml/metadata")
def metadata():
    return Response(_services().metadata(), mimetype="application/samlmetadata+xml")


@bp.route("/saml/sso", methods=["GET", "POST"])
@csrf.exempt
def sso():
    services = _services()
    try:
        if request.method == "GET":
            parsed = messages.parse_authn_request(HTTP_REDIRECT, request.query_string.decode("latin-1"),
                                                  lookup=partners.saml_partner, sso_url=services.sso_url)
        else:
            parsed = messages.parse_authn_request(HTTP_POST, request.form.to_dict(), lookup=partners.saml_partner,
                                                  sso_url=services.sso_url)
    except UnknownPartner:
        return _failed("Diese Anfrage kommt von keinem Servicekonto, mit dem wir verbunden sind.", 403)
    except SamlError as exc:
        current_app.logger.warning("AuthnRequest refused: %s (%s)", exc.code, exc.detail)
        return _failed(_("Die Anfrage des anderen Servicekontos ist ungültig und wurde verworfen."))
    pending = asserting.keep(parsed, partners.by_entity_id(parsed.issuer))
    if pending is None:
        current_app.logger.warning("AuthnRequest %s of %s replayed", parsed.id, parsed.issuer)
        return _failed("Diese Anfrage des anderen Servicekontos wurde bereits verwendet und wird nicht noch "
                       "einmal angenommen.")
    if parsed.is_passive:
        # Every answer here needs a fresh login, which a passive request forbids.
        return _post(*asserting.refuse(pending, asserting.NO_PASSIVE, idp_entity_id=services.entity_id,
                                       signing=services.credentials.signing), None)
    # The answer to a cross-site POST must not touch the Flask session (its cookie was
    # not sent); the browser is bound on the next, top-level GET.
    return redirect(url_for("saml_idp.claim", request_id=pending.id), code=303)


@bp.route("/saml/anfrage/<request_id>")
def claim(request_id):
    pending, browser_secret = asserting.claim(request_id, request.cookies.get(_cookie()))
    if pending is None:
        return _failed(_("Diese Anfrage ist abgelaufen oder gehört zu einem anderen Browser."))
    response = redirect(url_for("saml_idp.consent", request_id=pending.id))
    if browser_secret:
        response.set_cookie(_cookie(), browser_secret, httponly=True, samesite="Lax", path="/saml/",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _pending(request_id):
    return asserting.find(request_id, request.cookies.get(_cookie()))


@bp.route("/saml/anfrage/<request_id>/zustimmung", methods=["GET", "POST"])
def consent(request_id):
    pending = _pending(request_id)
    if pending is None:
        return _failed(_("Diese Anfrage ist abgelaufen oder gehört zu einem anderen Browser."))
    partner = partners.get(pending.partner_id)
    here = url_for("saml_idp.consent", request_id=pending.id)
    login = g.login_session
    if login is None or login.auth_time < pending.created_at:
        # Only a login made for this request counts (no single sign-on).
        return render_template("federation/asserting_login.html", partner=partner, next_url=here,
                               logged_in=login is not None)
    account = db.session.get(Account, login.account_id)
    required = asserting.required_level(pending)
    services = _services()
    if not asserting.may_assert(account):
        if request.method == "POST":
            return _post(*asserting.refuse(pending, asserting.DENIED, idp_entity_id=services.entity_id,
                                           signing=services.credentials.signing), login)
        return render_template("federation/asserting_organisation.html", partner=partner, next_url=here)
    if login.loa < required:
        if request.method == "POST":
            return _post(*asserting.refuse(pending, asserting.NO_AUTHN_CONTEXT, idp_entity_id=services.entity_id,
                                           signing=services.credentials.signing), login)
        return render_template("federation/asserting_level.html", partner=partner, required=required,
                               current=login.loa, next_url=here, pending=pending)
    if request.method == "POST":
        if request.form.get("decision") != "zustimmen":
            return _post(*asserting.refuse(pending, asserting.DENIED, idp_entity_id=services.entity_id,
                                           signing=services.credentials.signing), login)
        granted = set(request.form.getlist("angabe"))
        return _post(*asserting.answer(pending, account, login.loa, granted, idp_entity_id=services.entity_id,
                                       signing=services.credentials.signing), login)
    return render_template("federation/asserting_consent.html", partner=partner, level=login.loa, pending=pending,
                           data=asserting.data(pending, account, login.loa))


def _post(acs_url: str, fields: dict[str, str], login):
    if login is not None:
        # TR-03160-2: the authentication here ends with the transfer.
        end_session(login)
        web.forget_login_session()
    response = Response(render_template("federation/post.html", action=acs_url, fields=fields))
    response.delete_cookie(_cookie(), path="/saml/")
    return response


@bp.errorhandler(partners.PartnerError)
def partner_error(exc):
    return _failed(str(exc))
