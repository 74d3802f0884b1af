"""Keys and certificates.

Partners' certificates arrive as PEM (configuration) or as base64 DER (metadata and
KeyInfo); `load_certificate` takes either, so nothing else has to care. Certificates
here are key containers pinned by metadata, as the SAML metadata interoperability
profile has it: trust comes from the (signed) metadata, not from a CA chain or the
certificate's validity dates.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CertificateLike = x509.Certificate | bytes | str


@dataclass(frozen=True)
class KeyPair:
    """A private key and its certificate, both PEM."""

    key_pem: bytes
    cert_pem: bytes
    # Loading an RSA key checks it, which takes tens of milliseconds at 3072 bits:
    # done once here, not on every signature (bench/saml_roundtrip.py).
    _private: rsa.RSAPrivateKey | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("only RSA keys are supported")
        # A key that does not belong to its certificate would sign messages that no
        # partner can verify; better to fail at configuration time.
        if key.public_key().public_numbers() != self.certificate().public_key().public_numbers():
            raise ValueError("private key does not belong to the certificate")
        object.__setattr__(self, "_private", key)

    def private_key(self) -> rsa.RSAPrivateKey:
        return self._private

    def certificate(self) -> x509.Certificate:
        return load_certificate(self.cert_pem)


def load_certificate(data: CertificateLike) -> x509.Certificate:
    """A certificate from PEM or base64 DER (whitespace allowed); ValueError otherwise."""
    if isinstance(data, x509.Certificate):
        return data
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    if b"-----BEGIN CERTIFICATE-----" in raw:
        return x509.load_pem_x509_certificate(raw)
    try:
        der = base64.b64decode(b"".join(raw.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("certificate is neither PEM nor base64 DER") from exc
    return x509.load_der_x509_certificate(der)


def load_certificates(items: Iterable[CertificateLike]) -> tuple[x509.Certificate, ...]:
    return tuple(load_certificate(item) for item in items)


def certificate_der(cert: CertificateLike) -> bytes:
    return load_certificate(cert).public_bytes(serialization.Encoding.DER)


def certificate_b64(cert: CertificateLike) -> str:
    """Base64 DER, as ds:X509Certificate carries it."""
    return base64.b64encode(certificate_der(cert)).decode("ascii")


def certificate_pem(cert: CertificateLike) -> bytes:
    return load_certificate(cert).public_bytes(serialization.Encoding.PEM)


def xmlsec_public_key(cert: CertificateLike) -> xmlsec.Key:
    return xmlsec.Key.from_memory(certificate_pem(cert), xmlsec.KeyFormat.CERT_PEM)


def xmlsec_private_key(keypair: KeyPair) -> xmlsec.Key:
    key = xmlsec.Key.from_memory(keypair.key_pem, xmlsec.KeyFormat.PEM)
    key.load_cert_from_memory(keypair.cert_pem, xmlsec.KeyFormat.CERT_PEM)
    return key
