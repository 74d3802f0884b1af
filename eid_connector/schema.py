"""XSD validation of eID-Interface messages (TR-03130 2.0.2) and TC tokens (TR-03124).

The schemas ship inside the package (`schemas/`); their imports are relative paths, so
they resolve locally. The network is switched off for loading so that a broken or
tampered import can never turn into an outgoing request.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from hardened_xml.schema import LocalSchema

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


@cache
def eid_schema() -> LocalSchema:
    return LocalSchema(EID_XSD, SchemaViolation)


@cache
def tc_token_schema() -> LocalSchema:
    return LocalSchema(TC_TOKEN_XSD, SchemaViolation)


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
    eid_schema().validate(element)


def validate_tc_token(element: etree._Element) -> None:
    """Validate a TC token (root element TCTokenType, no namespace)."""
    if element.tag != "TCTokenType":
        raise SchemaViolation(f"not a TC token: {element.tag}")
    tc_token_schema().validate(element)
