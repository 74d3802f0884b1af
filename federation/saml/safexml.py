"""The one XML parser of the package, and the few helpers around it.

Everything that reaches lxml from outside goes through `parse`: no DTD is loaded, no
entity resolved, nothing fetched from the network, and a document that even declares
a DOCTYPE is refused, so external entities (XXE) and entity expansion (billion laughs)
have nothing to work with. Comments are dropped while parsing: exclusive c14n ignores
them anyway, and with them gone a signed text value cannot be cut in two by a comment
that a naive text reader would stop at. Processing instructions would be covered by
the signature, so they are refused instead.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

from lxml import etree

from .errors import MalformedMessage

# A SAML message with a handful of attributes is a few KiB; metadata of a closed
# federation a few dozen. Anything far beyond is not a message but an attack on memory.
MAX_MESSAGE_BYTES = 1024 * 1024


def _parser() -> etree.XMLParser:
    # A parser object is not thread-safe, so each call gets its own.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=False,
        huge_tree=False,
        collect_ids=False,
    )


def parse(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Root element of `data`; MalformedMessage for anything this package refuses."""
    if not isinstance(data, bytes):
        raise MalformedMessage("XML must be given as bytes")
    if len(data) > max_bytes:
        raise MalformedMessage(f"message of {len(data)} bytes exceeds {max_bytes}")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedMessage(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise MalformedMessage("DOCTYPE not allowed")
    if any(True for _ in tree.iter(etree.ProcessingInstruction, etree.Entity)):
        raise MalformedMessage("processing instructions and entity references not allowed")
    # Siblings of the root (PIs before or after it) are not reached by iter().
    if any(True for _ in root.itersiblings(preceding=True)) or any(True for _ in root.itersiblings()):
        raise MalformedMessage("content outside the root element")
    return root


def to_bytes(element: etree._Element, *, declaration: bool = False) -> bytes:
    """UTF-8 serialization of `element` (with the namespaces it inherits)."""
    return etree.tostring(element, xml_declaration=declaration, encoding="UTF-8")


def new_id() -> str:
    """A fresh xs:ID value: an NCName must not start with a digit, hence the "_"."""
    return "_" + secrets.token_hex(20)


# -- xs:dateTime -----------------------------------------------------------------------
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?"
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (SAML times are UTC throughout)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_datetime(moment: datetime) -> str:
    """SAML core 1.3.3: UTC, no zone other than "Z"; whole seconds suffice."""
    return aware(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str | None) -> datetime:
    """xs:dateTime as SAML uses it; ValueError if it is none.

    Fractions beyond microseconds are cut (Python keeps six digits); a missing zone
    means UTC, as SAML core demands UTC anyway.
    """
    match = _DATETIME.fullmatch((text or "").strip())
    if not match:
        raise ValueError(f"not an xs:dateTime: {text!r}")
    base, fraction, zone = match.groups()
    iso = base + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    iso += "+00:00" if zone in (None, "Z") else zone
    return datetime.fromisoformat(iso).astimezone(timezone.utc)
