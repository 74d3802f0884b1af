"""The signing keys on a hot path: no read or parse of keys.json per token or JWKS
answer, yet a rotation by another process (the CLI, another worker) is seen within
a second, without restart."""
from __future__ import annotations

import json

from idp import keys
from idp.keys import KeyStore


def test_key_state_is_cached_and_a_rotation_elsewhere_is_seen_within_a_second(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: now[0])
    worker = KeyStore(tmp_path)
    worker.ensure()
    first = worker.signing_key("ES256").kid
    jwks = worker.jwks_json()

    reads = []
    load = KeyStore._load
    monkeypatch.setattr(KeyStore, "_load", lambda self: reads.append(self) or load(self))
    for _ in range(100):
        assert worker.signing_key("ES256").kid == first
        assert worker.jwks_json() is jwks
    now[0] += 5
    assert worker.signing_key("ES256").kid == first
    assert reads == [], "keys.json was read again although it had not changed"

    KeyStore(tmp_path).rotate()  # another process
    reads.clear()
    assert worker.signing_key("ES256").kid == first  # within the same second
    now[0] += keys.STATE_CHECK_SECONDS
    rotated = worker.signing_key("ES256").kid
    assert rotated != first and len(reads) == 1
    published = {k["kid"] for k in json.loads(worker.jwks_json())["keys"]}
    # The previous key stays published, so tokens signed just before still verify.
    assert {first, rotated} <= published


def test_a_rotation_in_the_same_process_is_seen_at_once(tmp_path):
    store = KeyStore(tmp_path)
    store.ensure()
    first = store.signing_key("RS256").kid
    store.rotate()
    assert store.signing_key("RS256").kid != first
