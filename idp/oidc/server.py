"""The Authlib authorization server and its grants, named after their RFCs."""
from __future__ import annotations

import secrets
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, UnsupportedResponseTypeError, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import current_app, url_for
from joserfc import jwt
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..accounts.models import Account
from ..authn.sessions import LoginSession, expired
from ..consent import releases
from ..extensions import db
from ..loa import SESSION_LIMITS, Level
from ..organisations.acting import Subject
from ..secrets import digest, new_secret
from ..timeutil import utcnow
from . import claims as claims_mod
from . import client_auth, identifiers, rfc7523, rfc9449
from .client_credentials import ClientCredentialsGrant
from .introspection import IntrospectionEndpoint
from .models import AuthorizationCode, Client, Token
from .par import PushedAuthorizationEndpoint
from .revocation import RevocationEndpoint

ACCESS_TOKEN_SECONDS = 600
ID_TOKEN_SECONDS = 600


class AuthorizationServer(FlaskAuthorizationServer):
    def create_oauth2_request(self, request):
        # Requests resumed after a login are rebuilt from the stored parameters.
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def authenticate_client(self, request, methods, endpoint="token"):
        client_auth.check_credentials(request)
        return super().authenticate_client(request, methods, endpoint)

    def get_authorization_grant(self, request):
        if request.payload.response_type in AuthorizationCodeGrant.RESPONSE_TYPES:
            return super().get_authorization_grant(request)
        # Authlib would name the response type in its description, where a quote or a
        # non-ASCII letter is refused by its own error class (a 500 instead of an answer).
        client = self.query_client(request.payload.client_id)
        raise UnsupportedResponseTypeError(None, "Only response_type=code is supported.",
                                           redirect_uri=trusted_redirect_uri(request, client))

    def validate_requested_scope(self, scope):
        # RFC 6749 §3.3: the server may grant less than asked; scopes it does not know
        # are left out and the granted `scope` is named in the token response.
        return None


def trusted_redirect_uri(request: OAuth2Request, client: Client | None) -> str | None:
    """Where an error may be sent (RFC 6749 §4.1.2.1): only to a URI registered for a known client."""
    if client is None:
        return None
    requested = request.payload.redirect_uri
    if requested is None:
        return client.get_default_redirect_uri()
    return requested if client.check_redirect_uri(requested) else None


def _keys():
    return current_app.extensions["servicekonto.keys"]


def _issuer() -> str:
    return current_app.config["SERVICEKONTO"].issuer


def subject_for(client_id: str, account_id: str) -> str:
    return claims_mod.pairwise_subject(_keys().secret("pairwise"), client_id, account_id)


def sign_jwt(client: Client | None, payload: dict, typ: str = "JWT") -> str:
    return sign_with(client.id_token_signed_response_alg if client else "ES256", payload, typ)


def sign_with(alg: str, payload: dict, typ: str = "JWT") -> str:
    """A JWT signed with the provider's current key for `alg`."""
    key = _keys().signing_key(alg)
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": typ}, payload, key, algorithms=[alg])


class DPoPProofError(OAuth2Error):
    """RFC 9449 §5 at the token endpoint: 400, with a nonce to use when one is needed."""

    status_code = 400

    def __init__(self, problem: rfc9449.DPoPError):
        super().__init__(description=problem.description, error=problem.error)
        self.nonce = problem.nonce

    def get_headers(self):
        headers = super().get_headers()
        if self.nonce:
            headers.append(("DPoP-Nonce", self.nonce))
        return headers


class DPoPBinding:
    """Grants whose tokens are bound to the key of the request's DPoP proof."""

    def validate_token_request(self):
        super().validate_token_request()
        proofs = self.request.headers.getlist("DPoP")  # Flask's headers: each DPoP header
        try:
            self.request.dpop_jkt = rfc9449.token_request_key(
                self.request.client, proofs, _issuer() + url_for("oidc.token"),
                refreshed=getattr(self.request, "refresh_token", None))
        except rfc9449.DPoPError as exc:
            raise DPoPProofError(exc) from exc

    def generate_token(self, *args, **kwargs):
        token = super().generate_token(*args, **kwargs)
        if getattr(self.request, "dpop_jkt", None):
            token["token_type"] = "DPoP"  # RFC 9449 §5
        return token


