"""RFC 7009 token revocation, and the revocations users expect without asking for
them: a withdrawn consent and a disabled client end the tokens at once."""
from __future__ import annotations

from authlib.oauth2.rfc6749 import UnsupportedTokenTypeError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from .models import Token

# RFC 7009 §5: a public client may revoke its own tokens with its client_id alone;
# the token itself is the proof.
REVOCATION_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


def find_token(token_string: str, hint: str | None) -> Token | None:
    """The hint only decides which kind is looked up first (RFC 7009 §2.1)."""
    if hint == "refresh_token":
        return Token.by_refresh_token(token_string) or Token.by_access_token(token_string)
    return Token.by_access_token(token_string) or Token.by_refresh_token(token_string)


class TokenTypeHintCheck:
    """Authlib answers an unknown `token_type_hint` with 401; RFC 7009 §2.2.1 and
    RFC 6749 §5.2 make it a 400 like every error but invalid_client."""

    def check_params(self, request, client):
        try:
            super().check_params(request, client)
        except UnsupportedTokenTypeError as error:
            error.status_code = 400
            raise


def revoke_tokens(*conditions) -> int:
    now = utcnow()
    count = 0
    for token in db.session.scalars(select(Token).where(Token.revoked_at.is_(None), *conditions)):
        token.revoked_at = now
        count += 1
    return count


def revoke_for_consent(account_id: str, client_id: str) -> int:
    return revoke_tokens(Token.account_id == account_id, Token.client_id == client_id)


def revoke_for_client(client_id: str) -> int:
    return revoke_tokens(Token.client_id == client_id)


class RevocationEndpoint(TokenTypeHintCheck, _RevocationEndpoint):
    CLIENT_AUTH_METHODS = REVOCATION_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)

    def revoke_token(self, token: Token, request):
        # A refresh token stands for the whole grant (RFC 7009 §2.1: its access
        # tokens SHOULD go too); an access token takes its own refresh token along,
        # the row holds both.
        if token.refresh_token_hash and Token.by_refresh_token(request.form["token"]) is token:
            revoke_tokens(Token.grant_id == token.grant_id)
        else:
            revoke_tokens(Token.id == token.id)
        db.session.commit()
