"""The link between the eID-Client simulator and the eID-Server simulator.

It stands in for the PAOS channel over TLS-PSK of a real eID process: only who read
the TC token knows the PSK, so every request on `/ecard/<psk_id>` carries an HMAC
under the PSK key. The MAC covers method, PSK ID, a timestamp and the body; the
timestamp bounds replays (a completed session refuses a second completion anyway).
"""
from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Simulator-PSK-MAC"
MAX_SKEW_SECONDS = 120


def _mac(key: bytes, method: str, psk_id: str, timestamp: int, body: bytes) -> str:
    message = f"{method.upper()}\n{psk_id}\n{timestamp}\n".encode() + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(key: bytes, method: str, psk_id: str, body: bytes = b"", *, now: float | None = None) -> str:
    """Value of the HEADER for one request."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},mac={_mac(key, method, psk_id, timestamp, body)}"


def verify(key: bytes, method: str, psk_id: str, body: bytes, header: str | None,
           *, now: float | None = None) -> bool:
    try:
        fields = dict(part.split("=", 1) for part in (header or "").split(","))
        timestamp = int(fields["t"])
        mac = fields["mac"]
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(key, method, psk_id, timestamp, body))
