"""The one exception of the wallet connector.

A refused presentation or response carries a `reason` code from `REASONS`; the pages
map it to a German message (the technical detail, `str(exc)`, is for logs only).
"""
from __future__ import annotations

REASONS = frozenset({
    # The response (OpenID4VP): undecryptable, for another transaction, or seen before.
    "bad_response",
    "wrong_state",
    "replayed",
    "missing_credential",
    "missing_claims",
    # The SD-JWT VC and its issuer.
    "malformed",
    "untrusted_issuer",
    "bad_signature",
    "wrong_credential_type",
    "expired",
    "not_yet_valid",
    "bad_disclosure",
    # The key binding JWT (proof that the holder's wallet answered this request).
    "missing_key_binding",
    "bad_key_binding",
    "wrong_audience",
    "wrong_nonce",
    "stale_key_binding",
    # The status list.
    "revoked",
    "suspended",
    "status_unavailable",
})


class PresentationRefused(Exception):
    """A wallet response or PID presentation we do not accept."""

    def __init__(self, reason: str, detail: str = ""):
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
