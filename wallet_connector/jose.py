"""Small JOSE helpers the libraries leave to the caller."""
from __future__ import annotations

import base64
import hashlib


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("base64url value is not a string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256_b64url(text: str) -> str:
    """The SD-JWT digest (RFC 9901 §4.2.3, §4.3.1 sd_hash): base64url SHA-256 of ASCII."""
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())
