"""Argon2id password hashing; the cost comes from the settings."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

_EXTENSION = "servicekonto.passwords"


class _Hashing:
    """One application's Argon2id parameters. Per application, not per process: a
    second app in the process (tests, the two-state demo) must not change the cost
    of the first one's hashes."""

    def __init__(self, time_cost: int | None = None, memory_cost: int | None = None, parallelism: int = 1):
        self.hasher = (PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
                       if time_cost is not None else PasswordHasher())
        # Verifying against this keeps the time of a login for an unknown address
        # close to that of a known one.
        self.dummy_hash: str | None = None


# Outside an application (scripts): argon2-cffi's defaults.
_DEFAULT = _Hashing()


def configure(app, time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    app.extensions[_EXTENSION] = _Hashing(time_cost, memory_cost, parallelism)


def _current() -> _Hashing:
    return current_app.extensions.get(_EXTENSION, _DEFAULT) if has_app_context() else _DEFAULT


def hash_password(password: str) -> str:
    return _current().hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hashing = _current()
    if not stored_hash:
        if hashing.dummy_hash is None:
            hashing.dummy_hash = hashing.hasher.hash("not-a-password")
        stored_hash, password = hashing.dummy_hash, password + "\x00"
    try:
        return hashing.hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _current().hasher.check_needs_rehash(stored_hash)
