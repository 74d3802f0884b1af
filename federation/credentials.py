"""This IdP's SAML key pairs (signing; decrypting assertions addressed to it), and
their rollover.

They live in SERVICEKONTO_KEYS_DIR next to the OIDC keys. In a closed federation the
certificates are trusted because the partners accepted our metadata, not because a CA
signed them, so a self-signed certificate is created when none is there; an operator
may put a CA-issued pair in its place (same file names, PEM), also as the next pair.

Partners trust the snapshot of our metadata they took last, so a new pair must be
published before it is used, and the old one must stay usable until nobody relies on
it any more. Per use there are up to three pairs:

- current  `saml-{use}.key.pem` / `.cert.pem`: signs, decrypts, published first;
- next     `saml-{use}.next.key.pem` / ...: announced, published, decrypts (a partner
  that refreshed already may encrypt for it), does not sign yet;
- previous `saml-{use}.previous.key.pem` / ...: replaced, still published and still
  decrypts (a partner with an older snapshot encrypts for it) until retired.

`announce` → partners refresh → `activate` → (a while) → `retire`. The steps are
made by the CLI in another process than the web server: every change happens under
an exclusive lock on `.saml.lock`, every file is replaced atomically, and a server
reads the files again (under the same lock, so never half a step) when they changed.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from idp import audit
from idp.extensions import db

from .saml.keys import KeyPair

log = logging.getLogger(__name__)

VALIDITY = timedelta(days=5 * 365)
USES = ("signing", "encryption")
# The order is the order of publication: partners that pick one encryption
# certificate take the first, which must be the current one.
STATES = ("current", "next", "previous")
KINDS = ("key", "cert")
# A server looks at the files at most this often: a few stat calls, but on every
# signature, decryption and metadata request.
RECHECK_SECONDS = 1.0


class RolloverError(Exception):
    """A rollover step that cannot be taken in the current state; safe to show."""


def self_signed(common_name: str, *, key_size: int = 3072, valid_for: timedelta = VALIDITY) -> tuple[bytes, bytes]:
    """An RSA key and a self-signed certificate for it, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")])
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + valid_for).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        # O_CREAT's mode does not apply to a temporary file left over by a crash.
        os.fchmod(fh.fileno(), mode)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _mode(kind: str) -> int:
    return 0o600 if kind == "key" else 0o644


