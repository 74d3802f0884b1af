"""WS-Security (OASIS WSS 1.1, X.509 token profile) for the SOAP 1.1 envelopes of the
eID-Interface (TR-03130 3.5.2).

Signing puts a wsu:Timestamp, the signer's certificate as wsse:BinarySecurityToken and a
ds:Signature (RSA-SHA256, exclusive c14n) over the Body and the Timestamp into one
wsse:Security header. The WSDL policy of TR-03130 asks for an issuer/serial reference
instead of an included token; `key_reference="issuer_serial"` produces that, and the
verifier accepts both.

Verification trusts exactly one pinned certificate and only the Body and Timestamp at
their fixed places in the envelope: IDs are registered for those nodes (and header
blocks), never looked up document-wide, and a duplicate ID anywhere refuses the whole
message, so a signed Body moved elsewhere (signature wrapping) cannot vouch for a
different Body.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

import hardened_xml
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from .errors import EidProtocolError, SignatureRefused
from .namespaces import BASE64_BINARY, DS, SOAP, WSSE, WSU, X509V3

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
_C14N_ALGORITHMS = {EXC_C14N, C14N, C14N11}
# TR-03116-4 4.3: SHA-2 family only; SHA-1 and MD5 are refused.
_SIGNATURE_ALGORITHMS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}
_DIGEST_ALGORITHMS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}

_ID_ATTRIBUTE_NAMES = {"Id", "ID", "id"}

SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
DEFAULT_TTL = timedelta(minutes=5)
DEFAULT_SKEW = timedelta(seconds=60)
DEFAULT_MAX_AGE = timedelta(minutes=5)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _xsd_datetime(moment: datetime) -> str:
    moment = _aware(moment).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_xml(data: bytes) -> etree._Element:
    """A SOAP message read by the shared hardened parser (no DTD, no entities, no
    network or file access, no DOCTYPE, no processing instructions)."""
    try:
        return hardened_xml.parse(data)
    except hardened_xml.XmlRefused as exc:
        raise EidProtocolError(str(exc)) from exc


def certificate_for_key(key_pem: bytes, cert_pem: bytes) -> x509.Certificate:
    """`cert_pem` parsed, once it is known to belong to `key_pem`; ValueError if either
    is unreadable or they do not belong together."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    private = serialization.load_pem_private_key(key_pem, password=None)
    if private.public_key().public_numbers() != cert.public_key().public_numbers():
        raise ValueError("private key does not belong to the certificate")
    return cert


# -- signing ---------------------------------------------------------------------------
class Signer:
    """Signs SOAP envelopes with one key and its certificate."""

    def __init__(
        self,
        key_pem: bytes,
        cert_pem: bytes,
        *,
        key_reference: Literal["bst", "issuer_serial"] = "bst",
        ttl: timedelta = DEFAULT_TTL,
    ):
        if key_reference not in ("bst", "issuer_serial"):
            raise ValueError(f"unknown key_reference {key_reference!r}")
        self._cert = certificate_for_key(key_pem, cert_pem)
        # Loaded once; the context takes a copy of it per signature.
        self._key = xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM)
        self._key_reference = key_reference
        self._ttl = ttl

    def sign(self, payload: etree._Element, *, now: datetime | None = None) -> bytes:
        """Wrap `payload` (copied) into a signed SOAP 1.1 envelope; returns its bytes."""
        now = _aware(now or _utcnow())
        body_id, ts_id, bst_id = (f"{p}-{secrets.token_hex(16)}" for p in ("Body", "TS", "X509"))

        envelope = etree.Element(_q(SOAP, "Envelope"), nsmap={"soap": SOAP})
        header = etree.SubElement(envelope, _q(SOAP, "Header"))
        security = etree.SubElement(
            header, _q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU}
        )
        security.set(_q(SOAP, "mustUnderstand"), "1")

        timestamp = etree.SubElement(security, _q(WSU, "Timestamp"))
        timestamp.set(_q(WSU, "Id"), ts_id)
        etree.SubElement(timestamp, _q(WSU, "Created")).text = _xsd_datetime(now)
        etree.SubElement(timestamp, _q(WSU, "Expires")).text = _xsd_datetime(now + self._ttl)

        if self._key_reference == "bst":
            token = etree.SubElement(security, _q(WSSE, "BinarySecurityToken"))
            token.set("EncodingType", BASE64_BINARY)
            token.set("ValueType", X509V3)
            token.set(_q(WSU, "Id"), bst_id)
            token.text = base64.b64encode(
                self._cert.public_bytes(serialization.Encoding.DER)
            ).decode("ascii")

        body = etree.SubElement(envelope, _q(SOAP, "Body"), nsmap={"wsu": WSU})
        body.set(_q(WSU, "Id"), body_id)
        body.append(parse_xml(etree.tostring(payload)))

        signature = xmlsec.template.create(
            envelope, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds"
        )
        security.append(signature)
        for target in (body_id, ts_id):
            ref = xmlsec.template.add_reference(
                signature, xmlsec.Transform.SHA256, uri=f"#{target}"
            )
            xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        key_info = xmlsec.template.ensure_key_info(signature)
        str_ = etree.SubElement(key_info, _q(WSSE, "SecurityTokenReference"))
        if self._key_reference == "bst":
            reference = etree.SubElement(str_, _q(WSSE, "Reference"))
            reference.set("URI", f"#{bst_id}")
            reference.set("ValueType", X509V3)
        else:
            data = etree.SubElement(str_, _q(DS, "X509Data"))
            issuer_serial = etree.SubElement(data, _q(DS, "X509IssuerSerial"))
            etree.SubElement(issuer_serial, _q(DS, "X509IssuerName")).text = (
                self._cert.issuer.rfc4514_string()
            )
            etree.SubElement(issuer_serial, _q(DS, "X509SerialNumber")).text = str(
                self._cert.serial_number
            )

        ctx = xmlsec.SignatureContext()
        ctx.key = self._key
        ctx.register_id(body, "Id", WSU)
        ctx.register_id(timestamp, "Id", WSU)
        ctx.sign(signature)
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


