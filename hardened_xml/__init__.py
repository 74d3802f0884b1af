"""The one XML parser for everything that arrives from outside: SAML messages and
metadata (federation, the ELSTER login), the eID server's SOAP envelopes and TC tokens.

No DTD is loaded or validated, no entity resolved, nothing fetched: besides the
parser options, a resolver that answers every external reference with nothing stands
before libxml2's own loader, because some option combinations (lxml's
`collect_ids=False`) make libxml2 open an external DTD from the file system even with
`load_dtd=False`. A document that declares a DOCTYPE is refused (no SAML or SOAP
message has one), as are entity references, processing instructions and anything
outside the root element. Comments are dropped while parsing: exclusive c14n ignores
them anyway, and with them gone a signed text value cannot be cut in two by a comment
that a naive text reader would stop at.

This package sits below every protocol package and imports none of them.
"""
from __future__ import annotations

from lxml import etree

# A message with a handful of attributes is a few KiB; metadata of a closed
# federation a few dozen. Anything far beyond is not a message but an attack on memory.
MAX_MESSAGE_BYTES = 1024 * 1024


class XmlRefused(ValueError):
    """The document is not one this parser hands on; the text says why (for logs)."""


class _NothingFromOutside(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        # An empty answer instead of a file or a download: the DOCTYPE check after
        # parsing refuses the document anyway.
        return self.resolve_string("", context)


def parser(*, collect_ids: bool = True) -> etree.XMLParser:
    """A fresh parser (a parser object is not thread-safe)."""
    hardened = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        remove_comments=True,
        remove_pis=False,
        huge_tree=False,
        collect_ids=collect_ids,
    )
    hardened.resolvers.add(_NothingFromOutside())
    return hardened


def parse(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, collect_ids: bool = True) -> etree._Element:
    """Root element of `data`; XmlRefused for anything this parser does not hand on."""
    if not isinstance(data, bytes):
        raise XmlRefused("XML must be given as bytes")
    if len(data) > max_bytes:
        raise XmlRefused(f"message of {len(data)} bytes exceeds {max_bytes}")
    try:
        root = etree.fromstring(data, parser(collect_ids=collect_ids))
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise XmlRefused("DOCTYPE not allowed")
    if any(True for _ in tree.iter(etree.ProcessingInstruction, etree.Entity)):
        raise XmlRefused("processing instructions and entity references not allowed")
    # Siblings of the root (PIs before or after it) are not reached by iter().
    if any(True for _ in root.itersiblings(preceding=True)) or any(True for _ in root.itersiblings()):
        raise XmlRefused("content outside the root element")
    return root
