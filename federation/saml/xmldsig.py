"""Enveloped XML signatures as SAML uses them (saml-core-2.0-os section 5).

Signing: RSA-SHA256 over the exclusive canonical form of the whole element, SHA-256
digest, one Reference to the element's ID, KeyInfo with the signer's certificate; the
ds:Signature goes right after the element's saml:Issuer (or first, where there is no
Issuer), which is where every SAML schema wants it.

Verification is built against signature wrapping (Somorovsky et al., "On Breaking
SAML", 2012), where a valid signature over one element is made to vouch for another:

- the caller names the element that must be signed; its ds:Signature must be one of
  its direct children, the only one there;
- SignedInfo holds exactly one Reference and its URI is "#" + that element's own ID;
- no ID value occurs twice anywhere in the document, so the reference cannot resolve
  to a look-alike elsewhere;
- transforms are exactly enveloped-signature then exclusive c14n, algorithms SHA-2;
- the key is one of the pinned certificates from metadata, never one a KeyInfo
  brings along (a KeyInfo certificate that is not pinned refuses the message);
- we canonicalize the named element ourselves and compare the digest with the signed
  DigestValue, so what xmlsec resolved and what we hand on cannot differ;
- the result is a fresh element parsed from exactly those canonical, signed bytes.
  Callers read only that element: nothing unsigned can reach them, whatever else the
  document holds.
"""
from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
from collections.abc import Iterable

import xmlsec
from lxml import etree

from . import safexml
from .errors import SignatureRefused
from .keys import CertificateLike, KeyPair, certificate_der, load_certificates, xmlsec_private_key, xmlsec_public_key
from .namespaces import (
    DS,
    ENVELOPED,
    EXC_C14N,
    RSA_SHA256,
    RSA_SHA384,
    RSA_SHA512,
    SAML,
    SHA256,
    SHA384,
    SHA512,
    q,
)

