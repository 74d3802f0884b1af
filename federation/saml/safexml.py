"""The package's way into XML, and the few helpers around it.

Everything that reaches lxml from outside goes through `parse`, which is the shared
hardened parser (`hardened_xml`: no DTD, no entity, nothing fetched or opened, a
DOCTYPE refused) answering in this package's errors.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

import hardened_xml
from lxml import etree

from .errors import MalformedMessage

MAX_MESSAGE_BYTES = hardened_xml.MAX_MESSAGE_BYTES


def parse(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Root element of `data`; MalformedMessage for anything this package refuses."""
    try:
        # Without lxml's ID table: IDs are looked up by the signature code alone, which
        # checks them for uniqueness first.
        return hardened_xml.parse(data, max_bytes=max_bytes, collect_ids=False)
    except hardened_xml.XmlRefused as exc:
        raise MalformedMessage(str(exc)) from exc


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
