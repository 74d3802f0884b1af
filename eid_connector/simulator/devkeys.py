"""DEVELOPMENT keys of the eID simulators: never use them for a real eID-Server.

Two pairs of RSA key and self-signed certificate: one for the eID-Server simulator
(it signs its SOAP responses) and one for the Servicekonto as eService (the
connector signs its requests). They are created once and kept in `directory` (e.g.
keys/eid-simulator/, which git ignores), files mode 0600, so the pseudonyms the
simulator derives from them stay stable across restarts.
"""
from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ..wssec import certificate_for_key

SERVER_NAME = "eid-server-simulator"
ESERVICE_NAME = "eservice-servicekonto"
_ORGANISATION = "Servicekonto DEVELOPMENT ONLY - not for production"
_VALIDITY = timedelta(days=3650)
# Renew a little before the end, so a running simulator never signs with an expired one.
_RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class DevKeys:
    directory: Path
    server_key_pem: bytes
    server_cert_pem: bytes
    # The Servicekonto's side (eService): the EidServerClient signs with these.
    eservice_key_pem: bytes
    eservice_cert_pem: bytes


def self_signed(common_name: str, organisation: str = _ORGANISATION, *, valid_from: datetime | None = None,
                valid_for: timedelta = _VALIDITY) -> tuple[bytes, bytes]:
    """An RSA key and a self-signed certificate for it, both PEM (development and tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
    ])
    start = valid_from or datetime.now(timezone.utc) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .sign(key, hashes.SHA256())
    )
    return (
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def _usable(key_pem: bytes, cert_pem: bytes) -> bool:
    try:
        cert = certificate_for_key(key_pem, cert_pem)
    except ValueError:
        return False
    now = datetime.now(timezone.utc)
    return cert.not_valid_before_utc <= now and now + _RENEW_BEFORE < cert.not_valid_after_utc


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)  # O_CREAT ignores the mode of an existing leftover
    os.replace(tmp, path)


def _pair(directory: Path, name: str, common_name: str) -> tuple[bytes, bytes]:
    key_path = directory / f"{name}.DEVELOPMENT.key.pem"
    cert_path = directory / f"{name}.DEVELOPMENT.cert.pem"
    if key_path.exists() and cert_path.exists():
        key_pem, cert_pem = key_path.read_bytes(), cert_path.read_bytes()
        if _usable(key_pem, cert_pem):
            return key_pem, cert_pem
    key_pem, cert_pem = self_signed(common_name)
    _write_private(key_path, key_pem)
    _write_private(cert_path, cert_pem)
    return key_pem, cert_pem


def ensure_dev_keys(directory: Path | str) -> DevKeys:
    """Load the development keys from `directory`, creating what is missing or unusable."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Two processes starting at once must not end up with different keys.
    with os.fdopen(os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server_key, server_cert = _pair(directory, SERVER_NAME, "eID-Server simulator (DEVELOPMENT ONLY)")
        eservice_key, eservice_cert = _pair(directory, ESERVICE_NAME,
                                            "Servicekonto eService (DEVELOPMENT ONLY)")
    return DevKeys(directory, server_key, server_cert, eservice_key, eservice_cert)
