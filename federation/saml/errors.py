"""Exceptions of the SAML core.

Every refusal is a `SamlError` with a short, stable `code` (for logs, metrics and the
caller's branching) and `user_message`: text safe to show the citizen (German,
translated when shown) because it names no technical detail. `str(exc)` is the detail for the log only.
"""
from __future__ import annotations

from collections.abc import Sequence

from idp.i18n import _

from .namespaces import STATUS_AUTHN_FAILED, STATUS_REQUEST_DENIED

# Whole sentences, one message each, so that every one is translated as a unit.
_MESSAGES = {
    "malformed": _("Die Nachricht des anderen Servicekontos ist technisch fehlerhaft und "
                   "konnte nicht verarbeitet werden. Bitte versuchen Sie es später erneut."),
    "schema": _("Die Nachricht des anderen Servicekontos ist technisch fehlerhaft und "
                "konnte nicht verarbeitet werden. Bitte versuchen Sie es später erneut."),
    "signature": _("Die Nachricht des anderen Servicekontos ist nicht gültig signiert und "
                   "wurde aus Sicherheitsgründen abgelehnt. Bitte versuchen Sie es später erneut."),
    "decryption": _("Die Nachricht des anderen Servicekontos konnte nicht entschlüsselt "
                    "werden. Bitte versuchen Sie es später erneut."),
    "unknown_partner": _("Das anfragende Servicekonto ist kein vereinbarter Partner. Eine "
                         "Anmeldung darüber ist nicht möglich."),
    "acs_url": _("Die Anfrage des anderen Servicekontos nennt eine nicht vereinbarte "
                 "Rücksprungadresse und wurde aus Sicherheitsgründen abgelehnt."),
    "expired": _("Die Anmeldung hat zu lange gedauert und ist abgelaufen. Bitte starten Sie die Anmeldung erneut."),
    "not_yet_valid": _("Die Nachricht des anderen Servicekontos ist noch nicht gültig. "
                       "Bitte versuchen Sie es in einigen Minuten erneut."),
    "replay": _("Diese Anmeldung wurde bereits verwendet. Bitte starten Sie die Anmeldung erneut."),
    "in_response_to": _("Die Antwort des anderen Servicekontos gehört nicht zu Ihrer "
                        "aktuellen Anmeldung. Bitte starten Sie die Anmeldung erneut."),
    "unsolicited": _("Die Antwort des anderen Servicekontos gehört nicht zu Ihrer "
                     "aktuellen Anmeldung. Bitte starten Sie die Anmeldung erneut."),
    "cancelled": _("Die Anmeldung beim anderen Servicekonto wurde abgebrochen."),
    "status": _("Das andere Servicekonto hat die Anmeldung nicht bestätigt. Bitte versuchen Sie es später erneut."),
    "metadata": _("Die hinterlegten Partnerdaten des anderen Servicekontos sind ungültig. "
                  "Bitte versuchen Sie es später erneut."),
}
_REFUSED = _("Die Nachricht des anderen Servicekontos entspricht nicht den vereinbarten "
             "Sicherheitsanforderungen und wurde abgelehnt. Bitte versuchen Sie es später erneut.")


class SamlError(Exception):
    """Base class: `code` says which check refused, `user_message` what to tell."""

    code = "refused"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code

    @property
    def user_message(self) -> str:
        return _MESSAGES.get(self.code, _REFUSED)


class MalformedMessage(SamlError):
    """Not well-formed, with a DOCTYPE, broken base64/DEFLATE, or too large."""

    code = "malformed"


class SchemaViolation(SamlError):
    """Does not validate against the official SAML 2.0 schemas."""

    code = "schema"


class SignatureRefused(SamlError):
    """Signature missing, not made by a pinned key, or not covering what it must."""

    code = "signature"


class DecryptionFailed(SamlError):
    """No key of ours opens the EncryptedAssertion, or a refused algorithm."""

    code = "decryption"


class UnknownPartner(SamlError):
    """The issuer is not in the federation's metadata."""

    code = "unknown_partner"

    def __init__(self, entity_id: str | None):
        super().__init__(f"unknown partner {entity_id!r}")
        self.entity_id = entity_id


class MessageRefused(SamlError):
    """Well-formed, signed and decrypted, but not addressed to us or not for this
    exchange (destination, audience, recipient, request correlation, ...)."""


class ExpiredMessage(MessageRefused):
    """Outside its validity window, beyond the allowed clock skew."""

    code = "expired"


class ReplayedAssertion(MessageRefused):
    """An assertion ID that was already used."""

    code = "replay"


class MetadataError(SamlError):
    """Partner metadata that cannot be used."""

    code = "metadata"


class SamlStatusError(SamlError):
    """The partner answered with a status other than Success.

    `status_codes` holds the top-level code first, then nested ones. AuthnFailed or
    RequestDenied mean the citizen cancelled or was not authenticated there.
    """

    def __init__(self, status_codes: Sequence[str], status_message: str | None = None):
        super().__init__(f"status {' / '.join(status_codes)}: {status_message or ''}".strip())
        self.status_codes = tuple(status_codes)
        self.status_message = status_message
        self.code = "cancelled" if self.cancelled else "status"

    @property
    def cancelled(self) -> bool:
        return bool({STATUS_AUTHN_FAILED, STATUS_REQUEST_DENIED} & set(self.status_codes))
