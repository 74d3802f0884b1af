"""The decisions of the authorization endpoint (OIDC Core 3.1.2).

A request is validated once, stored, and then decided again each time the browser
comes back from a login, a step-up or the consent page, so nothing the online
service asked for is lost on the way.
"""
from __future__ import annotations

import re

import enum
from dataclasses import dataclass, field
from datetime import timedelta

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, OAuth2Request
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..authn.sessions import LoginSession
from ..extensions import db
from ..loa import Level, required_level
from ..organisations import delegation as delegations
from ..organisations.acting import acting_subject, entitlement_refusal
from ..secrets import new_secret
from ..timeutil import utcnow
from . import claims as claims_mod
from .models import AuthorizationRequestRecord, Client, Consent
from .server import authorization

# RFC 9449 §10: the SHA-256 thumbprint (RFC 7638) of the key a code is bound to.
DPOP_JKT = re.compile(r"[A-Za-z0-9_-]{43}")
# OIDC Core 3.1.2.1: seconds, ASCII digits (str.isdigit would let "²" or "１" through);
# ten digits are more than three centuries.
MAX_AGE = re.compile(r"[0-9]{1,10}")
REQUEST_VALIDITY = timedelta(minutes=30)


class UnmetAuthenticationRequirements(OAuth2Error):
    """OpenID Connect Core Unmet Authentication Requirements 1.0."""

    error = "unmet_authentication_requirements"


class Step(enum.Enum):
    REDIRECT = "redirect"  # back to the online service (code or error)
    LOGIN = "login"
    STEP_UP = "step_up"
    CONSENT = "consent"
    NOT_ENTITLED = "not_entitled"  # the account may not use this service: a page says why
    ERROR_PAGE = "error_page"  # the client or redirect URI cannot be trusted


@dataclass
class Outcome:
    step: Step
    location: str | None = None
    record: AuthorizationRequestRecord | None = None
    required: Level | None = None
    error: str | None = None
    description: str | None = None
    extra: dict = field(default_factory=dict)


class StoredRequest(OAuth2Request):
    def __init__(self, params: dict, uri: str):
        super().__init__("GET", uri)
        self.payload = BasicOAuth2Payload(params)

    @property
    def args(self):
        return self.payload.data

    @property
    def form(self):
        return {}


def _issuer() -> str:
    return current_app.config["SERVICEKONTO"].issuer


def _error_redirect(request: OAuth2Request, error: OAuth2Error) -> Outcome:
    if not getattr(error, "redirect_uri", None):
        return Outcome(Step.ERROR_PAGE, error=error.error, description=error.description)
    error.state = request.payload.state
    _, _, headers = error()
    location = dict(headers)["Location"]
    # RFC 9207: error responses carry the issuer too.
    return Outcome(Step.REDIRECT, location=add_params_to_uri(location, [("iss", _issuer())]))


def start(params: dict, login_session: LoginSession | None, flask_request) -> Outcome:
    """Validate a fresh request from the browser and decide it."""
    try:
        authorization.get_consent_grant(flask_request, end_user=None if login_session is None else True)
    except OAuth2Error as error:
        # prompt=none without a session is answered in `decide`, like every other case.
        if not isinstance(error, LoginRequiredError):
            return _error_redirect(authorization.create_oauth2_request(flask_request), error)
    record = AuthorizationRequestRecord(id=new_secret(), client_id=params.get("client_id"), params=params)
    db.session.add(record)
    db.session.commit()
    return decide(record, login_session)


def load(record_id: str) -> AuthorizationRequestRecord | None:
    record = db.session.get(AuthorizationRequestRecord, record_id or "")
    if record is None or record.created_at < utcnow() - REQUEST_VALIDITY:
        return None
    return record


def still_waiting(record_id: str | None) -> str | None:
    """The id of an authorization request a page was opened for (`anfrage`), if it
    still waits; anything else is dropped, never carried on."""
    return record_id if record_id and load(record_id) is not None else None


