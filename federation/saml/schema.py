"""XSD validation against the official SAML 2.0 schemas (OASIS saml-schema-protocol-2.0,
saml-schema-assertion-2.0 and the W3C xmldsig and xmlenc schemas they import).

The schemas ship inside the package (`schemas/`) and import each other by relative
path; the resolver answers only from that folder and the network is off, so a broken
or tampered import can never turn into an outgoing request.
"""
from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

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

# An XMLSchema object keeps its error log per instance, so concurrent validations with
# the same object would mix their errors.
_lock = threading.Lock()


class _LocalOnly(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        path = Path(system_url.removeprefix("file://")).resolve()
        if SCHEMA_DIR in path.parents and path.is_file():
            return self.resolve_filename(str(path), context)
        raise SchemaViolation(f"schema import outside the package refused: {system_url}")


@cache
def protocol_schema() -> etree.XMLSchema:
    """The protocol schema; it imports the assertion, xmldsig and xmlenc schemas, so it
    validates standalone assertions as well."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalOnly())
    return etree.XMLSchema(etree.parse(str(PROTOCOL_XSD), parser))


def validate(element: etree._Element) -> None:
    """Validate an AuthnRequest, a Response or a standalone Assertion.

    Raises SchemaViolation naming the first few errors.
    """
    if element.tag not in MESSAGES:
        raise SchemaViolation(f"not a SAML message this package handles: {element.tag}")
    schema = protocol_schema()
    with _lock:
        ok = schema.validate(element)
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log] if not ok else []
    if not ok:
        raise SchemaViolation("; ".join(errors[:5]) or "invalid")
