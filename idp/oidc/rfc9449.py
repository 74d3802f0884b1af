"""RFC 9449 DPoP: proofs of possession of a key, and tokens bound to that key.

A proof is a JWT the client signs for one request (`htm`, `htu`), shortly (`iat`),
once (`jti`), and at a resource for one access token (`ath`). Tokens issued to a
proof carry the key's RFC 7638 thumbprint (`cnf.jkt`); only the holder of the key
can use them.

Server nonces (§8, §9) are stateless: an HMAC over a five-minute window, so every
worker process accepts the nonce another one issued. They are required from clients
registered with `--dpop` (`dpop_bound_access_tokens`, §5.2), at the token endpoint
and with their tokens at resources; other clients may send a proof without a nonce,
but a nonce they send must be valid.

Module without `flask.request`: callers pass method, URL and header values.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from joserfc.jws import JWSRegistry
from sqlalchemy import delete

from .. import database
from ..extensions import db
from ..timeutil import utcnow
from .models import DPoPProofUse

TYP = "dpop+jwt"
# Ed25519 is the name RFC 9864 gives; EdDSA (deprecated there) is what clients send today.
ALGORITHMS = ["ES256", "RS256", "PS256", "Ed25519", "EdDSA"]
IAT_WINDOW = 60  # seconds a proof's iat may lie behind or ahead of our clock
NONCE_WINDOW = 300  # a nonce is accepted in its window and the one after
MAX_PROOF_BYTES = 8 * 1024


class _ProofRegistry(JWSRegistry):
    # The header carries the key: an RSA key does not fit joserfc's default 512 bytes.
    max_header_length = 4096


_REGISTRY = _ProofRegistry(algorithms=ALGORITHMS)


class DPoPError(Exception):
    """`invalid_dpop_proof`, or `use_dpop_nonce` with a fresh nonce to use (§8)."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description
        self.nonce = new_nonce() if error == "use_dpop_nonce" else None


def _invalid(description: str) -> DPoPError:
    return DPoPError("invalid_dpop_proof", description)


@dataclass(frozen=True)
class Proof:
    jkt: str
    claims: dict


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def access_token_hash(access_token: str) -> str:
    """`ath` (§4.2): base64url of the SHA-256 of the access token."""
    return _b64(hashlib.sha256(access_token.encode()).digest())


def _epoch_now() -> int:
    # The one clock of the application (tests move it).
    return int(utcnow().replace(tzinfo=timezone.utc).timestamp())


def _nonce_mac(window: int) -> bytes:
    key = current_app.extensions["servicekonto.keys"].secret("dpop-nonce")
    return hmac.new(key, struct.pack(">Q", window), hashlib.sha256).digest()[:16]


def new_nonce() -> str:
    window = _epoch_now() // NONCE_WINDOW
    return _b64(struct.pack(">Q", window) + _nonce_mac(window))


def nonce_valid(nonce) -> bool:
    if not isinstance(nonce, str) or len(nonce) > 64:
        return False
    try:
        raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
    except ValueError:
        return False
    if len(raw) != 24:
        return False
    window = struct.unpack(">Q", raw[:8])[0]
    current = _epoch_now() // NONCE_WINDOW
    return window in (current, current - 1) and hmac.compare_digest(raw[8:], _nonce_mac(window))


def _public_key(header: dict):
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise _invalid("The proof must carry the public key (jwk) in its header.")
    if {"d", "p", "q", "dp", "dq", "qi", "oth", "k"} & set(jwk):
        raise _invalid("The jwk of the proof must not hold private key material.")
    try:
        key = JWKRegistry.import_key(jwk)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise _invalid("The jwk of the proof is not a usable key.") from exc
    if key.is_private or key.key_type not in ("EC", "RSA", "OKP"):
        raise _invalid("The jwk of the proof must be a public asymmetric key.")
    return key


def _signed(proof: str):
    if len(proof) > MAX_PROOF_BYTES:
        raise _invalid("The proof is too large.")
    try:
        header = jws.extract_compact(proof.encode(), registry=_REGISTRY).protected
    except (JoseError, ValueError, TypeError) as exc:
        raise _invalid("The proof is not a JWT.") from exc
    if header.get("typ") != TYP:
        raise _invalid(f"The proof must be typed {TYP}.")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise _invalid("The proof's algorithm is not supported.")
    key = _public_key(header)
    try:
        token = jwt.decode(proof, key, registry=_REGISTRY)
    except (JoseError, ValueError, TypeError) as exc:
        raise _invalid("The proof's signature is invalid.") from exc
    return key, token.claims


def _without_query(uri: str) -> str:
    return uri.split("#", 1)[0].split("?", 1)[0]