class AuthorizationCodeGrant(DPoPBinding, grants.AuthorizationCodeGrant):
    """RFC 6749 §4.1 with PKCE (RFC 7636); codes live 60 s and are single-use."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        # Authlib quotes the refused URI in its description, and its error class refuses
        # a backslash, a homoglyph or a full-width digit there: the URI is not repeated.
        if request.payload.redirect_uri and trusted_redirect_uri(request, client) is None:
            raise InvalidRequestError("The redirect_uri is not registered for this client.")
        return grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

    def validate_token_request(self):
        super().validate_token_request()
        bound = self.request.authorization_code.dpop_jkt
        if bound and getattr(self.request, "dpop_jkt", None) != bound:
            raise DPoPProofError(rfc9449.DPoPError(
                "invalid_dpop_proof", "The code is bound to another key (dpop_jkt): a proof by that key is required."))

    def save_authorization_code(self, code, request):
        ctx = request.servicekonto  # set by the authorize endpoint: session and claims
        session: LoginSession = ctx["session"]
        db.session.add(AuthorizationCode(
            code_hash=digest(code),
            client_id=request.client.client_id,
            account_id=request.user.account.id,
            actor_id=request.user.actor.id if request.user.actor else None,
            session_id=session.id,
            redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=request.client.get_allowed_scope(request.scope),
            nonce=request.payload.data.get("nonce"),
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"),
            claims=ctx["claims"],
            level=session.level,
            amr=session.amr,
            auth_time=session.auth_time,
            grant_id=new_secret(16),
            dpop_jkt=request.payload.data.get("dpop_jkt"),
        ))
        account = request.user.account
        identifiers.remember(request.client.client_id, account, subject_for(request.client.client_id, account.id),
                             _keys().secret("pairwise"))
        db.session.commit()

    def query_authorization_code(self, code, client):
        item = db.session.scalar(select(AuthorizationCode).where(
            AuthorizationCode.code_hash == digest(code), AuthorizationCode.client_id == client.client_id))
        if item is None:
            return None
        if item.used_at is not None:
            # RFC 6749 §4.1.2: a code used twice revokes what it gave.
            revoke_grant(item.grant_id)
            db.session.commit()
            return None
        if item.is_expired():
            return None
        return item

    def delete_authorization_code(self, authorization_code):
        # Committed with the token by the token endpoint.
        authorization_code.used_at = utcnow()

    def authenticate_user(self, authorization_code):
        return _subject(authorization_code.account_id, authorization_code.actor_id)


# The attributes are loaded when claims are released, not for every token: a refresh
# or a code exchange without personal claims never reads them.
_WITHOUT_ATTRIBUTES = (lazyload(Account.attributes),)


def _subject(account_id: str, actor_id: str | None) -> Subject | None:
    account = db.session.get(Account, account_id, options=_WITHOUT_ATTRIBUTES)
    if account is None or not account.is_active:
        return None
    actor = db.session.get(Account, actor_id, options=_WITHOUT_ATTRIBUTES) if actor_id else None
    if actor_id and (actor is None or not actor.is_active):
        return None
    return Subject(account, actor)


class ServiceTokenGrant(DPoPBinding, ClientCredentialsGrant):
    """Client credentials (RFC 6749 §4.4); a service registered with --dpop gets its
    own tokens key-bound too, so a stolen API token is useless without the key."""


class RefreshTokenGrant(DPoPBinding, grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation; a refresh token used twice ends the whole grant
    (OAuth 2.0 Security BCP, RFC 9700 §4.14.2)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = Token.by_refresh_token(refresh_token)
        if token is None:
            return None
        if token.refresh_used_at is not None:
            revoke_grant(token.grant_id)
            db.session.commit()
            return None
        return token if refresh_token_usable(token) else None

    def authenticate_user(self, refresh_token):
        return _subject(refresh_token.account_id, refresh_token.actor_id)

    def revoke_old_credential(self, refresh_token):
        # Committed with the new token by the token endpoint.
        refresh_token.refresh_used_at = utcnow()


class ServicekontoOpenIDCode(OpenIDCode):
    """ID tokens with the level of assurance (SPEC §2) and a pairwise `sub`."""

    def exists_nonce(self, nonce, request):
        # Nonces are the client's replay protection; it checks them in the ID token.
        return False

    def encode_id_token(self, token, request):
        code: AuthorizationCode = request.authorization_code
        client: Client = request.client
        now = int(time.time())
        session = db.session.get(LoginSession, code.session_id) if code.session_id else None
        payload = {
            "iss": _issuer(),
            "sub": subject_for(client.client_id, code.account_id),
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": code.get_auth_time(),
            "acr": Level(code.level).eidas_uri,
            "amr": list(code.amr),
            "loa": Level(code.level).word,
        }
        if code.nonce:
            payload["nonce"] = code.nonce
        if session is not None:
            payload["sid"] = session.sid
        if code.actor_id:
            # RFC 8693 §4.1: the deputy who acts for the subject (Vertretung).
            payload["act"] = {"sub": subject_for(client.client_id, code.actor_id)}
        at_hash = create_half_hash(token["access_token"], client.id_token_signed_response_alg)
        if at_hash is not None:
            payload["at_hash"] = at_hash.decode()
        level = Level(code.level)
        wanted = claims_mod.requested_claims(code.scope, code.claims)
        account = request.user.account
        context = claims_context(account, client) if wanted["id_token"] or wanted["userinfo"] else {}
        released = claims_mod.release(account, wanted["id_token"], level, context) if wanted["id_token"] else {}
        payload.update(released)
        # What the access token lets the service read at /userinfo is released now
        # too, so that the record is written once per login and never per read.
        readable = claims_mod.release(account, wanted["userinfo"], level, context) if wanted["userinfo"] else {}
        releases.record(code.account_id, client, list(dict.fromkeys(["sub", *released, *readable])), level)
        # Committed with the token by the token endpoint.
        return sign_jwt(client, payload)


def claims_context(account: Account, client: Client) -> dict:
    return claims_mod.context_for(account, client, _keys().secret("pairwise"))


def refresh_token_usable(token: Token) -> bool:
    if token.refresh_used_at is not None or token.is_revoked():
        return False
    if token.refresh_expires_at and token.refresh_expires_at <= utcnow():
        return False
    if token.session_id:
        session = db.session.get(LoginSession, token.session_id)
        # A session past its limits is over even if the browser never came back to end it.
        if session is None or session.ended_at is not None or expired(session):
            return False
    return True


def revoke_grant(grant_id: str) -> None:
    now = utcnow()
    for token in db.session.scalars(select(Token).where(Token.grant_id == grant_id, Token.revoked_at.is_(None))):
        token.revoked_at = now


def save_token(token: dict, request) -> None:
    """Add a token response to the session (the token endpoint commits); only
    digests of the tokens are stored."""
    if request.authorization_code is not None:
        origin = request.authorization_code
        session_id, grant_id = origin.session_id, origin.grant_id
    else:
        origin = request.refresh_token
        session_id, grant_id = origin.session_id, origin.grant_id
    level = Level(origin.level)
    refresh_expires = origin.auth_time + SESSION_LIMITS[level].total if token.get("refresh_token") else None
    db.session.add(Token(
        client_id=request.client.client_id,
        account_id=request.user.account.id,
        session_id=session_id,
        grant_id=grant_id,
        scope=token.get("scope", origin.scope),
        claims=origin.claims,
        level=origin.level,
        amr=origin.amr,
        auth_time=origin.auth_time,
        actor_id=request.user.actor.id if request.user.actor else None,
        access_token_hash=digest(token["access_token"]),
        refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
        expires_in=token["expires_in"],
        refresh_expires_at=refresh_expires,
        dpop_jkt=getattr(request, "dpop_jkt", None),
    ))


def query_client(client_id: str) -> Client | None:
    client = db.session.get(Client, client_id) if client_id else None
    # A disabled client is unknown to every endpoint (`invalid_client`).
    return None if client is None or client.disabled else client


class _Issuer(IssuerParameter):
    def get_issuer(self):
        return _issuer()


authorization = AuthorizationServer()


def _new_token(client, grant_type, user=None, scope=None) -> str:
    return secrets.token_urlsafe(32)


def init_server(app) -> None:
    # 256 bits from the OS in one call; Authlib's default draws each of 42
    # characters separately (8 % of a code exchange's time).
    app.config.setdefault("OAUTH2_ACCESS_TOKEN_GENERATOR", _new_token)
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", _new_token)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {
        "authorization_code": ACCESS_TOKEN_SECONDS, "refresh_token": ACCESS_TOKEN_SECONDS,
        "client_credentials": ACCESS_TOKEN_SECONDS})
    # Through the config, not the shared server object: every init_app (a second app
    # in the same process) reloads scopes_supported from the config.
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(claims_mod.SCOPE_CLAIMS) + ["openid"])
    authorization.init_app(app, query_client=query_client, save_token=save_token)
    if getattr(authorization, "_servicekonto_grants", False):
        # The server object is shared by every app of the process (tests, CLI):
        # grants and extensions must be registered once, or `iss` is added twice.
        return
    authorization._servicekonto_grants = True
    pkce = CodeChallenge(required=True)
    pkce.SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    authorization.register_grant(AuthorizationCodeGrant, [ServicekontoOpenIDCode(require_nonce=False), pkce])
    authorization.register_grant(RefreshTokenGrant)
    authorization.register_grant(ServiceTokenGrant)
    authorization.register_extension(_Issuer())
    authorization.register_client_auth_method(rfc7523.METHOD, rfc7523.PrivateKeyJWT())
    authorization.register_endpoint(RevocationEndpoint)
    authorization.register_endpoint(IntrospectionEndpoint)
    authorization.register_endpoint(PushedAuthorizationEndpoint)