_SIGNATURE_METHODS = {RSA_SHA256, RSA_SHA384, RSA_SHA512}
_DIGESTS = {SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
_ID_NAMES = {"ID", "Id", "id"}
_EC = "http://www.w3.org/2001/10/xml-exc-c14n#"


# -- signing ---------------------------------------------------------------------------
def sign(element: etree._Element, keypair: KeyPair) -> etree._Element:
    """Add an enveloped signature over `element` (in place) and return it.

    `element` must carry its `ID`; sign last, as any later change breaks the signature.
    """
    element_id = element.get("ID")
    if not element_id:
        raise ValueError("element to sign has no ID attribute")
    if is_signed(element):
        raise ValueError("element is already signed")
    signature = xmlsec.template.create(
        element, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds"
    )
    issuers = [child for child in element if child.tag == q(SAML, "Issuer")]
    if issuers:
        issuers[0].addnext(signature)
    else:
        element.insert(0, signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256, uri=f"#{element_id}")
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    x509_data = xmlsec.template.add_x509_data(key_info)
    xmlsec.template.x509_data_add_certificate(x509_data)

    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec_private_key(keypair)
    ctx.register_id(element, "ID")
    ctx.sign(signature)
    return element


# -- verification ----------------------------------------------------------------------
def is_signed(element: etree._Element) -> bool:
    """Whether `element` has a ds:Signature child (says nothing about its validity)."""
    return any(child.tag == q(DS, "Signature") for child in element)


def verify(
    target: etree._Element | etree._ElementTree | bytes,
    trusted_certs: Iterable[CertificateLike],
) -> etree._Element:
    """Verify the enveloped signature of `target` against the pinned certificates.

    Returns a new element parsed from the signed bytes (without the ds:Signature);
    use only that one afterwards. Raises SignatureRefused.
    """
    if isinstance(target, bytes):
        target = safexml.parse(target)
    elif isinstance(target, etree._ElementTree):
        target = target.getroot()
    _check_unique_ids(target.getroottree().getroot())
    # From here on only a standalone copy of the named element is looked at: it holds
    # everything the signature can cover, nothing from around it can be resolved by
    # the reference, and its names are interned by our parser (lxml's find() misses
    # nodes that xmlsec created in memory).
    # (Already bounded when it was parsed, so no size limit applies a second time.)
    serialized = etree.tostring(target, with_tail=False)
    element = safexml.parse(serialized, max_bytes=len(serialized))
    try:
        certs = load_certificates(trusted_certs)
    except ValueError as exc:
        raise SignatureRefused(f"unreadable trusted certificate: {exc}") from exc
    if not certs:
        raise SignatureRefused("no trusted certificate for this partner")

    element_id = element.get("ID")
    if not element_id:
        raise SignatureRefused(f"{etree.QName(element).localname} has no ID to sign")
    signatures = [child for child in element if child.tag == q(DS, "Signature")]
    if not signatures:
        raise SignatureRefused(f"{etree.QName(element).localname} is not signed")
    if len(signatures) > 1:
        raise SignatureRefused("more than one ds:Signature on the element")
    signature = signatures[0]
    digest_name, digest_value, prefixes = _check_signed_info(signature, element_id)
    candidates = _candidate_certs(signature, certs)

    signed_bytes = _canonical_without(element, signature, prefixes)
    actual = hashlib.new(digest_name, signed_bytes).digest()
    if not hmac.compare_digest(actual, digest_value):
        raise SignatureRefused("digest does not match the signed element")

    errors = []
    for cert in candidates:
        ctx = xmlsec.SignatureContext()
        # A key in the context makes xmlsec ignore KeyInfo: only the pinned key counts.
        ctx.key = xmlsec_public_key(cert)
        for transform in (xmlsec.Transform.EXCL_C14N, xmlsec.Transform.ENVELOPED):
            ctx.enable_reference_transform(transform)
        for transform in (xmlsec.Transform.SHA256, xmlsec.Transform.SHA384, xmlsec.Transform.SHA512):
            ctx.enable_reference_transform(transform)
        ctx.enable_signature_transform(xmlsec.Transform.EXCL_C14N)
        for transform in (
            xmlsec.Transform.RSA_SHA256, xmlsec.Transform.RSA_SHA384, xmlsec.Transform.RSA_SHA512,
        ):
            ctx.enable_signature_transform(transform)
        ctx.register_id(element, "ID")
        try:
            ctx.verify(signature)
        except xmlsec.Error as exc:
            errors.append(str(exc))
            continue
        return safexml.parse(signed_bytes, max_bytes=len(signed_bytes))
    raise SignatureRefused(f"signature does not verify with the pinned key(s): {'; '.join(errors)}")


def _check_unique_ids(root: etree._Element) -> None:
    seen: set[str] = set()
    for node in root.iter(etree.Element):
        for name, value in node.attrib.items():
            if etree.QName(name).localname in _ID_NAMES:
                if value in seen:
                    raise SignatureRefused(f"ID {value!r} occurs twice (signature wrapping?)")
                seen.add(value)


def _only(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = [child for child in parent if child.tag == tag]
    if len(found) != 1:
        raise SignatureRefused(f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _check_signed_info(signature: etree._Element, element_id: str) -> tuple[str, bytes, list[str] | None]:
    """(digest algorithm name, signed DigestValue, InclusiveNamespaces prefixes)."""
    allowed = {q(DS, n) for n in ("SignedInfo", "SignatureValue", "KeyInfo")}
    for child in signature:
        if child.tag not in allowed:
            # ds:Object is where XSW8 hides the original; SAML signatures need none.
            raise SignatureRefused(f"unexpected {etree.QName(child).localname} in ds:Signature")
    _only(signature, q(DS, "SignatureValue"), "ds:SignatureValue")
    signed_info = _only(signature, q(DS, "SignedInfo"), "ds:SignedInfo")
    c14n = _only(signed_info, q(DS, "CanonicalizationMethod"), "CanonicalizationMethod")
    if c14n.get("Algorithm") != EXC_C14N:
        raise SignatureRefused("SignedInfo must use exclusive c14n")
    method = _only(signed_info, q(DS, "SignatureMethod"), "SignatureMethod")
    if method.get("Algorithm") not in _SIGNATURE_METHODS:
        raise SignatureRefused(f"signature algorithm {method.get('Algorithm')!r} not allowed")
    reference = _only(signed_info, q(DS, "Reference"), "ds:Reference")
    if reference.get("URI") != f"#{element_id}":
        raise SignatureRefused(
            f"signature references {reference.get('URI')!r}, not the element #{element_id}"
        )
    transforms = [
        transform
        for block in reference if block.tag == q(DS, "Transforms")
        for transform in block if transform.tag == q(DS, "Transform")
    ]
    if [t.get("Algorithm") for t in transforms] != [ENVELOPED, EXC_C14N]:
        raise SignatureRefused("transforms must be enveloped-signature and exclusive c14n")
    prefixes = None
    for inclusive in transforms[1]:
        if inclusive.tag == q(_EC, "InclusiveNamespaces"):
            prefixes = (inclusive.get("PrefixList") or "").split()
    digest_method = _only(reference, q(DS, "DigestMethod"), "DigestMethod")
    digest_name = _DIGESTS.get(digest_method.get("Algorithm"))
    if digest_name is None:
        raise SignatureRefused(f"digest algorithm {digest_method.get('Algorithm')!r} not allowed")
    digest_text = _only(reference, q(DS, "DigestValue"), "DigestValue").text or ""
    try:
        digest_value = base64.b64decode("".join(digest_text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureRefused("DigestValue is not base64") from exc
    return digest_name, digest_value, prefixes


def _candidate_certs(signature: etree._Element, certs: tuple) -> list:
    """The pinned certificates to try, in order.

    A KeyInfo that names certificates must name a pinned one: a stranger's
    certificate there is an attempt to slip in another key, refused outright.
    """
    key_info = signature.find(q(DS, "KeyInfo"))
    named = key_info.findall(f".//{q(DS, 'X509Certificate')}") if key_info is not None else []
    if not named:
        return list(certs)
    ders = set()
    for node in named:
        try:
            ders.add(base64.b64decode("".join((node.text or "").split()), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise SignatureRefused("X509Certificate in KeyInfo is not base64") from exc
    matching = [cert for cert in certs if certificate_der(cert) in ders]
    if not matching:
        raise SignatureRefused("signed with a certificate that is not pinned for this partner")
    return matching


def _canonical_without(element: etree._Element, signature: etree._Element, prefixes) -> bytes:
    """Exclusive c14n of `element` with `signature` removed (the enveloped transform)."""
    clone = copy.deepcopy(element)
    index = element.index(signature)
    sig = clone[index]
    # The whitespace after the Signature is content of the element and signed; lxml
    # keeps it as the Signature's tail, so it must stay behind when the Signature goes.
    if sig.tail:
        previous = sig.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + sig.tail
        else:
            clone.text = (clone.text or "") + sig.tail
    clone.remove(sig)
    return etree.tostring(
        clone, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes
    )