def client_of(record: AuthorizationRequestRecord) -> Client:
    """The online service a waiting request is for (a removed service takes its requests along)."""
    return db.session.get(Client, record.client_id)


def client_id_of(record_id: str | None) -> str | None:
    """The online service a login answers, for the audit log."""
    record = load(record_id) if record_id else None
    return record.client_id if record is not None else None


def required_for(record: AuthorizationRequestRecord, client: Client) -> Level:
    claims = claims_mod.parse_claims_parameter(record.params.get("claims"))
    asked = required_level(record.params.get("acr_values"), claims_mod.essential_acr_values(claims))
    return max(client.min_loa, asked or Level.NIEDRIG)


def requested_consent(record: AuthorizationRequestRecord) -> list[str]:
    claims = claims_mod.parse_claims_parameter(record.params.get("claims"))
    return claims_mod.consent_claims(record.params.get("scope", ""), claims)


def _needs_consent(account_id: str, client_id: str, wanted: list[str]) -> bool:
    consent = db.session.get(Consent, (account_id, client_id))
    return consent is None or not set(wanted) <= set(consent.claims)


def _finish(record: AuthorizationRequestRecord) -> None:
    db.session.delete(record)
    db.session.commit()


def decide(record: AuthorizationRequestRecord, login_session: LoginSession | None) -> Outcome:
    request = StoredRequest(dict(record.params), _issuer() + "/authorize")
    subject = acting_subject(login_session)
    account = subject.account if subject is not None else None
    try:
        grant = authorization.get_consent_grant(request, end_user=subject)
        client: Client = request.client
        params = record.params
        # FAPI 2.0 Security Profile §5.3.2.2: PKCE for every client of the profile
        # (those registered for PAR), as for every public client.
        if (client.public or client.require_pushed_authorization_requests) and not params.get("code_challenge"):
            raise InvalidRequestError("PKCE (code_challenge) is required for this client.",
                                      redirect_uri=grant.redirect_uri)
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.",
                                      redirect_uri=grant.redirect_uri)
        if "dpop_jkt" in params and not DPOP_JKT.fullmatch(str(params["dpop_jkt"])):
            raise InvalidRequestError("dpop_jkt must be a base64url JWK SHA-256 thumbprint.",
                                      redirect_uri=grant.redirect_uri)
        if "openid" not in (params.get("scope") or "").split():
            raise InvalidScopeError("The scope must contain 'openid'.", redirect_uri=grant.redirect_uri)
        try:
            claims = claims_mod.parse_claims_parameter(params.get("claims"))
        except claims_mod.ClaimsRequestError as exc:
            raise InvalidRequestError(str(exc), redirect_uri=grant.redirect_uri) from exc
        max_age = params.get("max_age")
        if max_age is not None:
            if not MAX_AGE.fullmatch(str(max_age)):
                raise InvalidRequestError("max_age must be a non-negative integer.", redirect_uri=grant.redirect_uri)
            max_age = int(max_age)

        required = required_for(record, client)
        prompts = (params.get("prompt") or "").split()
        now = utcnow()
        fresh = bool(login_session and record.login_at and login_session.auth_time >= record.created_at)
        too_old = bool(login_session and max_age is not None
                       and (now - login_session.auth_time).total_seconds() > max_age)
        wanted = claims_mod.consent_claims(params.get("scope", ""), claims)

        if "none" in prompts:
            if login_session is None or too_old or login_session.loa < required:
                raise LoginRequiredError(redirect_uri=grant.redirect_uri)
            if entitlement_refusal(subject, client) is not None:
                raise AccessDeniedError(NOT_ENTITLED_DESCRIPTION, redirect_uri=grant.redirect_uri)
            if _needs_consent(account.id, client.client_id, wanted):
                raise ConsentRequiredError(redirect_uri=grant.redirect_uri)
        else:
            if login_session is None or (("login" in prompts or too_old) and not fresh):
                return Outcome(Step.LOGIN, record=record)
            if entitlement_refusal(subject, client) is not None:
                return Outcome(Step.NOT_ENTITLED, record=record)
            if login_session.loa < required:
                return Outcome(Step.STEP_UP, record=record, required=required)
            if _needs_consent(account.id, client.client_id, wanted) or (
                    "consent" in prompts and not record.consent_given):
                return Outcome(Step.CONSENT, record=record)

        if subject.delegation is not None:
            delegations.record(subject.delegation, delegations.LOGGED_IN, client.name)
        request.servicekonto = {"session": login_session, "claims": claims}
        response = authorization.create_authorization_response(request=request, grant_user=subject, grant=grant)
        _finish(record)
        return Outcome(Step.REDIRECT, location=response.headers["Location"])
    except OAuth2Error as error:
        _finish(record)
        return _error_redirect(request, error)


