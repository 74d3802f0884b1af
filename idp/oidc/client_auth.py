"""How a request authenticates its client, checked before any method is tried.

A Basic header that does not decode is a failed authentication, not an error of
the server.
"""
from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Request


def basic_client_id(request: OAuth2Request) -> str | None:
    """The client_id of the Basic credentials, None without any (RFC 7617, with the
    form-encoding of RFC 6749 §2.3.1)."""
    scheme, _, value = (request.headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError) as exc:
        raise InvalidClientError(status_code=401, description="The Basic credentials cannot be decoded.") from exc
    client_id, colon, _ = decoded.partition(":")
    if not colon or not client_id:
        raise InvalidClientError(status_code=401, description="The Basic credentials need a client_id and a secret.")
    return unquote(client_id)


def check_credentials(request: OAuth2Request) -> None:
    basic_client_id(request)
