"""Clients, codes, tokens and consents (Authlib model contracts)."""
from __future__ import annotations

from datetime import datetime, timezone

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..loa import Level
from ..secrets import digest, same
from ..timeutil import utcnow
from .claims import SCOPE_CLAIMS

SUPPORTED_SCOPES = ("openid", *SCOPE_CLAIMS)
SECRET_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
# A client registered for the authorization code grant may refresh its tokens too.
CODE_GRANTS = ("authorization_code", "refresh_token")


class Client(db.Model, ClientMixin):
    __tablename__ = "oidc_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(Text)
    min_level: Mapped[int] = mapped_column(Integer, default=int(Level.NIEDRIG))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(16), default="ES256")
    allowed_scopes: Mapped[list] = mapped_column(JSON, default=lambda: list(SUPPORTED_SCOPES))
    # Who the service is for: "citizens", "organisations" or "both" (SPEC §6).
    audience: Mapped[str] = mapped_column(String(16), default="citizens")
    # The roles an organisation can give its users for this service.
    roles: Mapped[list] = mapped_column(JSON, default=list)
    # "auto": an organisation's subscription is active at once; "leitstelle": after
    # approval by the service's Fachliche Leitstelle.
    approval: Mapped[str] = mapped_column(String(16), default="auto")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # RFC 7591 §2: how the client authenticates at /token, /revoke and /introspect.
    # client_secret_basic and client_secret_post are one credential sent two ways,
    # so a client with a secret may use either.
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32), default="client_secret_basic")
    # RFC 7523 private_key_jwt: the client's public keys, inline or at a URI.
    jwks: Mapped[dict | None] = mapped_column(JSON)
    jwks_uri: Mapped[str | None] = mapped_column(Text)
    # A disabled client is refused everywhere; its tokens were revoked when it was disabled.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # RFC 9126 §6: authorization requests only through /par.
    require_pushed_authorization_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    # RFC 9449 §5.2: tokens only with a DPoP proof (and a server nonce).
    dpop_bound_access_tokens: Mapped[bool] = mapped_column(Boolean, default=False)
    # RFC 7591 §2 grant_types: the code grants, client_credentials (service to service) or both.
    grant_types: Mapped[list] = mapped_column(JSON, default=lambda: list(CODE_GRANTS))
    # OIDC Registration §2: /userinfo answers a signed JWT instead of JSON when set.
    userinfo_signed_response_alg: Mapped[str | None] = mapped_column(String(16))
    # RFC 7592: set for clients registered at /register, which manage themselves with it.
    registration_access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The catalogue of online services (SPEC §5); the operator's entry, not registration metadata.
    description: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(String(200))  # the responsible authority (Behörde)
    start_url: Mapped[str | None] = mapped_column(Text)  # "Hier starten"
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    fees: Mapped[str | None] = mapped_column(Text)
    in_catalogue: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def min_loa(self) -> Level:
        return Level(self.min_level)

    @property
    def for_citizens(self) -> bool:
        return self.audience in ("citizens", "both")

    @property
    def for_organisations(self) -> bool:
        return self.audience in ("organisations", "both")

    # Authlib ClientMixin
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # Never guess: a request must name its redirect URI unless exactly one is registered.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(self.allowed_scopes)
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri):
        # Exact string comparison (RFC 9700 §4.1.3): no prefix, no normalisation.
        return any(same(redirect_uri, uri) for uri in self.redirect_uris)

    def check_client_secret(self, client_secret):
        if self.public or not self.client_secret_hash:
            return False
        return same(digest(client_secret or ""), self.client_secret_hash)

    def check_endpoint_auth_method(self, method, endpoint):
        registered = self.token_endpoint_auth_method or ("none" if self.public else "client_secret_basic")
        if registered in SECRET_AUTH_METHODS:
            return method in SECRET_AUTH_METHODS
        return method == registered

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class AuthorizationRequestRecord(db.Model):
    """An authorization request waiting for a login, a step-up or a consent."""

    __tablename__ = "oidc_authorization_request"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"))
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    login_at: Mapped[datetime | None]
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)


