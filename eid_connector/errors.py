"""Exceptions of the eID connector.

Every exception carries `user_message`: German text a citizen can act on. The
technical detail (`str(exc)`) is for logs only and never shown to the citizen.
"""
from __future__ import annotations

from . import results


class EidError(Exception):
    """Base class; `request_counter` is set when raised during getResult."""

    request_counter: int | None = None

    @property
    def user_message(self) -> str:
        return self.message()

    def message(self, flow: results.Flow | None = None) -> str:
        """German text for the citizen, with the sentence that fits the flow."""
        return results.technical_message(flow)


class SignatureRefused(EidError):
    """A SOAP message whose WS-Security signature is missing, invalid or untrusted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SchemaViolation(EidError):
    """A message that does not validate against the TR-03130 / TC token schemas."""


class EidProtocolError(EidError):
    """A message we cannot use: not well-formed, with a DTD, or (though signed and
    schema-valid) not what the protocol step expects."""


class EidTransportError(EidError):
    """The eID-Server could not be reached or answered with an unusable HTTP response."""


class EidSoapFault(EidError):
    """The eID-Server answered with a SOAP fault."""

    def __init__(self, code: str, text: str):
        super().__init__(f"SOAP fault {code}: {text}")
        self.code = code
        self.text = text


class EidResultError(EidError):
    """The eID-Server answered with ResultMajor error (e.g. useID#tooManyOpenSessions)."""

    def __init__(self, major: str, minor: str | None, message: str | None = None):
        super().__init__(f"{major} {minor or ''} {message or ''}".strip())
        self.major = major
        self.minor = minor
        self.server_message = message

    def message(self, flow: results.Flow | None = None) -> str:
        return results.message_for(self.minor, flow)
