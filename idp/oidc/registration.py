"""Dynamic client registration: RFC 7591 (register) and RFC 7592 (read, update,
delete with the registration access token).

Registration is not open: a service needs an initial access token from the operator
(`servicekonto clients registration-token`). Such a token is single use — it
registers exactly one client — and void after its expiry; only its digest is stored.
Metadata go through the same rules as `servicekonto clients add`
(`idp.clients.client_settings`). What only the operator decides (audience, roles,
approval, minimum level) is not registration metadata: registered services get the
defaults, for citizens, and the operator changes them if needed.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, update

from .. import audit
from ..clients import (ClientError, RedirectUriError, audit_change, client_settings, new_client_id, remove_client,
                       set_secret)
from ..extensions import db
from ..secrets import digest, new_secret, same
from ..timeutil import utcnow
from .models import Client, InitialAccessToken

DEFAULT_VALIDITY = timedelta(days=1)
# Registration metadata (RFC 7591 §2, OIDC Registration §2, RFC 9126 §6) and the
# `client_settings` argument each one sets.
_STRINGS = {"client_name": "name", "token_endpoint_auth_method": "token_endpoint_auth_method",
            "jwks_uri": "jwks_uri", "id_token_signed_response_alg": "id_token_alg",
            "userinfo_signed_response_alg": "userinfo_alg", "backchannel_logout_uri": "backchannel_logout_uri"}
_LISTS = {"redirect_uris": "redirect_uris", "post_logout_redirect_uris": "post_logout_redirect_uris",
          "grant_types": "grants", "response_types": None}


class RegistrationError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


def issue_initial_token(validity: timedelta = DEFAULT_VALIDITY) -> tuple[str, datetime]:
    secret = new_secret(32)
    expires = utcnow() + validity
    db.session.add(InitialAccessToken(token_hash=digest(secret), expires_at=expires))
    audit.record("operator.client", what="registration_token")
    db.session.commit()
    return secret, expires


def purge() -> int:
    """Initial access tokens past their expiry, used or not (`servicekonto purge`)."""
    return db.session.execute(delete(InitialAccessToken).where(InitialAccessToken.expires_at < utcnow())).rowcount


def _claim_initial_token(secret: str) -> bool:
    """Mark the token used in the caller's transaction; one UPDATE, so of two
    requests with the same token only one wins."""
    now = utcnow()
    claimed = db.session.execute(update(InitialAccessToken).where(
        InitialAccessToken.token_hash == digest(secret or ""), InitialAccessToken.used_at.is_(None),
        InitialAccessToken.expires_at > now).values(used_at=now))
    return claimed.rowcount == 1


def _settings(metadata) -> dict:
    if not isinstance(metadata, dict):
        raise RegistrationError("invalid_client_metadata", "the body must be a JSON object")
    kwargs: dict = {}
    for field, arg in _STRINGS.items():
        value = metadata.get(field)
        if value is not None and not isinstance(value, str):
            raise RegistrationError("invalid_client_metadata", f"{field} must be a string")
        if value is not None:
            kwargs[arg] = value
    for field, arg in _LISTS.items():
        value = metadata.get(field)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise RegistrationError("invalid_client_metadata", f"{field} must be a list of strings")
        if value is not None and arg:
            kwargs[arg] = value
    kwargs.setdefault("name", "")
    kwargs.setdefault("redirect_uris", [])
    grants = kwargs.get("grants")
    if grants is not None:
        # refresh_token comes with authorization_code and is no grant of its own here.
        if "refresh_token" in grants and "authorization_code" not in grants:
            raise RegistrationError("invalid_client_metadata", "refresh_token needs authorization_code")
        kwargs["grants"] = [g for g in grants if g != "refresh_token"]
    code = "authorization_code" in (kwargs.get("grants") or ["authorization_code"])
    if metadata.get("response_types", ["code"] if code else []) != (["code"] if code else []):
        raise RegistrationError("invalid_client_metadata",
                                "response_types must be [\"code\"] with authorization_code, else empty")
    if metadata.get("jwks") is not None:
        if not isinstance(metadata["jwks"], dict):
            raise RegistrationError("invalid_client_metadata", "jwks must be a JSON Web Key Set")
        kwargs["jwks"] = metadata["jwks"]
    par = metadata.get("require_pushed_authorization_requests", False)
    if not isinstance(par, bool):
        raise RegistrationError("invalid_client_metadata", "require_pushed_authorization_requests must be a boolean")
    kwargs["require_par"] = par
    try:
        return client_settings(**kwargs)
    except RedirectUriError as exc:
        raise RegistrationError("invalid_redirect_uri", str(exc)) from exc
    except ClientError as exc:
        raise RegistrationError("invalid_client_metadata", str(exc)) from exc


def register(initial_token: str, metadata, base_uri: str) -> dict | None:
    """RFC 7591 §3.2.1: the new client's information, or None when the initial access
    token is unknown, used or expired."""
    try:
        if not _claim_initial_token(initial_token):
            db.session.rollback()
            return None
        client = Client(client_id=new_client_id(), **_settings(metadata))
    except RegistrationError:
        db.session.rollback()  # the initial access token stays usable
        raise
    secret = set_secret(client)
    access_token = new_secret(32)
    client.registration_access_token_hash = digest(access_token)
    db.session.add(client)
    db.session.flush()
    db.session.execute(update(InitialAccessToken).where(InitialAccessToken.token_hash == digest(initial_token))
                       .values(client_id=client.client_id))
    audit_change(client.client_id, "register")
    db.session.commit()
    return describe(client, base_uri, secret=secret, access_token=access_token)


def managed_client(client_id: str, access_token: str) -> Client | None:
    """RFC 7592 §2: the client its registration access token belongs to; unknown,
    disabled and operator-registered clients all look the same (None)."""
    client = db.session.get(Client, client_id)
    if client is None or client.disabled or not client.registration_access_token_hash:
        return None
    return client if same(digest(access_token or ""), client.registration_access_token_hash) else None


def update_client(client: Client, metadata, base_uri: str) -> dict:
    """RFC 7592 §2.2: the sent metadata replace the registered ones."""
    if not isinstance(metadata, dict) or metadata.get("client_id") != client.client_id:
        raise RegistrationError("invalid_request", "client_id must be the registered one")
    if "client_secret" in metadata and not client.check_client_secret(metadata["client_secret"]):
        raise RegistrationError("invalid_request", "client_secret does not match")
    settings = _settings(metadata)
    for field, value in settings.items():
        setattr(client, field, value)
    secret = set_secret(client)
    audit_change(client.client_id, "update")
    db.session.commit()
    return describe(client, base_uri, secret=secret)


def delete_client(client: Client) -> None:
    remove_client(client.client_id)


def describe(client: Client, base_uri: str, secret: str | None = None, access_token: str | None = None) -> dict:
    body = {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created_at.replace(tzinfo=timezone.utc).timestamp()),
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "grant_types": client.grant_types,
        "response_types": ["code"] if "authorization_code" in client.grant_types else [],
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "jwks": client.jwks,
        "jwks_uri": client.jwks_uri,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "userinfo_signed_response_alg": client.userinfo_signed_response_alg,
        "require_pushed_authorization_requests": client.require_pushed_authorization_requests,
        "registration_client_uri": f"{base_uri}/{client.client_id}",
    }
    if secret:
        # Only its digest is kept: the secret is shown when issued, never again.
        body.update(client_secret=secret, client_secret_expires_at=0)
    if access_token:
        body["registration_access_token"] = access_token
    return {k: v for k, v in body.items() if v is not None}