class AuthorizationCode(db.Model, AuthorizationCodeMixin):
    __tablename__ = "oidc_authorization_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    claims: Mapped[dict | None] = mapped_column(JSON)
    level: Mapped[int] = mapped_column(Integer)
    amr: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    grant_id: Mapped[str] = mapped_column(String(64))
    # A deputy who logged in for `account_id` (Vertretung; RFC 8693 `act`).
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    # RFC 9449 §10: only a DPoP proof by this key exchanges the code.
    dpop_jkt: Mapped[str | None] = mapped_column(String(64))

    LIFETIME_SECONDS = 60

    def is_expired(self) -> bool:
        return (utcnow() - self.created_at).total_seconds() > self.LIFETIME_SECONDS

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        # Stored as naive UTC: say so, or timestamp() reads it as the server's local time.
        return int(self.auth_time.replace(tzinfo=timezone.utc).timestamp()) if self.auth_time else None

    def get_acr(self):
        return Level(self.level).eidas_uri

    def get_amr(self):
        return list(self.amr)


class Token(db.Model, TokenMixin):
    __tablename__ = "oidc_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), index=True)
    # None for a token of the client credentials grant: it belongs to the service
    # alone, with no account, no login and so no level or auth_time.
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    grant_id: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(Text)
    claims: Mapped[dict | None] = mapped_column(JSON)
    level: Mapped[int | None] = mapped_column(Integer)
    amr: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[datetime | None]
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_in: Mapped[int] = mapped_column(Integer)
    refresh_expires_at: Mapped[datetime | None]
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    # RFC 9449 §6: the thumbprint of the key the access token (and a public client's
    # refresh token) is bound to; None for bearer tokens.
    dpop_jkt: Mapped[str | None] = mapped_column(String(64))

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return (utcnow() - self.issued_at).total_seconds() >= self.expires_in

    def is_revoked(self):
        return self.revoked_at is not None

    def get_user(self):
        return self.account_id

    def get_client(self):
        return db.session.get(Client, self.client_id)

    # Both hashes are unique; asked on every API call, userinfo and refresh.
    @classmethod
    def by_access_token(cls, token: str) -> "Token | None":
        return db.session.scalar(select(cls).where(cls.access_token_hash == digest(token or "")))

    @classmethod
    def by_refresh_token(cls, token: str) -> "Token | None":
        return db.session.scalar(select(cls).where(cls.refresh_token_hash == digest(token or "")))


class Consent(db.Model):
    """A standing consent of an account for a client, remembered per service."""

    __tablename__ = "oidc_consent"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    claims: Mapped[list] = mapped_column(JSON, default=list)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientAssertionUse(db.Model):
    """A `jti` of a client assertion (RFC 7523 §3 item 7) seen before: a row per use,
    so a replay is refused by the primary key in every worker process."""

    __tablename__ = "oidc_client_assertion_jti"

    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PushedRequest(db.Model):
    """An authorization request pushed to /par (RFC 9126), waiting for the browser."""

    __tablename__ = "oidc_pushed_request"

    uri_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"))
    params: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class DPoPProofUse(db.Model):
    """A DPoP proof (RFC 9449 §11.1) seen before, by key and `jti`: a replay is refused
    by the primary key in every worker process."""

    __tablename__ = "oidc_dpop_proof_jti"

    jkt: Mapped[str] = mapped_column(String(64), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class InitialAccessToken(db.Model):
    """RFC 7591 §3: what an operator hands out so a service may register itself at
    /register. Single use: it registers one client, and is void after its expiry."""

    __tablename__ = "oidc_initial_access_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    client_id: Mapped[str | None] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="SET NULL"))


class IssuedIdentifier(db.Model):
    """A pairwise identifier a client has received: its `sub` for an account, or the
    `organisation.id` for an organisation. The identifiers are one-way (HMAC), so this
    is how an identifier a service names (the Postfach API) leads back to its owner,
    and the proof that the service knows that owner."""

    __tablename__ = "oidc_issued_identifier"

    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "sub" | "organisation"
    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
