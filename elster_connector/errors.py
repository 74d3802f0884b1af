"""Refusals of the ELSTER connector; their message is German and safe to show."""
from __future__ import annotations

from federation.saml.errors import SamlError, SamlStatusError, SignatureRefused
from idp.i18n import _

INVALID = _("Die Antwort von ELSTER ist ungültig und wurde aus Sicherheitsgründen verworfen. Bitte versuchen Sie "
            "es erneut.")
# The signature does not check out against ELSTER's published key: forged, altered on
# the way, or ELSTER changed its key. Never "not reachable": ELSTER did answer.
NOT_VERIFIED = _("Die Antwort von ELSTER konnte nicht überprüft werden: Es ist nicht sicher, dass sie von ELSTER "
                 "stammt. Aus Sicherheitsgründen wurden keine Daten übernommen. Bitte versuchen Sie es erneut. "
                 "Besteht der Fehler weiter, wenden Sie sich bitte an den Support.")
CANCELLED = _("Die Anmeldung bei ELSTER wurde abgebrochen. Es wurden keine Daten übernommen.")
EXPIRED = _("Die Anmeldung bei ELSTER hat zu lange gedauert oder wurde bereits verwendet. Bitte versuchen Sie "
            "es erneut.")


class ElsterRefused(Exception):
    """ELSTER answered, but the answer cannot be used here. `code` for logs and tests."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ElsterUnavailable(Exception):
    """ELSTER cannot be reached or is not set up; the message is safe to show."""


def message_for(exc: SamlError) -> str:
    if isinstance(exc, SamlStatusError):
        return CANCELLED
    if isinstance(exc, SignatureRefused):
        return NOT_VERIFIED
    if exc.code in ("expired", "replay", "in_response_to", "unsolicited"):
        return EXPIRED
    return INVALID
