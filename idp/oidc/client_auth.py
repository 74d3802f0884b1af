"""How a request authenticates its client, checked before any method is tried.

RFC 6749 §2.3 allows one authentication method per request: a request carrying
HTTP Basic credentials and a secret or an assertion in its body (even for the same
client) is refused, as is a body whose client_id names another client than the
credentials. A Basic header that does not decode is a failed authentication, not
an error of the server.
"""
from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Request

# What each method puts into the request besides an Authorization header.
_BODY_CREDENTIALS = {"client_secret_post": ("client_secret",),
                     "private_key_jwt": ("client_assertion", "client_assertion_type")}


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
    form = request.form
    basic_id = basic_client_id(request)
    used = [method for method, names in _BODY_CREDENTIALS.items() if any(form.get(name) for name in names)]
    if basic_id is not None:
        used.append("client_secret_basic")
    if len(used) > 1:
        raise InvalidRequestError("The client must authenticate with one method only.")
    if basic_id is not None and form.get("client_id") not in (None, basic_id):
        raise InvalidRequestError("client_id is not the client of the Basic credentials.")
