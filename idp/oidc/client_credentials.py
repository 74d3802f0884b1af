"""RFC 6749 §4.4 client credentials: a service's own access token for calls between
services (e.g. the coming Postfach message API).

Such a token speaks for no person, so it carries only service scopes: the scopes
that release personal data (openid, profile, email, ...) are never granted here.
Asked-for scopes the grant does not give are left out (RFC 6749 §3.3); a request
left with none is refused with `invalid_scope`. There is no refresh token
(RFC 6749 §4.4.3): the service simply asks again.
"""
from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list

from ..extensions import db
from ..secrets import digest, new_secret
from .models import Token

GRANT_TYPE = "client_credentials"
# The one place service-to-service scopes are defined; none of them releases personal data.
SERVICE_SCOPES = ("postfach",)


def granted_scope(requested: str | None) -> str:
    return list_to_scope([s for s in dict.fromkeys(scope_to_list(requested) or []) if s in SERVICE_SCOPES])


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    # Confidential clients only (RFC 6749 §4.4): a public client has no credentials.
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    def validate_requested_scope(self):
        if not granted_scope(self.request.payload.scope):
            raise InvalidScopeError(description="Requested scope names no service scope: "
                                                + ", ".join(SERVICE_SCOPES))

    def create_token_response(self):
        scope = granted_scope(self.request.payload.scope)
        token = self.generate_token(scope=scope, include_refresh_token=False)
        # The token response names the granted scope, which may be less than asked.
        token["scope"] = scope
        db.session.add(Token(
            client_id=self.request.client.client_id,
            account_id=None,
            grant_id=new_secret(16),
            scope=scope,
            amr=[],
            access_token_hash=digest(token["access_token"]),
            expires_in=token["expires_in"],
            # Set by the DPoP binding of the grant (idp.oidc.server) when a proof came.
            dpop_jkt=getattr(self.request, "dpop_jkt", None),
        ))
        return 200, token, self.TOKEN_RESPONSE_HEADER
