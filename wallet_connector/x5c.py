"""Certificate chains in a JOSE `x5c` header (RFC 7515 §4.1.6): base64 (not base64url)
DER certificates, the signer's first. Used for the PID issuer's chain (SD-JWT VC §3.5,
X.509 key resolution) and for our own request objects (OpenID4VP §5.9.3, x509_san_dns).
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError


class ChainRefused(Exception):
    """The chain is unreadable or does not lead to a trust anchor."""


def encode(chain: Sequence[x509.Certificate]) -> list[str]:
    return [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii") for cert in chain]


def decode(x5c: object) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not x5c or not all(isinstance(item, str) for item in x5c):
        raise ChainRefused("x5c is not a non-empty list of strings")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(item, validate=True)) for item in x5c]
    except (binascii.Error, ValueError) as exc:
        raise ChainRefused(f"x5c holds an unreadable certificate: {exc}") from None


def verified_leaf(x5c: object, anchors: Sequence[x509.Certificate], now: datetime) -> x509.Certificate:
    """The signer's certificate, once its chain leads to one of `anchors` at `now`.

    The CA certificates are held to the Web PKI rules (basic constraints, key usage);
    the end-entity profile is left open because PID issuer certificates carry no TLS
    extended key usage (ARF Annex 2 leaves their profile to the trust framework)."""
    certs = decode(x5c)
    if not anchors:
        raise ChainRefused("no trust anchors configured")
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(now)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all())
        .build_client_verifier()
    )
    try:
        verifier.verify(certs[0], certs[1:])
    except VerificationError as exc:
        raise ChainRefused(f"chain not trusted: {exc}") from None
    leaf = certs[0]
    key = leaf.public_key()
    # HAIP §7: ES256 is the one algorithm every party supports.
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ChainRefused("signer key is not EC P-256")
    return leaf


def dns_names(cert: x509.Certificate) -> list[str]:
    return _san_values(cert, x509.DNSName)


def uris(cert: x509.Certificate) -> list[str]:
    return _san_values(cert, x509.UniformResourceIdentifier)


def _san_values(cert: x509.Certificate, kind: type) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return san.get_values_for_type(kind)
