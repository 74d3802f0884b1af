"""The simulator's PID issuer: issues the test PIDs as SD-JWT VC (with the `sd-jwt`
reference package) and signs their status list.

Every personal claim is selectively disclosable, the parts of place_of_birth, address
and age_equal_or_over one by one (nested disclosures), the nationalities element by
element (array disclosures), with decoy digests as a real issuer adds them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import jwt
from cryptography.hazmat.primitives import serialization
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.issuer import SDJWTIssuer

from .. import token_status_list, x5c
from ..jose import b64url_encode
from ..pid import is_at_least
from ..sd_jwt_vc import PID_VCTS
from . import pki
from .pids import TestPid

ISSUER_HOST = "pid-issuer.simulator.invalid"
ISSUER = f"https://{ISSUER_HOST}"
STATUS_LIST_URI = f"{ISSUER}/status/1"
PID_LIFETIME = timedelta(days=14)
AGES = (16, 18)


class TestIssuer:
    """A PID issuer with its own trust anchor. Another instance (`trusted=False` in the
    wallet's eyes) is what an untrusted issuer looks like: same name, other anchor."""

    __test__ = False

    def __init__(self, now: datetime | None = None):
        self.now = now or datetime.now(timezone.utc)
        self.ca = pki.make_ca("Simulator PID CA", self.now)
        self.signer = pki.make_leaf(self.ca, "Simulator PID Issuer", dns_name=ISSUER_HOST, uri=ISSUER, now=self.now)
        self._statuses: list[int] = []

    @property
    def trust_anchor(self):
        return self.ca.chain[0]

    def issue(self, pid: TestPid, holder_jwk: dict) -> str:
        """The SD-JWT issuance `<JWT>~<disclosure>~...~` bound to the holder's public key."""
        issued = self.now - (timedelta(days=30) if pid.expired else timedelta(days=1))
        idx = len(self._statuses)
        self._statuses.append(token_status_list.INVALID if pid.revoked else token_status_list.VALID)
        claims = {
            "iss": ISSUER,
            "vct": PID_VCTS[0],
            "iat": int(issued.timestamp()),
            "exp": int((self.now - timedelta(days=1) if pid.expired else issued + PID_LIFETIME).timestamp()),
            "cnf": {"jwk": holder_jwk},
            "status": {"status_list": {"idx": idx, "uri": STATUS_LIST_URI}},
            "issuing_country": "DE",
            **{SDObj(name): _selective(value) for name, value in pid.claims.items()},
            SDObj("age_equal_or_over"): {SDObj(str(age)): is_at_least(pid.claims, age, self.now.date()) for age in AGES},
        }
        issuer = SDJWTIssuer(claims, self._jwcrypto_key(), add_decoy_claims=True,
                             extra_header_parameters={"typ": "dc+sd-jwt", "x5c": x5c.encode(self.signer.chain)})
        return issuer.sd_jwt_issuance

    def status_list_token(self, statuses: Sequence[int] | None = None, *, ttl: int | None = None,
                          lifetime: timedelta = timedelta(days=1)) -> str:
        """The signed status list (draft-ietf-oauth-status-list §5.1); tests may replace
        its entries with `statuses` and say how long it may be kept."""
        entries = self._statuses if statuses is None else list(statuses)
        bits = 1 if max(entries, default=0) <= 1 else 2  # SUSPENDED needs two bits per entry
        claims = {
            "sub": STATUS_LIST_URI,
            "iat": int(self.now.timestamp()),
            "exp": int((self.now + lifetime).timestamp()),
            "status_list": {"bits": bits, "lst": b64url_encode(token_status_list.encode_list(entries, bits))},
        }
        if ttl is not None:
            claims["ttl"] = ttl
        return jwt.encode(claims, self.signer.key, algorithm="ES256",
                          headers={"typ": token_status_list.TYP, "x5c": x5c.encode(self.signer.chain)})

    def fetch_status_list(self, uri: str) -> str:
        """Stands in for the HTTP GET of the status list."""
        if uri != STATUS_LIST_URI:
            raise LookupError(f"no status list at {uri}")
        return self.status_list_token()

    def _jwcrypto_key(self) -> JWK:
        return JWK.from_pem(self.signer.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _selective(value: object) -> object:
    if isinstance(value, dict):
        return {SDObj(name): _selective(item) for name, item in value.items()}
    if isinstance(value, list):
        return [SDObj(_selective(item)) for item in value]
    return value

