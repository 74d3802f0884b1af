"""IETF Token Status List (draft-ietf-oauth-status-list): is a PID still valid?

A credential names its entry as `status.status_list = {"idx": n, "uri": "..."}`; the
list itself is a JWT (`typ` `statuslist+jwt`, §5.1) signed by the issuer, whose
`status_list.lst` is the base64url of a zlib-compressed byte array holding `bits`
bits per entry, the first entry in the least significant bits (§4.1). Fetching the
list is the caller's job (`fetch(uri) -> JWT`), so tests and the simulator can serve it.

A verified list is kept (`StatusListCache`) until the earlier of its `exp` and its
`ttl` after retrieval (§5.1, §13.7), and never longer than `MAX_AGE`: every wallet
login would otherwise wait for the issuer's server and download the whole list, and
the issuer's outage would stop all wallet logins at once.
"""
from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography import x509

from . import x5c
from .errors import PresentationRefused
from .jose import b64url_decode

VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02  # §7.1
TYP = "statuslist+jwt"

Fetch = Callable[[str], str]
# Our ceiling whatever the issuer allows: a PID revoked after a lost phone is refused
# within minutes.
MAX_AGE = timedelta(minutes=5)


def encode_list(statuses: Sequence[int], bits: int = 1) -> bytes:
    """The compressed byte array of §4.1 (for issuers: the simulator)."""
    data = bytearray((len(statuses) * bits + 7) // 8)
    for idx, value in enumerate(statuses):
        position = idx * bits
        data[position // 8] |= value << (position % 8)
    return zlib.compress(bytes(data), 9)


def status_at(lst: bytes, bits: int, idx: int) -> int:
    """The entry `idx` of a compressed list (§4.1)."""
    return _entry(_decompressed(lst, bits), bits, idx)


def _decompressed(lst: bytes, bits: int) -> bytes:
    if bits not in (1, 2, 4, 8):
        raise ValueError(f"bits {bits} not allowed")
    return zlib.decompress(lst)


def _entry(data: bytes, bits: int, idx: int) -> int:
    position = idx * bits
    if idx < 0 or position // 8 >= len(data):
        raise ValueError(f"index {idx} outside the list")
    return (data[position // 8] >> (position % 8)) & ((1 << bits) - 1)


@dataclass(frozen=True)
class StatusList:
    """A verified list, decompressed, and until when it may be used."""

    bits: int
    data: bytes
    fresh_until: datetime


class StatusListCache:
    """Verified status lists by URI, shared by the threads of a process.

    Two logins that miss at the same moment both fetch; the later answer wins. The
    URIs come from PIDs signed by a trusted issuer, so the cache stays small; `limit`
    bounds it all the same."""

    def __init__(self, limit: int = 64):
        self._lists: dict[str, StatusList] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, uri: str, now: datetime) -> StatusList | None:
        with self._lock:
            found = self._lists.get(uri)
        return found if found is not None and now < found.fresh_until else None

    def put(self, uri: str, status_list: StatusList, now: datetime) -> None:
        with self._lock:
            if len(self._lists) >= self._limit:
                self._lists = {key: kept for key, kept in self._lists.items() if now < kept.fresh_until}
            if len(self._lists) < self._limit:
                self._lists[uri] = status_list


def check_status(reference: object, *, fetch: Fetch, anchors: Sequence[x509.Certificate], now: datetime,
                 cache: StatusListCache | None = None) -> None:
    """Refuse a credential whose status entry is not VALID (§8.3 validation rules)."""
    if not isinstance(reference, dict) or not isinstance(reference.get("status_list"), dict):
        raise PresentationRefused("malformed", "status claim without status_list")
    idx, uri = reference["status_list"].get("idx"), reference["status_list"].get("uri")
    if not isinstance(idx, int) or isinstance(idx, bool) or not isinstance(uri, str):
        raise PresentationRefused("malformed", "status_list needs an integer idx and a uri")
    status_list = cache.get(uri, now) if cache is not None else None
    if status_list is None:
        status_list = _fetched(uri, fetch, anchors, now)
        if cache is not None:
            cache.put(uri, status_list, now)
    try:
        value = _entry(status_list.data, status_list.bits, idx)
    except ValueError as exc:
        raise PresentationRefused("status_unavailable", f"unreadable status list {uri}: {exc}") from None
    if value == INVALID:
        raise PresentationRefused("revoked", f"{uri}#{idx}")
    if value != VALID:
        # SUSPENDED and application-specific values: not valid for a login now.
        raise PresentationRefused("suspended", f"{uri}#{idx} has status {value}")


def _fetched(uri: str, fetch: Fetch, anchors: Sequence[x509.Certificate], now: datetime) -> StatusList:
    try:
        token = fetch(uri)
    except Exception as exc:  # whatever the transport raises: the list is unavailable
        raise PresentationRefused("status_unavailable", f"{uri}: {exc}") from None
    payload = _verified_list(token, uri, anchors, now)
    try:
        bits = payload["status_list"]["bits"]
        data = _decompressed(b64url_decode(payload["status_list"]["lst"]), bits)
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise PresentationRefused("status_unavailable", f"unreadable status list {uri}: {exc}") from None
    return StatusList(bits, data, _fresh_until(payload, now))


def _fresh_until(payload: dict, now: datetime) -> datetime:
    until = now + MAX_AGE
    ttl = payload.get("ttl")
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0:
        until = min(until, now + timedelta(seconds=ttl))
    exp = payload.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        until = min(until, datetime.fromtimestamp(exp, now.tzinfo))
    return until


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
