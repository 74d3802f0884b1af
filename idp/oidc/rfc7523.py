"""RFC 7523 §2.2 client authentication with a signed JWT (`private_key_jwt`, OIDC
Core §9), the way FAPI 2.0 Security Profile §5.3.2.1 wants it: asymmetric algorithms
only, a short-lived assertion, each `jti` once.

The client's public keys are registered inline (`jwks`) or at a URI (`jwks_uri`);
keys from a URI are cached briefly and fetched again when an assertion names a key
the cache does not know, so a client can rotate without telling anyone.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import requests
from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import current_app, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete

from .. import database
from ..extensions import db
from ..timeutil import utcnow
from .models import Client, ClientAssertionUse

METHOD = "private_key_jwt"
ALGORITHMS = ["ES256", "RS256", "PS256"]
MAX_LIFETIME = 300  # seconds an assertion may be valid ahead
CLOCK_SKEW = 10
JWKS_CACHE_SECONDS = 300
JWKS_REFETCH_GAP = 10.0  # an unknown kid fetches again at most this often
JWKS_MAX_BYTES = 64 * 1024
FETCH_TIMEOUT = 5


class RemoteKeySets:
    """Clients' JWKS fetched from their jwks_uri, per process."""

    def __init__(self):
        self._cache: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def get(self, uri: str, kid: str | None) -> KeySet:
        with self._lock:
            entry = self._cache.get(uri)
        now = time.monotonic()
        if entry is not None:
            fetched, keys = entry
            fresh = now - fetched < JWKS_CACHE_SECONDS
            known = kid is None or any(k.kid == kid for k in keys)
            if fresh and (known or now - fetched < JWKS_REFETCH_GAP):
                return keys
        keys = fetch_jwks(uri)
        with self._lock:
            self._cache[uri] = (now, keys)
        return keys

    def forget(self, uri: str) -> None:
        with self._lock:
            self._cache.pop(uri, None)


remote_keys = RemoteKeySets()


def parse_jwks(data) -> KeySet:
    """Only public asymmetric keys: a JWKS with secrets in it is a mistake to refuse."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ValueError("a JWKS is an object with a non-empty list 'keys'")
    keys = KeySet.import_key_set(data)
    for key in keys:
        if key.key_type not in ("EC", "RSA") or key.is_private:
            raise ValueError("a client JWKS holds public EC or RSA keys only")
    return keys


def fetch_jwks(uri: str) -> KeySet:
    try:
        response = requests.get(uri, timeout=FETCH_TIMEOUT, allow_redirects=False, stream=True)
        body = response.raw.read(JWKS_MAX_BYTES + 1, decode_content=True)
        if response.status_code != 200 or len(body) > JWKS_MAX_BYTES:
            raise ValueError(f"status {response.status_code}, {len(body)} bytes")
        return parse_jwks(json.loads(body))
    except (requests.RequestException, ValueError, JoseError) as exc:
        current_app.logger.warning("JWKS of a client at %s unusable: %s", uri, exc)
        raise InvalidClientError(description="The client's keys cannot be fetched.") from exc


def client_keys(client: Client, kid: str | None) -> KeySet:
    if client.jwks:
        return parse_jwks(client.jwks)
    if client.jwks_uri:
        return remote_keys.get(client.jwks_uri, kid)
    raise InvalidClientError(description="The client has no keys registered.")


def _epoch_now() -> int:
    # The one clock of the application (tests move it).
    return int(utcnow().replace(tzinfo=timezone.utc).timestamp())


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = METHOD

    def __init__(self):
        super().__init__(validate_jti=True, leeway=CLOCK_SKEW)

    def get_audiences(self):
        issuer = current_app.config["SERVICEKONTO"].issuer
        return [issuer, issuer + url_for("oidc.token")]

    def resolve_client_public_key(self, client: Client):
        if client.token_endpoint_auth_method != METHOD:
            raise InvalidClientError(description="The client is not registered for private_key_jwt.")

        def resolve(token):
            kid = token.headers().get("kid")
            keys = client_keys(client, kid)
            if kid is None and len(keys.keys) > 1:
                raise InvalidClientError(description="The assertion must name its key (kid).")
            return keys

        return resolve

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ALGORITHMS)
        except JoseError as exc:
            raise InvalidClientError(description=f"The client assertion is invalid: {exc.error}") from exc
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims):
        now = _epoch_now()
        client_id = claims.get("sub")
        if claims.get("iss") != client_id:
            raise InvalidClientError(description="iss and sub must both be the client_id.")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not set(audiences) & set(self.get_audiences()):
            raise InvalidClientError(description="aud must be the issuer or the token endpoint.")
        exp = claims.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise InvalidClientError(description="exp is required.")
        if exp <= now - CLOCK_SKEW:
            raise InvalidClientError(description="The client assertion has expired.")
        if exp > now + MAX_LIFETIME + CLOCK_SKEW:
            raise InvalidClientError(description=f"exp may be at most {MAX_LIFETIME} s ahead.")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and (not isinstance(value, int) or value > now + CLOCK_SKEW):
                raise InvalidClientError(description=f"{name} lies in the future.")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 255:
            raise InvalidClientError(description="jti is required.")
        if not self.validate_jti(claims, jti):
            raise InvalidClientError(description="The client assertion was used before.")

    def validate_jti(self, claims, jti):
        expires = datetime.fromtimestamp(claims["exp"] + CLOCK_SKEW, timezone.utc).replace(tzinfo=None)
        return database.first_use(ClientAssertionUse(client_id=claims["sub"], jti=jti, expires_at=expires))


def purge() -> int:
    return db.session.execute(delete(ClientAssertionUse).where(ClientAssertionUse.expires_at < utcnow())).rowcount
