"""IETF Token Status List (draft-ietf-oauth-status-list): is a PID still valid?

A credential names its entry as `status.status_list = {"idx": n, "uri": "..."}`; the
list itself is a JWT (`typ` `statuslist+jwt`, §5.1) signed by the issuer, whose
`status_list.lst` is the base64url of a zlib-compressed byte array holding `bits`
bits per entry, the first entry in the least significant bits (§4.1). Fetching the
list is the caller's job (`fetch(uri) -> JWT`), so tests and the simulator can serve it.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from datetime import datetime

import jwt
from cryptography import x509

from . import x5c
from .errors import PresentationRefused
from .jose import b64url_decode

VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02  # §7.1
TYP = "statuslist+jwt"

Fetch = Callable[[str], str]


def encode_list(statuses: Sequence[int], bits: int = 1) -> bytes:
    """The compressed byte array of §4.1 (for issuers: the simulator)."""
    data = bytearray((len(statuses) * bits + 7) // 8)
    for idx, value in enumerate(statuses):
        position = idx * bits
        data[position // 8] |= value << (position % 8)
    return zlib.compress(bytes(data), 9)


def status_at(lst: bytes, bits: int, idx: int) -> int:
    """The entry `idx` of a compressed list (§4.1)."""
    if bits not in (1, 2, 4, 8):
        raise ValueError(f"bits {bits} not allowed")
    data = zlib.decompress(lst)
    position = idx * bits
    if idx < 0 or position // 8 >= len(data):
        raise ValueError(f"index {idx} outside the list")
    return (data[position // 8] >> (position % 8)) & ((1 << bits) - 1)


def check_status(reference: object, *, fetch: Fetch, anchors: Sequence[x509.Certificate], now: datetime) -> None:
    """Refuse a credential whose status entry is not VALID (§8.3 validation rules)."""
    if not isinstance(reference, dict) or not isinstance(reference.get("status_list"), dict):
        raise PresentationRefused("malformed", "status claim without status_list")
    idx, uri = reference["status_list"].get("idx"), reference["status_list"].get("uri")
    if not isinstance(idx, int) or isinstance(idx, bool) or not isinstance(uri, str):
        raise PresentationRefused("malformed", "status_list needs an integer idx and a uri")
    try:
        token = fetch(uri)
    except Exception as exc:  # whatever the transport raises: the list is unavailable
        raise PresentationRefused("status_unavailable", f"{uri}: {exc}") from None
    payload = _verified_list(token, uri, anchors, now)
    try:
        status_list = payload["status_list"]
        value = status_at(b64url_decode(status_list["lst"]), status_list["bits"], idx)
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise PresentationRefused("status_unavailable", f"unreadable status list {uri}: {exc}") from None
    if value == INVALID:
        raise PresentationRefused("revoked", f"{uri}#{idx}")
    if value != VALID:
        # SUSPENDED and application-specific values: not valid for a login now.
        raise PresentationRefused("suspended", f"{uri}#{idx} has status {value}")


def _verified_list(token: object, uri: str, anchors: Sequence[x509.Certificate], now: datetime) -> dict:
    if not isinstance(token, str):
        raise PresentationRefused("status_unavailable", f"{uri} answered no JWT")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("typ") != TYP:
            raise PresentationRefused("status_unavailable", f"{uri}: typ {header.get('typ')!r}")
        leaf = x5c.verified_leaf(header.get("x5c"), anchors, now)
        payload = jwt.decode(token, leaf.public_key(), algorithms=["ES256"],
                             options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except (jwt.InvalidTokenError, x5c.ChainRefused) as exc:
        raise PresentationRefused("status_unavailable", f"status list {uri} not trusted: {exc}") from None
    # §8.3: the list must be the one the credential points to and still fresh.
    if payload.get("sub") != uri:
        raise PresentationRefused("status_unavailable", f"status list sub {payload.get('sub')!r} is not {uri}")
    exp = payload.get("exp")
    if isinstance(exp, (int, float)) and exp < now.timestamp():
        raise PresentationRefused("status_unavailable", f"status list {uri} expired")
    return payload
