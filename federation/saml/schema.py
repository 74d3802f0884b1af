"""XSD validation against the official SAML 2.0 schemas (OASIS saml-schema-protocol-2.0,
saml-schema-assertion-2.0 and the W3C xmldsig and xmlenc schemas they import).

The schemas ship inside the package (`schemas/`) and import each other by relative
path; the resolver answers only from that folder and the network is off, so a broken
or tampered import can never turn into an outgoing request.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from hardened_xml.schema import LocalSchema

from .errors import SchemaViolation
from .namespaces import SAML, SAMLP

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
PROTOCOL_XSD = SCHEMA_DIR / "saml-schema-protocol-2.0.xsd"

# The elements this package validates; anything else is no message of ours.
MESSAGES = frozenset(
    {
        f"{{{SAMLP}}}AuthnRequest",
        f"{{{SAMLP}}}Response",
        f"{{{SAML}}}Assertion",
    }
)

@cache
def protocol_schema() -> LocalSchema:
    """The protocol schema; it imports the assertion, xmldsig and xmlenc schemas, so it
    validates standalone assertions as well."""
    return LocalSchema(PROTOCOL_XSD, SchemaViolation)


def validate(element: etree._Element) -> None:
    """Validate an AuthnRequest, a Response or a standalone Assertion.

    Raises SchemaViolation naming the first few errors.
    """
    if element.tag not in MESSAGES:
        raise SchemaViolation(f"not a SAML message this package handles: {element.tag}")
    protocol_schema().validate(element)
