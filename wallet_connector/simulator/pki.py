"""Throwaway X.509 for the simulator: a PID trust anchor with its issuer certificate,
a second, untrusted one (for the "untrusted issuer" defect), and a verifier
certificate for `x509_san_dns` request objects. Made in memory, never written to disk."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..openid4vp import VerifierIdentity

_VALIDITY = timedelta(days=365)


@dataclass(frozen=True)
class Signer:
    """A key with its certificate chain, leaf first, without the root (HAIP: x5c)."""

    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Servicekonto Simulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key, now: datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def make_ca(common_name: str, now: datetime | None = None) -> Signer:
    now = now or datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    cert = (_builder(name, name, key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return Signer(key, (cert,))


def make_leaf(ca: Signer, common_name: str, *, dns_name: str, uri: str | None = None,
              now: datetime | None = None) -> Signer:
    now = now or datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = ca.chain[0]
    names = [x509.DNSName(dns_name)] + ([x509.UniformResourceIdentifier(uri)] if uri else [])
    cert = (_builder(_name(common_name), ca_cert.subject, key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Signer(key, (cert,))


def verifier_identity(dns_name: str) -> VerifierIdentity:
    """A self-made access certificate for the IdP as verifier (development and tests)."""
    ca = make_ca("Simulator Verifier CA")
    leaf = make_leaf(ca, dns_name, dns_name=dns_name)
    return VerifierIdentity(dns_name=dns_name, key=leaf.key, chain=leaf.chain)
