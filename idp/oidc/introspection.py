"""RFC 7662 token introspection for the client a token was issued to.

Another client's token, an unknown, expired or revoked one all look the same:
`{"active": false}` (RFC 7662 §2.2), so the endpoint tells nobody about tokens it
did not issue to them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timezone

from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint
from flask import current_app

from ..accounts.models import Account
from ..extensions import db
from ..loa import Level
from .models import Token
from .revocation import TokenTypeHintCheck, find_token

# Introspection needs an authenticated client (RFC 7662 §2.1).
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
# RFC 9701 §4: a resource server that asks for this gets the answer as a signed JWT.
JWT_RESPONSE = "application/token-introspection+jwt"


@dataclass
class Presented:
    """A token as presented: the same row answers for its access and refresh token."""

    token: Token
    refresh: bool


def _epoch(moment) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def is_active(presented: Presented) -> bool:
    from .server import refresh_token_usable  # the grant's own rules for refresh tokens

    token = presented.token
    client = token.get_client()
    if client is None or client.disabled or token.is_revoked():
        return False
    if token.account_id is not None:
        account = db.session.get(Account, token.account_id)
        if account is None or not account.is_active:
            return False
    if presented.refresh:
        return refresh_token_usable(token)
    return not token.is_expired()


def describe(presented: Presented) -> dict:
    from .server import subject_for

    token = presented.token
    if presented.refresh:
        expires = _epoch(token.refresh_expires_at) if token.refresh_expires_at else None
    else:
        expires = _epoch(token.issued_at) + token.expires_in
    body = {
        "active": True,
        "scope": token.scope,
        "client_id": token.client_id,
        "iss": current_app.config["SERVICEKONTO"].issuer,
        "iat": _epoch(token.issued_at),
        "exp": expires,
        "token_type": None if presented.refresh else ("DPoP" if token.dpop_jkt else "Bearer"),
    }
    if token.account_id is not None:
        # A client credentials token speaks for no person: no subject, no login.
        level = Level(token.level)
        body.update(sub=subject_for(token.client_id, token.account_id), auth_time=_epoch(token.auth_time),
                    acr=level.eidas_uri, loa=level.word)
    if token.dpop_jkt and not (presented.refresh and not token.get_client().public):
        # RFC 9449 §6.2; a confidential client's refresh token is not bound (§5).
        body["cnf"] = {"jkt": token.dpop_jkt}
    return {k: v for k, v in body.items() if v is not None}


class IntrospectionEndpoint(TokenTypeHintCheck, _IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = INTROSPECTION_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        token = find_token(token_string, token_type_hint)
        if token is None:
            return None
        return Presented(token, refresh=Token.by_refresh_token(token_string) is token)

    def check_permission(self, presented: Presented, client, request):
        return presented.token.client_id == client.client_id

    def create_introspection_payload(self, presented: Presented | None):
        if presented is None or not is_active(presented):
            return {"active": False}
        return describe(presented)

    def create_endpoint_response(self, request):
        client = self.authenticate_endpoint_client(request)
        body = self.create_introspection_payload(self.authenticate_token(request, client))
        if JWT_RESPONSE not in (request.headers.get("Accept") or ""):
            return 200, body, [("Content-Type", "application/json")]
        from .server import sign_jwt

        # RFC 9701 §5: signed like the client's ID tokens, for it alone.
        signed = sign_jwt(client, {"iss": current_app.config["SERVICEKONTO"].issuer, "aud": client.client_id,
                                   "iat": int(time.time()), "token_introspection": body},
                          typ="token-introspection+jwt")
        return 200, signed, [("Content-Type", JWT_RESPONSE)]