def refuse(record: AuthorizationRequestRecord, error: OAuth2Error) -> Outcome:
    """The user declined (consent) or cannot reach the level: tell the service."""
    request = StoredRequest(dict(record.params), _issuer() + "/authorize")
    client = client_of(record)
    error.redirect_uri = request.payload.redirect_uri or client.get_default_redirect_uri()
    _finish(record)
    return _error_redirect(request, error)


NOT_ENTITLED_DESCRIPTION = "Das Konto ist fuer diesen Online-Dienst nicht freigeschaltet."


def not_entitled(record: AuthorizationRequestRecord) -> Outcome:
    """The user read why they may not use the service; the service learns only that."""
    return refuse(record, AccessDeniedError(NOT_ENTITLED_DESCRIPTION))


def deny(record: AuthorizationRequestRecord) -> Outcome:
    # RFC 6749 4.1.2.1: error_description is printable ASCII only.
    return refuse(record, AccessDeniedError("Der Nutzer hat die Datenuebermittlung abgelehnt."))


def cancel(record: AuthorizationRequestRecord) -> Outcome:
    """The person went back from the login page without logging in."""
    return refuse(record, AccessDeniedError("Der Nutzer hat die Anmeldung abgebrochen."))


def give_up_level(record: AuthorizationRequestRecord) -> Outcome:
    return refuse(record, UnmetAuthenticationRequirements(
        "Die Anmeldung erreicht nicht das verlangte Vertrauensniveau."))


def _store_consent(account_id: str, client_id: str, wanted: list[str]) -> None:
    """Add `wanted` to the standing consent. Two approvals for the same service can run
    at once (two tabs, a double click): the row the other one inserted after our look
    is taken up instead of failing on the primary key. The lock keeps a concurrent
    widening from being overwritten (PostgreSQL; SQLite writes one at a time anyway)."""
    key = (account_id, client_id)
    consent = db.session.get(Consent, key, with_for_update=True, populate_existing=True)
    if consent is None:
        try:
            with db.session.begin_nested():
                db.session.add(Consent(account_id=account_id, client_id=client_id, claims=sorted(set(wanted)),
                                       granted_at=utcnow()))
            return
        except IntegrityError:
            consent = db.session.get(Consent, key, with_for_update=True, populate_existing=True)
    consent.claims = sorted(set(consent.claims) | set(wanted))
    consent.granted_at = utcnow()


def grant_consent(record: AuthorizationRequestRecord, login_session: LoginSession) -> Outcome:
    wanted = requested_consent(record)
    account_id = acting_subject(login_session).account.id
    _store_consent(account_id, record.client_id, wanted)
    record.consent_given = True
    audit.record("consent.given", account_id=account_id, client_id=record.client_id, claims=sorted(wanted))
    db.session.commit()
    return decide(record, login_session)


def mark_logged_in(record: AuthorizationRequestRecord) -> None:
    record.login_at = utcnow()
    db.session.commit()
