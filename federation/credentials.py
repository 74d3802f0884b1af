"""This IdP's SAML key pairs (signing; decrypting assertions addressed to it).

They live in SERVICEKONTO_KEYS_DIR next to the OIDC keys. In a closed federation the
certificates are trusted because the partners accepted our metadata, not because a CA
signed them, so a self-signed certificate is created when none is there; an operator
may put a CA-issued pair in its place (same file names, PEM).
"""
from __future__ import annotations

import fcntl
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .saml.keys import KeyPair

VALIDITY = timedelta(days=5 * 365)
USES = ("signing", "encryption")


def _self_signed(common_name: str) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")])
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + VALIDITY).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


class SamlCredentials:
    def __init__(self, directory: Path | str, common_name: str):
        self.dir = Path(directory)
        self.common_name = common_name
        self._pairs: dict[str, KeyPair] = {}

    def _paths(self, use: str) -> tuple[Path, Path]:
        return self.dir / f"saml-{use}.key.pem", self.dir / f"saml-{use}.cert.pem"

    def ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        # Two processes starting at once (web server workers) must agree on one pair.
        with os.fdopen(os.open(self.dir / ".saml.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for use in USES:
                key_path, cert_path = self._paths(use)
                if not (key_path.exists() and cert_path.exists()):
                    key_pem, cert_pem = _self_signed(f"{self.common_name} SAML {use}")
                    _write(key_path, key_pem, 0o600)
                    _write(cert_path, cert_pem, 0o644)

    def pair(self, use: str) -> KeyPair:
        if use not in self._pairs:
            self.ensure()
            key_path, cert_path = self._paths(use)
            self._pairs[use] = KeyPair(key_pem=key_path.read_bytes(), cert_pem=cert_path.read_bytes())
        return self._pairs[use]

    @property
    def signing(self) -> KeyPair:
        return self.pair("signing")

    @property
    def encryption(self) -> KeyPair:
        return self.pair("encryption")
