"""RFC 9101 JWT-Secured Authorization Requests: a `request` object signed with the
client's registered key, by value at /authorize or pushed to /par.

Only the parameters inside a valid object count (RFC 9101 §6.3); a request object
that cannot be used is refused with a standard error, never skipped.
"""
from __future__ import annotations

import json
from datetime import timezone

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from ..timeutil import utcnow
from .models import Client
from .rfc7523 import ALGORITHMS, client_keys

MAX_LIFETIME = 3600  # FAPI 2.0 Message Signing §5.3.1: exp at most 60 minutes after nbf
CLOCK_SKEW = 10
_JWT_CLAIMS = ("iss", "aud", "exp", "iat", "nbf", "jti", "sub")


class InvalidRequestObject(OAuth2Error):
    error = "invalid_request_object"


class RequestNotSupported(OAuth2Error):
    error = "request_not_supported"


class InvalidRequestUri(OAuth2Error):
    error = "invalid_request_uri"


class RequestUriNotSupported(OAuth2Error):
    error = "request_uri_not_supported"


def _now() -> int:
    return int(utcnow().replace(tzinfo=timezone.utc).timestamp())


def _check_claims(claims: dict, client: Client) -> None:
    now = _now()
    if claims.get("iss") != client.client_id:
        raise InvalidRequestObject("iss must be the client_id.")
    if claims.get("client_id") != client.client_id:
        raise InvalidRequestObject("client_id inside and outside the request object differ.")
    aud = claims.get("aud")
    issuer = current_app.config["SERVICEKONTO"].issuer
    if aud != issuer and not (isinstance(aud, list) and issuer in aud):
        raise InvalidRequestObject("aud must be the issuer.")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp <= now - CLOCK_SKEW:
        raise InvalidRequestObject("The request object has no exp or has expired.")
    if exp > now + MAX_LIFETIME + CLOCK_SKEW:
        raise InvalidRequestObject("The request object may be valid for 60 minutes at most.")
    nbf = claims.get("nbf")
    if nbf is not None and (not isinstance(nbf, int) or nbf > now + CLOCK_SKEW):
        raise InvalidRequestObject("The request object is not valid yet.")
    if "request" in claims or "request_uri" in claims:
        raise InvalidRequestObject("A request object cannot contain another.")


def _as_parameter(value) -> str:
    # The claims parameter is an object inside the JWT and a JSON string on the URL.
    return value if isinstance(value, str) else json.dumps(value)


def read(client: Client, request_object: str) -> dict:
    """The authorization parameters of a verified request object."""
    if request_object.count(".") == 4:
        raise RequestNotSupported("Encrypted request objects are not supported.")
    if request_object.count(".") != 2:
        raise InvalidRequestObject("The request object is no signed JWT.")
    if not (client.jwks or client.jwks_uri):
        raise InvalidRequestObject("The client has no keys registered to sign request objects.")
    try:
        token = jwt.decode(request_object, lambda obj: client_keys(client, obj.headers().get("kid")),
                           algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise InvalidRequestObject("The request object's signature cannot be verified.") from exc
    except InvalidClientError as exc:
        raise InvalidRequestObject(exc.description) from exc
    _check_claims(token.claims, client)
    return {k: _as_parameter(v) for k, v in token.claims.items() if k not in _JWT_CLAIMS and v is not None}