@dataclass(frozen=True)
class StoredPair:
    use: str
    state: str
    pair: KeyPair

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` shows it."""
        return self.pair.certificate().fingerprint(hashes.SHA256()).hex(":").upper()

    @property
    def not_after(self) -> datetime:
        return self.pair.certificate().not_valid_after_utc


@dataclass(frozen=True, eq=False)
class KeySet:
    """One consistent reading of the key files. A new object after every change, so
    whatever was derived from one (our metadata) can tell when it is stale."""

    pairs: tuple[StoredPair, ...]

    def get(self, use: str, state: str) -> KeyPair | None:
        return next((p.pair for p in self.pairs if p.use == use and p.state == state), None)

    def _all(self, use: str) -> list[KeyPair]:
        return [pair for state in STATES if (pair := self.get(use, state)) is not None]

    @property
    def signing(self) -> KeyPair:
        return self.get("signing", "current")

    @property
    def encryption(self) -> KeyPair:
        return self.get("encryption", "current")

    @property
    def decryption_keys(self) -> list[KeyPair]:
        return self._all("encryption")

    @property
    def published_signing_certs(self) -> list[bytes]:
        return [pair.cert_pem for pair in self._all("signing")]

    @property
    def published_encryption_certs(self) -> list[bytes]:
        return [pair.cert_pem for pair in self._all("encryption")]


class SamlCredentials:
    def __init__(self, directory: Path | str, common_name: str, *, recheck_seconds: float = RECHECK_SECONDS):
        self.dir = Path(directory)
        self.common_name = common_name
        self.recheck_seconds = recheck_seconds
        self._keys: KeySet | None = None
        self._stamp_read: tuple | None = None
        self._checked_at = float("-inf")
        self._reload = threading.Lock()

    # -- files ---------------------------------------------------------------------------
    def path(self, use: str, state: str, kind: str) -> Path:
        infix = "" if state == "current" else f".{state}"
        return self.dir / f"saml-{use}{infix}.{kind}.pem"

    def _present(self, use: str, state: str) -> bool:
        return all(self.path(use, state, kind).exists() for kind in KINDS)

    def _stamp(self) -> tuple:
        """What identifies the files' contents without reading them: every write
        replaces a file, which gives it a new inode and times."""
        stamp = []
        for use in USES:
            for state in STATES:
                for kind in KINDS:
                    path = self.path(use, state, kind)
                    try:
                        st = path.stat()
                    except FileNotFoundError:
                        continue
                    stamp.append((path.name, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size))
        return tuple(stamp)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Two processes starting at once (web server workers) must agree on one pair,
        # and a server must not read while the CLI is half-way through a step.
        self.dir.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(self.dir / ".saml.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _create(self, use: str, state: str) -> None:
        key_pem, cert_pem = self_signed(f"{self.common_name} SAML {use}")
        _write(self.path(use, state, "key"), key_pem, _mode("key"))
        _write(self.path(use, state, "cert"), cert_pem, _mode("cert"))

    def _ensure_current(self) -> None:
        for use in USES:
            if not self._present(use, "current"):
                self._create(use, "current")

    def _read_locked(self) -> KeySet:
        self._ensure_current()
        stamp = self._stamp()
        # A next or previous pair with one of its files missing is the remnant of an
        # interrupted step: not used, and overwritten or removed by the next one.
        keys = KeySet(tuple(
            StoredPair(use, state, KeyPair(key_pem=self.path(use, state, "key").read_bytes(),
                                           cert_pem=self.path(use, state, "cert").read_bytes()))
            for use in USES for state in STATES if self._present(use, state)))
        self._keys, self._stamp_read, self._checked_at = keys, stamp, time.monotonic()
        return keys

    # -- use -----------------------------------------------------------------------------
    def ensure(self) -> None:
        with self._locked():
            self._ensure_current()

    def keys(self) -> KeySet:
        """The pairs as they are on disk, read again when the files changed (another
        process rolled them over), looked at no more than every `recheck_seconds`."""
        keys = self._keys
        if keys is not None and time.monotonic() - self._checked_at < self.recheck_seconds:
            return keys
        with self._reload:
            if self._keys is None or self._stamp() != self._stamp_read:
                try:
                    with self._locked():
                        return self._read_locked()
                except ValueError as exc:
                    if self._keys is None:
                        raise
                    # Files copied in by hand arrive one by one; until they fit
                    # together, the pairs read last go on working.
                    log.warning("SAML key files in %s unusable, keeping the pairs read before: %s", self.dir, exc)
            self._checked_at = time.monotonic()
            return self._keys

    def pair(self, use: str, state: str = "current") -> KeyPair | None:
        return self.keys().get(use, state)

    @property
    def signing(self) -> KeyPair:
        return self.keys().signing

    @property
    def encryption(self) -> KeyPair:
        return self.keys().encryption

    @property
    def decryption_keys(self) -> list[KeyPair]:
        return self.keys().decryption_keys

    @property
    def published_signing_certs(self) -> list[bytes]:
        return self.keys().published_signing_certs

    @property
    def published_encryption_certs(self) -> list[bytes]:
        return self.keys().published_encryption_certs

    # -- rollover --------------------------------------------------------------------------
    def announce(self) -> KeySet:
        """Create the next signing and encryption pairs: published from now on, used
        for decryption, not yet for signing."""
        with self._locked():
            self._ensure_current()
            if any(self._present(use, "next") for use in USES):
                raise RolloverError("a next pair is already announced: activate it first "
                                    "(servicekonto federation keys activate)")
            for use in USES:
                self._create(use, "next")
            return self._read_locked()

    def activate(self) -> tuple[KeySet, list[StoredPair]]:
        """Next becomes current, current becomes previous. Returns the new state and
        the older previous pairs this dropped."""
        with self._locked():
            before = self._read_locked()
            uses = [use for use in USES if self._present(use, "next")]
            if not uses:
                raise RolloverError("there is no next pair to activate: announce one first "
                                    "(servicekonto federation keys announce)")
            dropped = [p for p in before.pairs if p.use in uses and p.state == "previous"]
            for use in uses:
                # Copied rather than renamed, so that there is a current pair at every
                # moment: a missing one would be replaced by a fresh, unannounced pair.
                for kind in KINDS:
                    _write(self.path(use, "previous", kind), self.path(use, "current", kind).read_bytes(),
                           _mode(kind))
                for kind in KINDS:
                    os.replace(self.path(use, "next", kind), self.path(use, "current", kind))
            return self._read_locked(), dropped

    def retire(self) -> tuple[KeySet, list[StoredPair]]:
        """Delete the previous pairs. Returns the new state and the pairs deleted."""
        with self._locked():
            before = self._read_locked()
            uses = [use for use in USES if any(self.path(use, "previous", kind).exists() for kind in KINDS)]
            if not uses:
                raise RolloverError("there is no previous pair to retire")
            for use in uses:
                for kind in KINDS:
                    self.path(use, "previous", kind).unlink(missing_ok=True)
            return self._read_locked(), [p for p in before.pairs if p.state == "previous"]


def roll_over(credentials: SamlCredentials, step: str):
    """A rollover step of the operator ("announce", "activate", "retire"), in the
    audit log (needs the application's database); returns what the step returns."""
    result = getattr(credentials, step)()
    audit.record("operator.keys", what=step, which="saml")
    db.session.commit()
    return result