def validate(proofs: list[str], method: str, url: str, *, access_token: str | None = None,
             require_nonce: bool = False) -> Proof:
    """Check the DPoP header of a request (§4.3) and use up its `jti`.

    `url` is the endpoint's URL as the issuer names it, without query."""
    if len(proofs) != 1:
        raise _invalid("Exactly one DPoP header is required.")
    key, claims = _signed(proofs[0])
    if claims.get("htm") != method:
        raise _invalid("htm does not match the request's method.")
    htu = claims.get("htu")
    if not isinstance(htu, str) or _without_query(htu) != url:
        raise _invalid("htu does not match the request's URL.")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool) or abs(_epoch_now() - iat) > IAT_WINDOW:
        raise _invalid("iat lies outside the accepted window.")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise _invalid("jti is required.")
    if access_token is not None and claims.get("ath") != access_token_hash(access_token):
        raise _invalid("ath does not match the access token.")
    if "nonce" in claims or require_nonce:
        if not nonce_valid(claims.get("nonce")):
            raise DPoPError("use_dpop_nonce", "The proof needs a current server nonce.")
    jkt = key.thumbprint()
    if not _first_use(jkt, jti, iat):
        raise _invalid("The proof was used before.")
    return Proof(jkt=jkt, claims=claims)


def _first_use(jkt: str, jti: str, iat: int) -> bool:
    # A proof is refused by its iat once the row may be purged.
    expires = datetime.fromtimestamp(iat + IAT_WINDOW + 1, timezone.utc).replace(tzinfo=None)
    return database.first_use(DPoPProofUse(jkt=jkt, jti=jti, expires_at=expires))


def purge() -> int:
    return db.session.execute(delete(DPoPProofUse).where(DPoPProofUse.expires_at < utcnow())).rowcount


# -- token endpoint ------------------------------------------------------------------------


def token_request_key(client, proofs: list[str], url: str, refreshed=None) -> str | None:
    """The key thumbprint new tokens are bound to, or None for bearer tokens.

    A client registered with --dpop must send a proof. A refresh of DPoP-bound tokens
    needs a proof as well; a public client's refresh token is bound to the key
    (§5), a confidential client authenticates anyway and may change keys."""
    required = bool(client.dpop_bound_access_tokens)
    bound = refreshed.dpop_jkt if refreshed is not None else None
    if not proofs:
        if required:
            raise _invalid("This client must send a DPoP proof.")
        if bound:
            raise _invalid("These tokens are DPoP-bound: a DPoP proof is required.")
        return None
    proof = validate(proofs, "POST", url, require_nonce=required)
    if bound and client.public and proof.jkt != bound:
        raise _invalid("The refresh token is bound to another key.")
    return proof.jkt


# -- resources -----------------------------------------------------------------------------


class ResourceError(Exception):
    """A refusal at a resource (RFC 6750 §3.1, RFC 9449 §7.1), with its challenge scheme."""

    def __init__(self, scheme: str, error: str | None, description: str | None = None,
                 status: int = 401, nonce: str | None = None):
        super().__init__(description or error or "authentication required")
        self.scheme, self.error, self.description = scheme, error, description
        self.status, self.nonce = status, nonce


def authenticate(authorization: str | None, proofs: list[str], method: str, url: str, find_token,
                 usable, scope: str | None = None):
    """The access token of a resource request, as Bearer (RFC 6750) or DPoP (§7).

    `find_token(string)` looks the token up; `usable(token)` says whether it is active.
    A DPoP-bound token presented as Bearer is refused: its holder must prove the key."""
    scheme, _, value = (authorization or "").partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme not in ("bearer", "dpop"):
        raise ResourceError("Bearer", None)
    challenge = "DPoP" if scheme == "dpop" else "Bearer"
    token = find_token(value) if value else None
    if token is None or not usable(token):
        raise ResourceError(challenge, "invalid_token", "The access token is invalid or expired.")
    if scheme == "bearer":
        if token.dpop_jkt:
            raise ResourceError("DPoP", "invalid_token", "A DPoP-bound token must be presented with DPoP.")
    else:
        if not token.dpop_jkt:
            raise ResourceError("DPoP", "invalid_token", "The token is not DPoP-bound: present it as Bearer.")
        client = token.get_client()
        try:
            proof = validate(proofs, method, url, access_token=value,
                             require_nonce=bool(client and client.dpop_bound_access_tokens))
        except DPoPError as exc:
            raise ResourceError("DPoP", exc.error, exc.description, 401, exc.nonce) from exc
        if proof.jkt != token.dpop_jkt:
            raise ResourceError("DPoP", "invalid_dpop_proof", "The proof's key is not the token's key.")
    if scope and scope not in (token.scope or "").split():
        raise ResourceError(challenge, "insufficient_scope", f"The scope {scope} is required.", 403)
    return token


def challenges(error: ResourceError) -> list[str]:
    """WWW-Authenticate values: the scheme that failed first, then the other one."""
    params = []
    if error.error:
        params.append(f'error="{error.error}"')
    if error.description:
        params.append(f'error_description="{error.description}"')
    dpop = ", ".join(params + [f'algs="{" ".join(ALGORITHMS)}"'])
    bearer = ", ".join(params)
    if error.scheme == "DPoP":
        return [f"DPoP {dpop}", "Bearer"]
    return [f"Bearer {bearer}".rstrip(), f'DPoP algs="{" ".join(ALGORITHMS)}"']
