"""HTTP bindings (saml-bindings-2.0-os 3.4 and 3.5).

HTTP-Redirect: the message is DEFLATE-compressed, base64-encoded and URL-encoded into
the query, and the query itself is signed (RSA-SHA256) over
`SAMLRequest=…&RelayState=…&SigAlg=…` exactly as the octets travel. The receiver must
verify those octets as received, never a re-encoding of decoded values, since
encodings differ between implementations (`parse_redirect` keeps them raw).

HTTP-POST: the message is base64-encoded into a form field and carries its own
enveloped signature (see `xmldsig.sign`).
"""
from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from . import safexml
from .errors import MalformedMessage, MessageRefused, SignatureRefused
from .keys import CertificateLike, KeyPair, load_certificates
from .namespaces import DS, RSA_SHA256, SAMLP, q
from .safexml import MAX_MESSAGE_BYTES

MAX_RELAY_STATE_BYTES = 80  # saml-bindings-2.0-os 3.4.3 / 3.5.3
# The query of a redirect is bounded by URL lengths; the inflated XML by ours.
MAX_QUERY_CHARS = 64 * 1024


def _check_relay_state(relay_state: str | None) -> None:
    if relay_state is not None and len(relay_state.encode("utf-8")) > MAX_RELAY_STATE_BYTES:
        raise ValueError(f"RelayState longer than {MAX_RELAY_STATE_BYTES} bytes")


# -- HTTP-Redirect ---------------------------------------------------------------------
def redirect_url(
    destination: str,
    element: etree._Element,
    relay_state: str | None,
    keypair: KeyPair,
    param: str = "SAMLRequest",
) -> str:
    """The URL that carries `element` to `destination`, with a signed query."""
    if param not in ("SAMLRequest", "SAMLResponse"):
        raise ValueError(f"unknown parameter {param!r}")
    if any(child.tag == q(DS, "Signature") for child in element):
        # bindings 3.4.4.1: the signature travels in the query, not in the message.
        raise ValueError("an element sent by HTTP-Redirect must not carry an enveloped signature")
    _check_relay_state(relay_state)
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(safexml.to_bytes(element)) + compressor.flush()
    query = f"{param}={quote_plus(base64.b64encode(deflated).decode('ascii'))}"
    if relay_state is not None:
        query += f"&RelayState={quote_plus(relay_state)}"
    query += f"&SigAlg={quote_plus(RSA_SHA256)}"
    signature = keypair.private_key().sign(query.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    query += f"&Signature={quote_plus(base64.b64encode(signature).decode('ascii'))}"
    separator = "&" if urlsplit(destination).query else "?"
    return f"{destination}{separator}{query}"


@dataclass(frozen=True)
class RedirectMessage:
    """A message received by HTTP-Redirect, its signature not yet checked."""

    param: str
    xml: bytes
    relay_state: str | None
    sig_alg: str | None
    signature: bytes | None
    signed_octets: bytes

    def verify(self, trusted_certs: Iterable[CertificateLike]) -> None:
        """Raise SignatureRefused unless one pinned key signed the query (RSA-SHA256)."""
        if self.signature is None or self.sig_alg is None:
            raise SignatureRefused("redirect query is not signed")
        if self.sig_alg != RSA_SHA256:
            raise SignatureRefused(f"SigAlg {self.sig_alg!r} not allowed (rsa-sha256 only)")
        certs = load_certificates(trusted_certs)
        if not certs:
            raise SignatureRefused("no trusted certificate for this partner")
        for cert in certs:
            public = cert.public_key()
            if not isinstance(public, rsa.RSAPublicKey):
                continue
            try:
                public.verify(self.signature, self.signed_octets, padding.PKCS1v15(), hashes.SHA256())
                return
            except InvalidSignature:
                continue
        raise SignatureRefused("redirect signature does not verify with the pinned key(s)")


def parse_redirect(query_string: str, param: str = "SAMLRequest") -> RedirectMessage:
    """Split a raw query string (as received, still URL-encoded) and inflate the message."""
    if len(query_string) > MAX_QUERY_CHARS:
        raise MalformedMessage("query string too long")
    raw: dict[str, str] = {}
    for part in query_string.lstrip("?").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name)
        if name in ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"):
            if name in raw:
                raise MalformedMessage(f"{name} occurs twice in the query")
            raw[name] = value
    if param not in raw:
        raise MalformedMessage(f"query carries no {param}")
    # The octets exactly as sent, in the order the binding prescribes.
    signed = f"{param}={raw[param]}"
    if "RelayState" in raw:
        signed += f"&RelayState={raw['RelayState']}"
    if "SigAlg" in raw:
        signed += f"&SigAlg={raw['SigAlg']}"
    relay_state = unquote_plus(raw["RelayState"]) if "RelayState" in raw else None
    if relay_state is not None and len(relay_state.encode("utf-8")) > MAX_RELAY_STATE_BYTES:
        raise MessageRefused("RelayState longer than 80 bytes", code="relay_state")
    signature = None
    if "Signature" in raw:
        signature = _b64decode(unquote_plus(raw["Signature"]), "Signature")
    return RedirectMessage(
        param=param,
        xml=_inflate(_b64decode(unquote_plus(raw[param]), param)),
        relay_state=relay_state,
        sig_alg=unquote_plus(raw["SigAlg"]) if "SigAlg" in raw else None,
        signature=signature,
        signed_octets=signed.encode("utf-8"),
    )


def _inflate(data: bytes) -> bytes:
    """Raw DEFLATE, bounded: a few hundred bytes may inflate to gigabytes."""
    inflater = zlib.decompressobj(wbits=-15)
    try:
        xml = inflater.decompress(data, MAX_MESSAGE_BYTES)
    except zlib.error as exc:
        raise MalformedMessage(f"not DEFLATE data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise MalformedMessage("inflated message too large")
    return xml


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedMessage(f"{what} is not base64") from exc


# -- HTTP-POST -------------------------------------------------------------------------
def post_fields(element: etree._Element, relay_state: str | None = None, param: str | None = None) -> dict[str, str]:
    """The form fields that carry `element` (signed before) by HTTP-POST.

    `param` defaults to SAMLRequest for requests and SAMLResponse for responses.
    """
    if param is None:
        param = "SAMLResponse" if element.tag == q(SAMLP, "Response") else "SAMLRequest"
    _check_relay_state(relay_state)
    fields = {param: base64.b64encode(safexml.to_bytes(element, declaration=True)).decode("ascii")}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return fields


def decode_post(b64: str | bytes) -> bytes:
    """The XML bytes of a SAMLRequest / SAMLResponse form field."""
    if isinstance(b64, bytes):
        b64 = b64.decode("ascii", "replace")
    if len(b64) > MAX_MESSAGE_BYTES * 4 // 3 + 4:
        raise MalformedMessage("message too large")
    return _b64decode(b64, "form field")
