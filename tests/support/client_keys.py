"""A service's own keys: key pairs, their public JWKS, and RFC 7523 client assertions
signed with them (on the application's clock, which tests move)."""
from __future__ import annotations

import secrets
from datetime import timezone

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from idp import timeutil

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def new_key(kind="EC", kid=None):
    key_type = ECKey if kind == "EC" else RSAKey
    key = key_type.generate_key("P-256" if kind == "EC" else 2048, parameters={"kid": kid} if kid else None)
    key.ensure_kid()
    return key


def public_jwks(*keys) -> dict:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def now() -> int:
    return int(timeutil.utcnow().replace(tzinfo=timezone.utc).timestamp())


def sign(key, claims: dict, alg="ES256", kid="__key__") -> str:
    header = {"alg": alg}
    kid = key.kid if kid == "__key__" else kid
    if kid:
        header["kid"] = kid
    return jwt.encode(header, claims, key, algorithms=[alg])


def assertion(app, rp, key, alg="ES256", **overrides) -> str:
    t = now()
    claims = dict(iss=rp.client_id, sub=rp.client_id, aud=app.config["SERVICEKONTO"].issuer,
                  jti=secrets.token_urlsafe(16), iat=t, exp=t + 60)
    claims.update(overrides)
    return sign(key, {k: v for k, v in claims.items() if v is not None}, alg)


def form(client_assertion: str, **data) -> dict:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": client_assertion, **data}


def dpop_proof(app, key, method: str = "POST", path: str = "/token", access_token: str | None = None,
               nonce: str | None = None) -> str:
    """An RFC 9449 proof for one request to `path` at the provider (`ath` for a resource)."""
    import base64
    import hashlib
    import uuid

    claims = {"jti": uuid.uuid4().hex, "htm": method, "htu": app.config["SERVICEKONTO"].issuer + path, "iat": now()}
    if access_token:
        claims["ath"] = base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
    if nonce:
        claims["nonce"] = nonce
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key, algorithms=["ES256"])