# -- verification ----------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedMessage:
    """The Body payload of a verified envelope and the signed Timestamp."""

    payload: etree._Element
    created: datetime
    expires: datetime


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = [child for child in parent if child.tag == tag]
    if len(found) != 1:
        raise SignatureRefused(f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _parse_time(node: etree._Element | None, what: str) -> datetime:
    if node is None or not (node.text or "").strip():
        raise SignatureRefused(f"Timestamp without {what}")
    try:
        return _aware(datetime.fromisoformat(node.text.strip()))
    except ValueError as exc:
        raise SignatureRefused(f"Timestamp {what} is not a dateTime") from exc


def _normalise_name(name: str) -> x509.Name | str:
    try:
        return x509.Name.from_rfc4514_string(name.strip())
    except ValueError:
        return ",".join(part.strip().lower() for part in name.split(","))


class Verifier:
    """Verifies envelopes signed by one trusted (pinned) certificate."""

    def __init__(
        self,
        trusted_cert_pem: bytes,
        *,
        skew: timedelta = DEFAULT_SKEW,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ):
        self._cert = x509.load_pem_x509_certificate(trusted_cert_pem)
        self._cert_der = self._cert.public_bytes(serialization.Encoding.DER)
        self._key = xmlsec.Key.from_memory(trusted_cert_pem, xmlsec.KeyFormat.CERT_PEM)
        self._skew = skew
        self._max_age = max_age

    def verify(self, data: bytes, *, now: datetime | None = None) -> VerifiedMessage:
        """Return the verified Body payload or raise SignatureRefused (reason inside)."""
        now = _aware(now or _utcnow())
        root = parse_xml(data)
        if root.tag != _q(SOAP, "Envelope"):
            raise SignatureRefused("not a SOAP 1.1 envelope")
        children = list(root)
        tags = [c.tag for c in children]
        if tags == [_q(SOAP, "Body")]:
            raise SignatureRefused("unsigned: no SOAP Header")
        if tags != [_q(SOAP, "Header"), _q(SOAP, "Body")]:
            raise SignatureRefused("envelope must hold exactly one Header and one Body")
        header, body = children

        securities = [c for c in header if c.tag == _q(WSSE, "Security")]
        if not securities:
            raise SignatureRefused("unsigned: no wsse:Security header")
        if len(securities) > 1:
            raise SignatureRefused("more than one wsse:Security header")
        security = securities[0]
        signature = _one(security, _q(DS, "Signature"), "ds:Signature in wsse:Security")
        if len(root.findall(f".//{_q(DS, 'Signature')}")) != 1:
            raise SignatureRefused("more than one ds:Signature in the envelope")
        timestamp = _one(security, _q(WSU, "Timestamp"), "wsu:Timestamp")

        self._check_unique_ids(root)
        body_id = body.get(_q(WSU, "Id"))
        ts_id = timestamp.get(_q(WSU, "Id"))
        if not body_id:
            raise SignatureRefused("Body carries no wsu:Id, so it cannot be signed")
        if not ts_id:
            raise SignatureRefused("Timestamp carries no wsu:Id, so it cannot be signed")

        self._check_key_info(signature, security)
        self._check_signed_info(signature, body_id, ts_id)
        self._check_certificate_validity(now)

        ctx = xmlsec.SignatureContext()
        # A key in the context makes xmlsec ignore KeyInfo: only the pinned key counts.
        ctx.key = self._key
        for transform in (xmlsec.Transform.EXCL_C14N, xmlsec.Transform.C14N, xmlsec.Transform.C14N11):
            ctx.enable_reference_transform(transform)
            ctx.enable_signature_transform(transform)
        for transform in (
            xmlsec.Transform.SHA256, xmlsec.Transform.SHA384, xmlsec.Transform.SHA512,
        ):
            ctx.enable_reference_transform(transform)
        for transform in (
            xmlsec.Transform.RSA_SHA256, xmlsec.Transform.RSA_SHA384, xmlsec.Transform.RSA_SHA512,
        ):
            ctx.enable_signature_transform(transform)
        ctx.register_id(body, "Id", WSU)
        ctx.register_id(timestamp, "Id", WSU)
        # Other signed header blocks (e.g. WS-Addressing) may be referenced; their IDs
        # are unique document-wide (checked above), so they cannot stand in for Body.
        for block in header.iter():
            if block is timestamp or not block.get(_q(WSU, "Id")):
                continue
            if not any(ancestor is signature for ancestor in block.iterancestors()):
                ctx.register_id(block, "Id", WSU)
        try:
            ctx.verify(signature)
        except xmlsec.Error as exc:
            raise SignatureRefused(f"signature does not verify: {exc}") from exc

        created = _parse_time(timestamp.find(_q(WSU, "Created")), "Created")
        expires = _parse_time(timestamp.find(_q(WSU, "Expires")), "Expires")
        self._check_freshness(created, expires, now)

        payload = [child for child in body if isinstance(child.tag, str)]
        if len(payload) != 1:
            raise SignatureRefused("Body must hold exactly one element")
        return VerifiedMessage(payload[0], created, expires)

    @staticmethod
    def _check_unique_ids(root: etree._Element) -> None:
        seen: set[str] = set()
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                if etree.QName(name).localname in _ID_ATTRIBUTE_NAMES:
                    if value in seen:
                        raise SignatureRefused(f"duplicate ID {value!r} (signature wrapping?)")
                    seen.add(value)

    def _check_key_info(self, signature, security) -> None:
        """The KeyInfo must name the pinned certificate (clearer than a bad signature)."""
        key_info = signature.find(_q(DS, "KeyInfo"))
        if key_info is None:
            raise SignatureRefused("signature names no signing certificate")
        str_ = key_info.find(_q(WSSE, "SecurityTokenReference"))
        reference = str_.find(_q(WSSE, "Reference")) if str_ is not None else None
        if reference is not None:
            self._check_token(security, reference)
            return
        x509_data = (key_info if str_ is None else str_).find(_q(DS, "X509Data"))
        if x509_data is None:
            raise SignatureRefused("signature names no signing certificate")
        issuer_serial = x509_data.find(_q(DS, "X509IssuerSerial"))
        certificate = x509_data.find(_q(DS, "X509Certificate"))
        if issuer_serial is not None:
            name = issuer_serial.findtext(_q(DS, "X509IssuerName")) or ""
            serial = (issuer_serial.findtext(_q(DS, "X509SerialNumber")) or "").strip()
            if serial != str(self._cert.serial_number) or _normalise_name(name) != _normalise_name(
                self._cert.issuer.rfc4514_string()
            ):
                raise SignatureRefused("signing certificate is not the trusted certificate")
        elif certificate is not None:
            self._check_der(certificate.text, "X509Certificate")
        else:
            raise SignatureRefused("signature names no signing certificate")

    def _check_token(self, security, reference) -> None:
        """The BinarySecurityToken a wsse:Reference points to must be the pinned certificate."""
        uri = reference.get("URI", "")
        token_id = uri[1:] if uri.startswith("#") else None
        tokens = [
            t for t in security.findall(_q(WSSE, "BinarySecurityToken"))
            if token_id and t.get(_q(WSU, "Id")) == token_id
        ]
        if len(tokens) != 1:
            raise SignatureRefused("SecurityTokenReference points to no token")
        if tokens[0].get("ValueType") != X509V3:
            raise SignatureRefused("security token is not an X.509v3 certificate")
        self._check_der(tokens[0].text, "security token")

    def _check_der(self, text: str | None, what: str) -> None:
        """`text` must be the base64 DER of the pinned certificate."""
        try:
            der = base64.b64decode("".join((text or "").split()), validate=True)
        except ValueError as exc:
            raise SignatureRefused(f"{what} is not base64") from exc
        if der != self._cert_der:
            raise SignatureRefused("signing certificate is not the trusted certificate")

    @staticmethod
    def _check_signed_info(signature, body_id: str, ts_id: str) -> None:
        signed_info = _one(signature, _q(DS, "SignedInfo"), "ds:SignedInfo")
        c14n = signed_info.find(_q(DS, "CanonicalizationMethod"))
        if c14n is None or c14n.get("Algorithm") not in _C14N_ALGORITHMS:
            raise SignatureRefused("canonicalization method not allowed")
        method = signed_info.find(_q(DS, "SignatureMethod"))
        if method is None or method.get("Algorithm") not in _SIGNATURE_ALGORITHMS:
            raise SignatureRefused("signature algorithm not allowed (RSA with SHA-2 only)")
        covered: set[str] = set()
        for reference in signed_info.findall(_q(DS, "Reference")):
            uri = reference.get("URI")
            if not uri or not uri.startswith("#") or len(uri) < 2:
                raise SignatureRefused(f"reference {uri!r} is not a same-document ID reference")
            if uri[1:] in covered:
                raise SignatureRefused(f"reference {uri!r} appears twice")
            covered.add(uri[1:])
            for transform in reference.iterfind(f"{_q(DS, 'Transforms')}/{_q(DS, 'Transform')}"):
                if transform.get("Algorithm") not in _C14N_ALGORITHMS:
                    raise SignatureRefused("reference transform not allowed")
            digest = reference.find(_q(DS, "DigestMethod"))
            if digest is None or digest.get("Algorithm") not in _DIGEST_ALGORITHMS:
                raise SignatureRefused("digest algorithm not allowed (SHA-2 only)")
        if body_id not in covered:
            raise SignatureRefused("Body is not covered by the signature")
        if ts_id not in covered:
            raise SignatureRefused("Timestamp is not covered by the signature")

    def _check_certificate_validity(self, now: datetime) -> None:
        if not (self._cert.not_valid_before_utc <= now <= self._cert.not_valid_after_utc):
            raise SignatureRefused("trusted certificate is not valid at this time")

    def _check_freshness(self, created: datetime, expires: datetime, now: datetime) -> None:
        if expires <= created:
            raise SignatureRefused("Timestamp expires before it was created")
        if created > now + self._skew:
            raise SignatureRefused("Timestamp is from the future")
        if expires < now - self._skew:
            raise SignatureRefused("Timestamp has expired")
        if now - created > self._max_age + self._skew:
            raise SignatureRefused("Timestamp is stale")


# -- faults ----------------------------------------------------------------------------
def build_fault(code: str, text: str) -> bytes:
    """A SOAP 1.1 fault (e.g. for a request the eID-Server refuses to process)."""
    envelope = etree.Element(_q(SOAP, "Envelope"), nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, _q(SOAP, "Body"))
    fault = etree.SubElement(body, _q(SOAP, "Fault"))
    etree.SubElement(fault, "faultcode").text = code if ":" in code else f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = text
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def find_fault(data: bytes) -> tuple[str, str] | None:
    """(faultcode, faultstring) of a SOAP fault, None for anything else.

    A fault is not trusted for content, it only ends the exchange, so it is read even
    when unsigned.
    """
    try:
        root = parse_xml(data)
    except EidProtocolError:
        return None
    fault = root.find(f"{_q(SOAP, 'Body')}/{_q(SOAP, 'Fault')}")
    if root.tag != _q(SOAP, "Envelope") or fault is None:
        return None
    return (fault.findtext("faultcode") or "").strip(), (fault.findtext("faultstring") or "").strip()
