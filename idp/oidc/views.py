"""HTTP endpoints of the provider. They translate HTTP; the decisions are in
`authorize`, `server` and `logout`."""
from __future__ import annotations

import json

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .. import language
from ..accounts.models import Account
from ..authn import web
from ..authn.logout import end_session as end_login_session
from ..clients import SIGNING_ALGORITHMS
from ..extensions import csrf, db
from ..i18n import LOCALES
from ..loa import SUPPORTED_ACR_VALUES, Level
from ..observability import metrics
from . import authorize, par, registration, rfc7523, rfc9449
from . import claims as claims_mod
from .client_credentials import SERVICE_SCOPES
from .introspection import INTROSPECTION_AUTH_METHODS
from .models import Client
from .revocation import REVOCATION_AUTH_METHODS
from .resource import access_token_required
from .server import authorization, claims_context, sign_with, subject_for

bp = Blueprint("oidc", __name__)
csrf.exempt(bp)


def _issuer() -> str:
    return current_app.config["SERVICEKONTO"].issuer


@bp.route("/.well-known/openid-configuration")
def discovery():
    # GET and HEAD are answered by the edge (documents.py) before Flask; the route
    # names the URL and gives OPTIONS and 405 their usual answers.
    return current_app.response_class(discovery_document(current_app), mimetype="application/json")


def discovery_document(app) -> bytes:
    """OpenID Connect Discovery 1.0 §3: constant per application, built once."""
    body = app.extensions.get("servicekonto.discovery")
    if body is None:
        paths = app.url_map.bind("localhost")
        body = app.extensions["servicekonto.discovery"] = json.dumps(
            _provider_metadata(app.config["SERVICEKONTO"].issuer, paths.build)).encode()
    return body


def _provider_metadata(issuer: str, path) -> dict:
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + path("oidc.authorize_endpoint"),
        "token_endpoint": issuer + path("oidc.token"),
        "userinfo_endpoint": issuer + path("oidc.userinfo"),
        "jwks_uri": issuer + path("oidc.jwks"),
        "end_session_endpoint": issuer + path("oidc.end_session"),
        "revocation_endpoint": issuer + path("oidc.revoke"),
        "revocation_endpoint_auth_methods_supported": REVOCATION_AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": rfc7523.ALGORITHMS,
        "introspection_endpoint": issuer + path("oidc.introspect"),
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": rfc7523.ALGORITHMS,
        "introspection_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "scopes_supported": ["openid", *claims_mod.SCOPE_CLAIMS, *SERVICE_SCOPES],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "userinfo_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt",
                                                  "none"],
        "token_endpoint_auth_signing_alg_values_supported": rfc7523.ALGORITHMS,
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": rfc9449.ALGORITHMS,
        "claims_parameter_supported": True,
        # request objects by value (RFC 9101) and request_uri from /par only (RFC 9126)
        "request_parameter_supported": True,
        "request_uri_parameter_supported": False,
        "request_object_signing_alg_values_supported": rfc7523.ALGORITHMS,
        "pushed_authorization_request_endpoint": issuer + path("oidc.pushed_authorization_request"),
        "registration_endpoint": issuer + path("oidc.register"),
        "require_pushed_authorization_requests": False,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "loa",
                             "sid", "act", *claims_mod.KNOWN_CLAIMS],
        "acr_values_supported": SUPPORTED_ACR_VALUES,
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
        "ui_locales_supported": list(LOCALES),
    }


@bp.route("/jwks")
def jwks():
    # Like discovery: GET and HEAD are answered by the edge.
    response = current_app.response_class(current_app.extensions["servicekonto.keys"].jwks_json(),
                                          mimetype="application/json")
    response.headers["Cache-Control"] = JWKS_CACHE
    return response


# Online services fetch the keys again when they meet an unknown `kid`, and a rotated
# key stays published as "previous" (idp/keys.py), so five minutes of caching is safe.
JWKS_CACHE = "public, max-age=300"


def respond(outcome: authorize.Outcome):
    step = authorize.Step
    if outcome.step is step.REDIRECT:
        return redirect(outcome.location, code=302)
    if outcome.step is step.LOGIN:
        return redirect(url_for("authn.login", anfrage=outcome.record.id))
    if outcome.step is step.STEP_UP:
        return redirect(url_for("consent.step_up", record_id=outcome.record.id))
    if outcome.step is step.CONSENT:
        return redirect(url_for("consent.show", record_id=outcome.record.id))
    if outcome.step is step.NOT_ENTITLED:
        return redirect(url_for("consent.not_entitled", record_id=outcome.record.id))
    return render_template("oidc/request_error.html", error=outcome.error, description=outcome.description), 400


@bp.route("/authorize", methods=["GET", "POST"])
def authorize_endpoint():
    params = {key: request.values.get(key) for key in request.values}
    try:
        params, resolved = par.authorization_parameters(params)
    except OAuth2Error as error:
        # Nothing of the request can be trusted yet, its redirect URI neither.
        return render_template("oidc/request_error.html", error=error.error,
                               description=error.description or error.error), 400
    source = authorize.StoredRequest(params, _issuer() + "/authorize") if resolved else request
    outcome = authorize.start(params, g.login_session, source)
    if outcome.record is not None:
        language.remember_ui_locales(params.get("ui_locales"))
    return respond(outcome)


@bp.route("/par", methods=["POST"])
def pushed_authorization_request():
    response = authorization.create_endpoint_response("pushed_authorization")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/authorize/weiter/<record_id>")
def resume(record_id):
    record = authorize.load(record_id)
    if record is None:
        return render_template("oidc/request_expired.html"), 400
    return respond(authorize.decide(record, g.login_session))


