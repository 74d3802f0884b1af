"""SAML 2.0 metadata (saml-metadata-2.0-os) of the closed federation.

Each state account is both an asserting party and a relying party (TR-03160-2), so
one md:EntityDescriptor carries an IDPSSODescriptor and an SPSSODescriptor. Ours is
signed; a partner's is read into `EntityMetadata`, the only place the rest of the
package takes keys and endpoints from. Where the federation distributes signed
metadata, `signer_certs` makes the signature mandatory and only the verified element
is read.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from lxml import etree

from . import safexml
from .errors import MetadataError
from .keys import CertificateLike, KeyPair, certificate_b64, load_certificate
from .namespaces import (
    AES128_GCM,
    AES256_GCM,
    ATTRNAME_URI,
    DS,
    HTTP_POST,
    HTTP_REDIRECT,
    MD,
    MDUI,
    NAMEID_PERSISTENT,
    PROTOCOL,
    RSA_OAEP_MGF1P,
    SAML,
    XML,
    q,
)
from .xmldsig import sign, verify

MAX_METADATA_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Endpoint:
    binding: str
    location: str


@dataclass(frozen=True)
class IndexedEndpoint:
    binding: str
    location: str
    index: int
    is_default: bool


@dataclass(frozen=True)
class RequestedAttribute:
    name: str
    friendly_name: str | None
    required: bool


@dataclass(frozen=True)
class EntityMetadata:
    """What the package needs to know about one partner (or about ourselves).

    Certificates are pinned keys: `idp_signing_certs` verify its assertions,
    `sp_signing_certs` its AuthnRequests, `sp_encryption_certs` are what we encrypt
    assertions for (KeyDescriptors without `use` count for both purposes).
    """

    entity_id: str
    idp_signing_certs: tuple[x509.Certificate, ...] = ()
    sp_signing_certs: tuple[x509.Certificate, ...] = ()
    sp_encryption_certs: tuple[x509.Certificate, ...] = ()
    sso_endpoints: tuple[Endpoint, ...] = ()
    acs_endpoints: tuple[IndexedEndpoint, ...] = ()
    requested_attributes: tuple[RequestedAttribute, ...] = ()
    display_name: str = ""
    want_authn_requests_signed: bool = False
    authn_requests_signed: bool = False
    valid_until: datetime | None = None

    def sso_location(self, binding: str) -> str | None:
        return next((e.location for e in self.sso_endpoints if e.binding == binding), None)

    def default_acs(self, binding: str | None = HTTP_POST) -> IndexedEndpoint | None:
        """saml-metadata-2.0-os 2.2.3: isDefault="true" first, then the first one not
        marked false, then the first one (among those with `binding`)."""
        candidates = [e for e in self.acs_endpoints if binding is None or e.binding == binding]
        for endpoint in candidates:
            if endpoint.is_default:
                return endpoint
        return candidates[0] if candidates else None


# -- building --------------------------------------------------------------------------
def _key_descriptor(parent: etree._Element, use: str, cert: CertificateLike) -> etree._Element:
    descriptor = etree.SubElement(parent, q(MD, "KeyDescriptor"))
    descriptor.set("use", use)
    key_info = etree.SubElement(descriptor, q(DS, "KeyInfo"))
    data = etree.SubElement(key_info, q(DS, "X509Data"))
    etree.SubElement(data, q(DS, "X509Certificate")).text = certificate_b64(cert)
    return descriptor


def _localized(parent: etree._Element, tag: str, text: str, lang: str = "de") -> None:
    node = etree.SubElement(parent, tag)
    node.set(q(XML, "lang"), lang)
    node.text = text


def _idp_role(root: etree._Element, signing_certs: Sequence[CertificateLike], sso_redirect_url: str,
              sso_post_url: str | None) -> None:
    idp = etree.SubElement(root, q(MD, "IDPSSODescriptor"))
    idp.set("protocolSupportEnumeration", PROTOCOL)
    idp.set("WantAuthnRequestsSigned", "true")
    for cert in signing_certs:
        _key_descriptor(idp, "signing", cert)
    etree.SubElement(idp, q(MD, "NameIDFormat")).text = NAMEID_PERSISTENT
    for binding, location in ((HTTP_REDIRECT, sso_redirect_url), (HTTP_POST, sso_post_url or sso_redirect_url)):
        service = etree.SubElement(idp, q(MD, "SingleSignOnService"))
        service.set("Binding", binding)
        service.set("Location", location)


def _sp_role(root: etree._Element, signing_certs: Sequence[CertificateLike],
             encryption_certs: Sequence[CertificateLike], acs_url: str,
             requested_attributes: Iterable[RequestedAttribute | tuple[str, str | None, bool]],
             service_name: str) -> None:
    sp = etree.SubElement(root, q(MD, "SPSSODescriptor"))
    sp.set("protocolSupportEnumeration", PROTOCOL)
    sp.set("AuthnRequestsSigned", "true")
    sp.set("WantAssertionsSigned", "true")
    for cert in signing_certs:
        _key_descriptor(sp, "signing", cert)
    for cert in encryption_certs:
        descriptor = _key_descriptor(sp, "encryption", cert)
        # What we can decrypt: partners that read this choose GCM instead of a default.
        for algorithm in (AES256_GCM, AES128_GCM, RSA_OAEP_MGF1P):
            etree.SubElement(descriptor, q(MD, "EncryptionMethod")).set("Algorithm", algorithm)
    etree.SubElement(sp, q(MD, "NameIDFormat")).text = NAMEID_PERSISTENT
    acs = etree.SubElement(sp, q(MD, "AssertionConsumerService"))
    acs.set("Binding", HTTP_POST)
    acs.set("Location", acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")
    wanted = [a if isinstance(a, RequestedAttribute) else RequestedAttribute(*a) for a in requested_attributes]
    if wanted:
        consuming = etree.SubElement(sp, q(MD, "AttributeConsumingService"))
        consuming.set("index", "0")
        consuming.set("isDefault", "true")
        _localized(consuming, q(MD, "ServiceName"), service_name)
        for attribute in wanted:
            node = etree.SubElement(consuming, q(MD, "RequestedAttribute"))
            node.set("Name", attribute.name)
            node.set("NameFormat", ATTRNAME_URI)
            if attribute.friendly_name:
                node.set("FriendlyName", attribute.friendly_name)
            node.set("isRequired", "true" if attribute.required else "false")


def build_metadata(
    *,
    entity_id: str,
    signing: KeyPair,
    sso_redirect_url: str | None,
    sso_post_url: str | None = None,
    acs_url: str | None,
    display_name: str,
    organization_url: str,
    organization_name: str | None = None,
    requested_attributes: Iterable[RequestedAttribute | tuple[str, str | None, bool]] = (),
    service_name: str = "Servicekonto",
    encryption_certs: Sequence[CertificateLike] | None = None,
    extra_signing_certs: Sequence[CertificateLike] = (),
    contact_email: str | None = None,
    valid_for: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> bytes:
    """Our signed md:EntityDescriptor (IdP and SP role), as UTF-8 bytes.

    `encryption_certs` defaults to the signing certificate; `extra_signing_certs`
    publishes the next signing certificate ahead of a key rollover. Outside the
    federation an entity plays one role only: without `sso_redirect_url` there is no
    IDPSSODescriptor, without `acs_url` no SPSSODescriptor.
    """
    if sso_redirect_url is None and acs_url is None:
        raise ValueError("metadata needs at least one role")
    now = safexml.aware(now or safexml.utcnow())
    signing_certs = [signing.cert_pem, *extra_signing_certs]
    encryption_certs = list(encryption_certs) if encryption_certs else [signing.cert_pem]

    root = etree.Element(q(MD, "EntityDescriptor"), nsmap={"md": MD, "ds": DS, "saml": SAML})
    root.set("entityID", entity_id)
    root.set("ID", safexml.new_id())
    root.set("validUntil", safexml.format_datetime(now + valid_for))

    if sso_redirect_url is not None:
        _idp_role(root, signing_certs, sso_redirect_url, sso_post_url)
    if acs_url is not None:
        _sp_role(root, signing_certs, encryption_certs, acs_url, requested_attributes, service_name)

    organization = etree.SubElement(root, q(MD, "Organization"))
    _localized(organization, q(MD, "OrganizationName"), organization_name or display_name)
    _localized(organization, q(MD, "OrganizationDisplayName"), display_name)
    _localized(organization, q(MD, "OrganizationURL"), organization_url)
    if contact_email:
        contact = etree.SubElement(root, q(MD, "ContactPerson"))
        contact.set("contactType", "technical")
        etree.SubElement(contact, q(MD, "EmailAddress")).text = (
            contact_email if contact_email.startswith("mailto:") else f"mailto:{contact_email}"
        )

    sign(root, signing)
    return safexml.to_bytes(root, declaration=True)


# -- parsing ---------------------------------------------------------------------------
def _children(parent: etree._Element, ns: str, name: str) -> list[etree._Element]:
    tag = q(ns, name)
    return [child for child in parent if child.tag == tag]


def _boolean(value: str | None) -> bool:
    return (value or "").strip() in ("true", "1")


def _pick_lang(nodes: list[etree._Element]) -> str | None:
    """German first (the citizen reads it), then English, then whatever there is."""
    by_lang = {node.get(q(XML, "lang")): (node.text or "").strip() for node in reversed(nodes)}
    for lang in ("de", "en"):
        if by_lang.get(lang):
            return by_lang[lang]
    texts = [(node.text or "").strip() for node in nodes if (node.text or "").strip()]
    return texts[0] if texts else None


def _certs(role: etree._Element, uses: set[str | None]) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for descriptor in _children(role, MD, "KeyDescriptor"):
        if descriptor.get("use") not in uses:
            continue
        for key_info in _children(descriptor, DS, "KeyInfo"):
            for data in _children(key_info, DS, "X509Data"):
                for node in _children(data, DS, "X509Certificate"):
                    try:
                        cert = load_certificate(node.text or "")
                    except ValueError as exc:
                        raise MetadataError(f"unreadable certificate in metadata: {exc}") from exc
                    if cert not in found:
                        found.append(cert)
    return tuple(found)


def _roles(entity: etree._Element, name: str) -> list[etree._Element]:
    return [
        role for role in _children(entity, MD, name)
        if PROTOCOL in (role.get("protocolSupportEnumeration") or "").split()
    ]


def _valid_until(node: etree._Element) -> datetime | None:
    value = node.get("validUntil")
    if value is None:
        return None
    try:
        return safexml.parse_datetime(value)
    except ValueError as exc:
        raise MetadataError(f"validUntil is not a dateTime: {value!r}") from exc


def parse_metadata(
    xml: bytes,
    *,
    signer_certs: Iterable[CertificateLike] | None = None,
    now: datetime | None = None,
    check_validity: bool = True,
) -> EntityMetadata:
    """Read one partner's metadata (an EntityDescriptor, or an EntitiesDescriptor
    holding exactly one). With `signer_certs`, the EntityDescriptor or the
    EntitiesDescriptor around it must carry a signature by one of them. Expired
    metadata is refused unless `check_validity` is off (for a caller that checks
    `valid_until` itself on every use). Raises MetadataError (or SignatureRefused / MalformedMessage)."""
    now = safexml.aware(now or safexml.utcnow())
    root = safexml.parse(xml, max_bytes=MAX_METADATA_BYTES)
    limits: list[datetime | None] = []
    if root.tag == q(MD, "EntitiesDescriptor"):
        if signer_certs is not None and any(c.tag == q(DS, "Signature") for c in root):
            root = verify(root, signer_certs)
            signer_certs = None
        limits.append(_valid_until(root))
        entities = _children(root, MD, "EntityDescriptor")
        if len(entities) != 1:
            raise MetadataError(f"expected one EntityDescriptor, found {len(entities)}")
        entity = entities[0]
    elif root.tag == q(MD, "EntityDescriptor"):
        entity = root
    else:
        raise MetadataError(f"not SAML metadata: {root.tag}")
    if signer_certs is not None:
        entity = verify(entity, signer_certs)
    limits.append(_valid_until(entity))
    valid_until = min((limit for limit in limits if limit is not None), default=None)
    if check_validity and valid_until is not None and valid_until <= now:
        raise MetadataError(f"metadata expired at {valid_until.isoformat()}")

    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id:
        raise MetadataError("EntityDescriptor without entityID")

    idp_signing: tuple = ()
    sso: list[Endpoint] = []
    want_signed = False
    ui_names: list[etree._Element] = []
    for role in _roles(entity, "IDPSSODescriptor"):
        idp_signing += _certs(role, {"signing", None})
        want_signed = want_signed or _boolean(role.get("WantAuthnRequestsSigned"))
        for service in _children(role, MD, "SingleSignOnService"):
            sso.append(Endpoint(service.get("Binding", ""), service.get("Location", "")))
        ui_names += _ui_display_names(role)

    sp_signing: tuple = ()
    sp_encryption: tuple = ()
    acs: list[IndexedEndpoint] = []
    requested: list[RequestedAttribute] = []
    requests_signed = False
    for role in _roles(entity, "SPSSODescriptor"):
        sp_signing += _certs(role, {"signing", None})
        sp_encryption += _certs(role, {"encryption"}) + _certs(role, {None})
        requests_signed = requests_signed or _boolean(role.get("AuthnRequestsSigned"))
        for position, service in enumerate(_children(role, MD, "AssertionConsumerService")):
            try:
                index = int(service.get("index", position))
            except ValueError as exc:
                raise MetadataError("AssertionConsumerService index is not a number") from exc
            acs.append(IndexedEndpoint(
                service.get("Binding", ""), service.get("Location", ""), index,
                _boolean(service.get("isDefault")),
            ))
        requested += _requested_attributes(role)
        ui_names += _ui_display_names(role)

    organization = _children(entity, MD, "Organization")
    display_name = (
        _pick_lang(ui_names)
        or (_pick_lang(_children(organization[0], MD, "OrganizationDisplayName")) if organization else None)
        or (_pick_lang(_children(organization[0], MD, "OrganizationName")) if organization else None)
        or entity_id
    )
    return EntityMetadata(
        entity_id=entity_id,
        idp_signing_certs=idp_signing,
        sp_signing_certs=sp_signing,
        sp_encryption_certs=sp_encryption,
        sso_endpoints=tuple(sso),
        acs_endpoints=tuple(acs),
        requested_attributes=tuple(requested),
        display_name=display_name,
        want_authn_requests_signed=want_signed,
        authn_requests_signed=requests_signed,
        valid_until=valid_until,
    )


def _ui_display_names(role: etree._Element) -> list[etree._Element]:
    return [
        name
        for extensions in _children(role, MD, "Extensions")
        for info in _children(extensions, MDUI, "UIInfo")
        for name in _children(info, MDUI, "DisplayName")
    ]


def _requested_attributes(role: etree._Element) -> list[RequestedAttribute]:
    """Those of the default AttributeConsumingService (or the first one)."""
    services = _children(role, MD, "AttributeConsumingService")
    if not services:
        return []
    chosen = next((s for s in services if _boolean(s.get("isDefault"))), services[0])
    return [
        RequestedAttribute(node.get("Name", ""), node.get("FriendlyName"), _boolean(node.get("isRequired")))
        for node in _children(chosen, MD, "RequestedAttribute")
        if node.get("Name")
    ]

