"""Signing keys on disk (SPEC §8 SERVICEKONTO_KEYS_DIR), with rotation and overlap.

One ES256 and one RS256 key are current at any time. A rotation makes the current
keys "previous": they no longer sign but stay in the JWKS so tokens issued just
before remain verifiable; the keys before them are deleted.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, RSAKey

from . import audit
from .extensions import db

ALGORITHMS = ("ES256", "RS256")
_STATE = "keys.json"
# How stale the key state of a process may be: a rotation by another process (the
# CLI, another worker) is seen within this time, at the cost of one stat() per
# interval instead of a read and parse of keys.json per token.
STATE_CHECK_SECONDS = 1.0


@dataclass
class KeyInfo:
    kid: str
    alg: str
    status: str  # current | previous
    created: str
    file: str


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


class KeyStore:
    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self._cache: dict[str, ECKey | RSAKey] = {}
        self._secrets: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._state: tuple[KeyInfo, ...] = ()
        self._state_signature: tuple | None = None
        self._state_checked = float("-inf")
        self._jwks: tuple[dict, bytes] | None = None

    # -- state ---------------------------------------------------------------------------
    def _load(self) -> list[KeyInfo]:
        path = self.dir / _STATE
        if not path.exists():
            return []
        return [KeyInfo(**k) for k in json.loads(path.read_text())["keys"]]

    def _save(self, keys: list[KeyInfo]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / (_STATE + ".tmp")
        tmp.write_text(json.dumps({"keys": [k.__dict__ for k in keys]}, indent=2))
        tmp.replace(self.dir / _STATE)
        self._state_checked = float("-inf")  # this process sees its own change at once

    def _current_state(self) -> tuple[KeyInfo, ...]:
        """keys.json as last read, re-read when the file changed (checked at most once
        per STATE_CHECK_SECONDS)."""
        now = time.monotonic()
        if now - self._state_checked < STATE_CHECK_SECONDS:
            return self._state
        with self._lock:
            try:
                st = (self.dir / _STATE).stat()
                signature = (st.st_ino, st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                signature = None
            if signature != self._state_signature:
                self._state = tuple(self._load())
                self._state_signature = signature
                self._jwks = None
            self._state_checked = now
            return self._state

    def _generate(self, alg: str) -> KeyInfo:
        if alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECKey.import_key(private)
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            jwk = RSAKey.import_key(private)
        kid = jwk.thumbprint()
        filename = f"{alg.lower()}-{kid}.pem"
        self.dir.mkdir(parents=True, exist_ok=True)
        _write_private(self.dir / filename, private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return KeyInfo(kid=kid, alg=alg, status="current", created=created, file=filename)

    def ensure(self) -> None:
        """Create what is missing: the signing keys and the pairwise-subject secret."""
        keys = self._load()
        changed = False
        for alg in ALGORITHMS:
            if not any(k.alg == alg and k.status == "current" for k in keys):
                keys.append(self._generate(alg))
                changed = True
        if changed:
            self._save(keys)
        self.secret("pairwise")

    def rotate(self) -> list[KeyInfo]:
        keys = self._load()
        kept = []
        for key in keys:
            if key.status == "previous":
                (self.dir / key.file).unlink(missing_ok=True)
                self._cache.pop(key.kid, None)
                continue
            key.status = "previous"
            kept.append(key)
        kept.extend(self._generate(alg) for alg in ALGORITHMS)
        self._save(kept)
        return kept

    def list(self) -> list[KeyInfo]:
        return self._load()

    # -- use -------------------------------------------------------------------------------
    def _key(self, info: KeyInfo) -> ECKey | RSAKey:
        if info.kid not in self._cache:
            pem = (self.dir / info.file).read_bytes()
            cls = ECKey if info.alg == "ES256" else RSAKey
            self._cache[info.kid] = cls.import_key(pem, {"kid": info.kid, "alg": info.alg, "use": "sig"})
        return self._cache[info.kid]

    def signing_key(self, alg: str = "ES256") -> ECKey | RSAKey:
        for info in self._current_state():
            if info.alg == alg and info.status == "current":
                return self._key(info)
        raise LookupError(f"no current {alg} key; run 'servicekonto keys rotate'")

    def verification_keys(self) -> list[ECKey | RSAKey]:
        return [self._key(info) for info in self._current_state()]

    def _published(self) -> tuple[dict, bytes]:
        state = self._current_state()
        published = self._jwks
        if published is None:
            document = {"keys": [self._key(info).as_dict(private=False) for info in state]}
            published = self._jwks = (document, json.dumps(document).encode())
        return published

    def jwks(self) -> dict:
        return self._published()[0]

    def jwks_json(self) -> bytes:
        """The JWKS as served: built once per key state."""
        return self._published()[1]

    def secret(self, name: str) -> bytes:
        """A random secret that must stay stable across restarts (e.g. pairwise salt)."""
        # Asked for on every token and userinfo answer: read the file once.
        if name not in self._secrets:
            path = self.dir / f"{name}.secret"
            if not path.exists():
                self.dir.mkdir(parents=True, exist_ok=True)
                _write_private(path, secrets.token_bytes(32).hex().encode())
            self._secrets[name] = bytes.fromhex(path.read_text().strip())
        return self._secrets[name]


def rotate_signing_keys(store: KeyStore) -> list[KeyInfo]:
    """The operator's rotation, in the audit log (needs the application's database)."""
    keys = store.rotate()
    audit.record("operator.keys", what="rotate", which="oidc",
                 kids=[key.kid for key in keys if key.status == "current"])
    db.session.commit()
    return keys