@bp.route("/token", methods=["POST"])
def token():
    response = authorization.create_token_response()
    # One commit for all the grant wrote: the token, the spent code or refresh token,
    # the identifiers and the record of released data. A refusal commits only what
    # its rule committed itself (a replayed code's revocation).
    if response.status_code == 200:
        db.session.commit()
        metrics.count_token(request.form.get("grant_type", ""))
        if request.headers.get("DPoP"):
            # RFC 9449 §8.2: the nonce for the client's next proof.
            response.headers["DPoP-Nonce"] = rfc9449.new_nonce()
    else:
        db.session.rollback()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/revoke", methods=["POST"])
def revoke():
    return authorization.create_endpoint_response("revocation")


@bp.route("/introspect", methods=["POST"])
def introspect():
    response = authorization.create_endpoint_response("introspection")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/userinfo", methods=["GET", "POST"])
@access_token_required("openid")
def userinfo():
    tok = g.access_token
    # A client credentials token has no account (and never the openid scope).
    account = db.session.get(Account, tok.account_id) if tok.account_id else None
    if account is None or not account.is_active:
        return jsonify(error="invalid_token"), 401
    wanted = claims_mod.requested_claims(tok.scope, tok.claims)["userinfo"]
    client = db.session.get(Client, tok.client_id)
    body = {"sub": subject_for(tok.client_id, account.id)}
    if tok.actor_id:
        body["act"] = {"sub": subject_for(tok.client_id, tok.actor_id)}
    # The release was recorded when the token was issued (releases.record at the
    # code exchange): a read writes nothing.
    body.update(claims_mod.release(account, wanted, Level(tok.level), claims_context(account, client)))
    if client.userinfo_signed_response_alg:
        # OIDC Core §5.3.2: a signed answer names its issuer and audience.
        signed = sign_with(client.userinfo_signed_response_alg, {**body, "iss": _issuer(), "aud": client.client_id})
        response = current_app.response_class(signed, mimetype="application/jwt")
    else:
        response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _registration_answer(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid_token():
    # RFC 6750 §3.1 for the initial and the registration access token alike.
    response = _registration_answer({"error": "invalid_token"}, 401)
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _metadata_error(error: registration.RegistrationError):
    return _registration_answer({"error": error.error, "error_description": error.description}, 400)


def _registration_uri() -> str:
    return _issuer() + url_for("oidc.register")


@bp.route("/register", methods=["POST"])
def register():
    """RFC 7591 dynamic registration with an initial access token."""
    token = _bearer()
    if token is None:
        return _invalid_token()
    try:
        body = registration.register(token, request.get_json(silent=True), _registration_uri())
    except registration.RegistrationError as error:
        return _metadata_error(error)
    return _invalid_token() if body is None else _registration_answer(body, 201)


@bp.route("/register/<client_id>", methods=["GET", "PUT", "DELETE"])
def registered_client(client_id):
    """RFC 7592 management of a registered client with its registration access token."""
    client = registration.managed_client(client_id, _bearer() or "")
    if client is None:
        return _invalid_token()
    if request.method == "DELETE":
        registration.delete_client(client)
        return "", 204
    if request.method == "GET":
        return _registration_answer(registration.describe(client, _registration_uri()))
    try:
        return _registration_answer(registration.update_client(client, request.get_json(silent=True),
                                                               _registration_uri()))
    except registration.RegistrationError as error:
        return _metadata_error(error)


def _read_id_token_hint(hint: str) -> dict | None:
    """The claims of an ID token this provider issued; expiry does not matter here
    (OIDC RP-Initiated Logout 1.0 §2)."""
    keys = KeySet(current_app.extensions["servicekonto.keys"].verification_keys())
    try:
        token = jwt.decode(hint, keys, algorithms=["ES256", "RS256"])
    except (JoseError, ValueError):
        return None
    claims = token.claims
    if claims.get("iss") != _issuer():
        return None
    return claims


@bp.route("/logout", methods=["GET", "POST"])
def end_session():
    """RP-initiated logout. Without a valid hint for the current session the user is
    asked, so a foreign page cannot log anyone out."""
    hint = request.values.get("id_token_hint")
    post_logout = request.values.get("post_logout_redirect_uri")
    state = request.values.get("state")
    client_id = request.values.get("client_id")
    hint_claims = _read_id_token_hint(hint) if hint else None
    if hint and hint_claims is None:
        return render_template("oidc/request_error.html", error="invalid_request",
                               description="Der übergebene Anmeldenachweis ist ungültig."), 400
    if hint_claims:
        aud = hint_claims.get("aud")
        aud_client = aud if isinstance(aud, str) else (aud[0] if aud else None)
        if client_id and client_id != aud_client:
            return render_template("oidc/request_error.html", error="invalid_request",
                                   description="client_id passt nicht zum Anmeldenachweis."), 400
        client_id = aud_client
    client = db.session.get(Client, client_id) if client_id else None
    if post_logout:
        if client is None or post_logout not in client.post_logout_redirect_uris:
            return render_template("oidc/request_error.html", error="invalid_request",
                                   description="Die Rücksprungadresse ist für diesen Online-Dienst nicht "
                                               "registriert."), 400
        if state:
            post_logout = add_params_to_uri(post_logout, [("state", state)])

    login = g.login_session
    matches = bool(login and hint_claims and hint_claims.get("sid") == login.sid)
    confirmed = request.method == "POST" and request.form.get("confirm") == "1"
    if confirmed:
        csrf.protect()
    if login is not None and not (matches or confirmed):
        return render_template("authn/logout_confirm.html", post_logout=post_logout, client=client,
                               action=request.full_path)
    if login is not None:
        end_login_session(login, client_id=client.client_id if client else None)
    web.forget_login_session()
    if post_logout:
        return redirect(post_logout)
    return render_template("authn/logged_out.html", client=client)
