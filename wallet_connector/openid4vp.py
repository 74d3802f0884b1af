"""The verifier side of OpenID for Verifiable Presentations 1.0, HAIP profile.

One transaction: `new_request` makes what the IdP keeps (`PendingRequest`, stored
between the two HTTP requests; `to_dict`/`from_dict`), `request_object` the signed
request the wallet fetches from the request_uri (JAR, RFC 9101; client_id prefix
`x509_san_dns`, OpenID4VP §5.9.3), `wallet_link` the URI the same-device link opens
and the cross-device QR code shows, and `verify_response` turns the encrypted
direct_post.jwt response (§8.3) into a verified PID presentation.
"""
from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from . import dcql, x5c
from .errors import PresentationRefused
from .sd_jwt_vc import IssuerTrust, VerifiedPresentation, verify_presentation

CLIENT_ID_PREFIX = "x509_san_dns:"
REQUEST_TYP = "oauth-authz-req+jwt"  # RFC 9101 §10.8, required by OpenID4VP §5
# §5.8: the audience of a request object for wallets found without metadata.
REQUEST_AUDIENCE = "https://self-issued.me/v2"
RESPONSE_MODE = "direct_post.jwt"
KEY_ALG = "ECDH-ES"  # HAIP: ECDH-ES with P-256
ENC_VALUES = ("A128GCM", "A256GCM")
REQUEST_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class VerifierIdentity:
    """The IdP as verifier: its DNS name (the client_id) and the key and certificate
    chain (leaf first, without the root) that sign request objects."""

    dns_name: str
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    def __post_init__(self):
        # §5.9.3: the wallet checks the client_id against the leaf's dNSName SAN.
        if self.dns_name not in x5c.dns_names(self.chain[0]):
            raise ValueError(f"the certificate does not name {self.dns_name}")

    @property
    def client_id(self) -> str:
        return CLIENT_ID_PREFIX + self.dns_name


@dataclass(frozen=True)
class PendingRequest:
    """What the IdP keeps of one presentation request, until its response arrives."""

    client_id: str
    response_uri: str
    state: str
    nonce: str
    dcql_query: dict
    # The ephemeral response encryption key (private JWK): one per transaction, so a
    # response can be read only by the transaction that asked for it.
    encryption_key: dict

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PendingRequest:
        return cls(**data)


class ReplayGuard(Protocol):
    def first_use(self, key: str) -> bool:
        """Record `key`; False if it was recorded before (atomically: two racing
        responses must not both pass)."""


class MemoryReplayGuard:
    """A process-local guard for tests and the simulator; the IdP backs it by its database."""

    def __init__(self):
        self._seen: set[str] = set()

    def first_use(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def new_request(identity: VerifierIdentity, *, response_uri: str, dcql_query: dict) -> PendingRequest:
    key = ECKey.generate_key("P-256", parameters={"kid": secrets.token_urlsafe(8), "use": "enc", "alg": KEY_ALG},
                             private=True)
    return PendingRequest(client_id=identity.client_id, response_uri=response_uri,
                          state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          dcql_query=dcql_query, encryption_key=key.as_dict(private=True))


def request_object(identity: VerifierIdentity, pending: PendingRequest, *, now: datetime | None = None) -> str:
    """The signed request object served at the request_uri (§5, JAR)."""
    now = now or datetime.now(timezone.utc)
    public_key = {name: value for name, value in pending.encryption_key.items() if name != "d"}
    claims = {
        "iss": pending.client_id,
        "aud": REQUEST_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + REQUEST_LIFETIME).timestamp()),
        "client_id": pending.client_id,
        "response_type": "vp_token",
        "response_mode": RESPONSE_MODE,
        "response_uri": pending.response_uri,
        "nonce": pending.nonce,
        "state": pending.state,
        "dcql_query": pending.dcql_query,
        "client_metadata": {
            "jwks": {"keys": [public_key]},
            "encrypted_response_enc_values_supported": list(ENC_VALUES),
            "vp_formats_supported": {dcql.FORMAT: {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]}},
        },
    }
    headers = {"typ": REQUEST_TYP, "x5c": x5c.encode(identity.chain)}
    return jwt.encode(claims, identity.key, algorithm="ES256", headers=headers)


def wallet_link(client_id: str, request_uri: str, scheme: str = "openid4vp", *, base: str | None = None) -> str:
    """The authorization request by reference (§5.10): the same-device link, and the
    content of the cross-device QR code. `openid4vp://` is the spec's scheme (§13.1.2);
    an ecosystem may have its wallets register another, or open them by an https
    `base` (a universal link; in development the wallet simulator's page)."""
    return (base or f"{scheme}://") + "?" + urlencode({"client_id": client_id, "request_uri": request_uri})


def read_response(pending: PendingRequest, response: str, *, replay: ReplayGuard) -> str:
    """The PID presentation in an encrypted direct_post.jwt response (§8.3.1), once it is
    sure the response belongs to this transaction and arrives for the first time."""
    payload = _decrypted(pending, response)
    state = payload.get("state")
    if not isinstance(state, str) or not hmac.compare_digest(state, pending.state):
        raise PresentationRefused("wrong_state", "the response answers another request")
    # Recorded before verification: a response is used once, whatever its fate.
    fresh = [replay.first_use(key) for key in ("state:" + pending.state, "nonce:" + pending.nonce)]
    if not all(fresh):
        raise PresentationRefused("replayed", "this response was received before")
    vp_token = payload.get("vp_token")
    # §8.1: vp_token maps each DCQL credential id to an array of presentations.
    presentations = vp_token.get(dcql.CREDENTIAL_ID) if isinstance(vp_token, dict) else None
    if not isinstance(presentations, list) or len(presentations) != 1 or not isinstance(presentations[0], str):
        raise PresentationRefused("missing_credential", "no single PID presentation in vp_token")
    return presentations[0]


def verify_response(pending: PendingRequest, response: str, *, replay: ReplayGuard, trust: IssuerTrust,
                    now: datetime | None = None) -> VerifiedPresentation:
    presentation = read_response(pending, response, replay=replay)
    # §B.3.6: the key binding JWT's aud is the client_id (with its prefix), nonce the request's.
    verified = verify_presentation(presentation, trust=trust, audience=pending.client_id, nonce=pending.nonce, now=now)
    if not dcql.fulfilled(pending.dcql_query, verified.claims):
        raise PresentationRefused("missing_claims", "the disclosed claims answer no claim set of the query")
    return verified


def _decrypted(pending: PendingRequest, response: object) -> dict:
    if not isinstance(response, str):
        raise PresentationRefused("bad_response", "no response parameter")
    key = ECKey.import_key(pending.encryption_key)
    try:
        decrypted = jwe.decrypt_compact(response, key, algorithms=[KEY_ALG, *ENC_VALUES])
        header = decrypted.protected
        if header.get("alg") != KEY_ALG or header.get("enc") not in ENC_VALUES:
            raise PresentationRefused("bad_response", f"alg/enc {header.get('alg')}/{header.get('enc')}")
        if "kid" in header and header["kid"] != pending.encryption_key["kid"]:
            raise PresentationRefused("bad_response", "encrypted to another key")
        payload = json.loads(decrypted.plaintext)
    except (JoseError, ValueError) as exc:
        raise PresentationRefused("bad_response", f"cannot decrypt: {exc}") from None
    if not isinstance(payload, dict):
        raise PresentationRefused("bad_response", "the response is not a JSON object")
    return payload
