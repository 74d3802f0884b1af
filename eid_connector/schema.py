"""XSD validation of eID-Interface messages (TR-03130 2.0.2) and TC tokens (TR-03124).

The schemas ship inside the package (`schemas/`); their imports are relative paths, so
they resolve locally. The network is switched off for loading so that a broken or
tampered import can never turn into an outgoing request.
"""
from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

from .errors import SchemaViolation
from .namespaces import EID

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
EID_XSD = SCHEMA_DIR / "TR-03130eID-Server20.xsd"
TC_TOKEN_XSD = SCHEMA_DIR / "TcToken.xsd"

# Elements of the eID-Interface that appear as a SOAP body (WSDL messages).
EID_MESSAGES = frozenset(
    {
        "useIDRequest",
        "useIDResponse",
        "getResultRequest",
        "getResultResponse",
        "getServerInfoRequest",
        "getServerInfoResponse",
    }
)

# An XMLSchema object keeps its error log per instance, so concurrent validations
# with the same object would mix their errors.
_lock = threading.Lock()


class _LocalOnly(etree.Resolver):
    """Resolves only files below SCHEMA_DIR; anything else fails loudly."""

    def resolve(self, system_url, public_id, context):
        path = Path(system_url.removeprefix("file://")).resolve()
        if SCHEMA_DIR in path.parents and path.is_file():
            return self.resolve_filename(str(path), context)
        raise SchemaViolation(f"schema import outside the package refused: {system_url}")


def _load(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalOnly())
    doc = etree.parse(str(path), parser)
    return etree.XMLSchema(doc)


@cache
def eid_schema() -> etree.XMLSchema:
    return _load(EID_XSD)


@cache
def tc_token_schema() -> etree.XMLSchema:
    return _load(TC_TOKEN_XSD)


def _validate(schema: etree.XMLSchema, element: etree._Element) -> None:
    with _lock:
        ok = schema.validate(element)
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log] if not ok else []
    if not ok:
        raise SchemaViolation("; ".join(errors[:5]) or "invalid")


def validate_message(element: etree._Element, expected: str | None = None) -> None:
    """Validate one eID-Interface message (e.g. the payload of a SOAP body).

    `expected` is the local name the caller is waiting for (e.g. "getResultResponse");
    without it any of EID_MESSAGES is accepted. Raises SchemaViolation.
    """
    qname = etree.QName(element)
    if qname.namespace != EID or qname.localname not in EID_MESSAGES:
        raise SchemaViolation(f"not an eID-Interface message: {qname.text}")
    if expected is not None and qname.localname != expected:
        raise SchemaViolation(f"expected {expected}, got {qname.localname}")
    _validate(eid_schema(), element)


def validate_tc_token(element: etree._Element) -> None:
    """Validate a TC token (root element TCTokenType, no namespace)."""
    if element.tag != "TCTokenType":
        raise SchemaViolation(f"not a TC token: {element.tag}")
    _validate(tc_token_schema(), element)
