"""Argon2id password hashing; the cost comes from the settings."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown address close to
# that of a known one.
_DUMMY_HASH: str | None = None


def configure(time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if not stored_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash("not-a-password")
        stored_hash, password = _DUMMY_HASH, password + "\x00"
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
