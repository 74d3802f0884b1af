"""Our metadata (signed, both roles) and reading partners' metadata."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from federation.saml import (
    MetadataError,
    RequestedAttribute,
    SignatureRefused,
    build_metadata,
    parse_metadata,
    safexml,
    xmldsig,
)
from federation.saml.keys import certificate_b64
from federation.saml.namespaces import DS, HTTP_POST, HTTP_REDIRECT, MD, XML, q

from .support import GIVEN_NAME, MAIL, SURNAME, assert_valid_metadata, xmlsec1_verify

ENTITY_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"


def test_our_metadata_validates_and_verifies_with_xmlsec1(by, tmp_path):
    assert_valid_metadata(by.metadata_xml)
    result = xmlsec1_verify(by.metadata_xml, by.signing.cert_pem, ENTITY_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr


def test_our_metadata_on_the_wire(by):
    root = safexml.parse(by.metadata_xml)
    assert root.tag == q(MD, "EntityDescriptor") and root[0].tag == q(DS, "Signature")
    idp = root.find(q(MD, "IDPSSODescriptor"))
    sp = root.find(q(MD, "SPSSODescriptor"))
    assert idp.get("WantAuthnRequestsSigned") == "true"
    assert (sp.get("AuthnRequestsSigned"), sp.get("WantAssertionsSigned")) == ("true", "true")
    assert {s.get("Binding") for s in idp.iter(q(MD, "SingleSignOnService"))} == {HTTP_REDIRECT, HTTP_POST}
    assert [k.get("use") for k in sp.iter(q(MD, "KeyDescriptor"))] == ["signing", "encryption"]
    requested = sp.findall(f"{q(MD, 'AttributeConsumingService')}/{q(MD, 'RequestedAttribute')}")
    assert [(r.get("Name"), r.get("isRequired")) for r in requested] == [
        (GIVEN_NAME, "true"), (SURNAME, "true"), (MAIL, "false")]
    display = root.find(f"{q(MD, 'Organization')}/{q(MD, 'OrganizationDisplayName')}")
    assert (display.text, display.get(q(XML, "lang"))) == ("BayernID", "de")
    valid_until = safexml.parse_datetime(root.get("validUntil"))
    assert timedelta(days=6) < valid_until - datetime.now(timezone.utc) <= timedelta(days=7)


def test_parse_our_own_metadata(by):
    meta = parse_metadata(by.metadata_xml, signer_certs=[by.signing.cert_pem])
    assert meta.entity_id == by.entity_id and meta.display_name == "BayernID"
    assert meta.idp_signing_certs == meta.sp_signing_certs == (by.signing.certificate(),)
    assert meta.sp_encryption_certs == (by.encryption.certificate(),)
    assert meta.sso_location(HTTP_REDIRECT) == meta.sso_location(HTTP_POST) == by.sso_url
    assert meta.default_acs().location == by.acs_url and meta.default_acs().is_default
    assert meta.requested_attributes == (
        RequestedAttribute(GIVEN_NAME, "givenName", True),
        RequestedAttribute(SURNAME, "sn", True),
        RequestedAttribute(MAIL, "mail", False),
    )
    assert meta.want_authn_requests_signed and meta.authn_requests_signed
    assert meta.valid_until > datetime.now(timezone.utc)


def test_rollover_certificates_are_published(by, spare):
    following = spare
    xml = build_metadata(entity_id=by.entity_id, signing=by.signing, sso_redirect_url=by.sso_url,
                         acs_url=by.acs_url, display_name="BayernID", organization_url="https://by.example/",
                         extra_signing_certs=[following.cert_pem])
    assert_valid_metadata(xml)
    meta = parse_metadata(xml, signer_certs=[by.signing.cert_pem])
    assert meta.idp_signing_certs == (by.signing.certificate(), following.certificate())
    assert meta.requested_attributes == ()
    # Without separate encryption certificates, the signing one is used for both.
    assert meta.sp_encryption_certs == (by.signing.certificate(),)


def test_signature_is_required_when_signer_is_given(by, nrw):
    unsigned = safexml.parse(by.metadata_xml)
    unsigned.remove(unsigned[0])
    assert parse_metadata(safexml.to_bytes(unsigned)).entity_id == by.entity_id
    with pytest.raises(SignatureRefused, match="not signed"):
        parse_metadata(safexml.to_bytes(unsigned), signer_certs=[by.signing.cert_pem])
    with pytest.raises(SignatureRefused):
        parse_metadata(by.metadata_xml, signer_certs=[nrw.signing.cert_pem])


def test_tampered_metadata_is_refused(by, stranger):
    """A swapped-in key is exactly what signed metadata must prevent."""
    root = safexml.parse(by.metadata_xml)
    idp_cert = root.find(f"{q(MD, 'IDPSSODescriptor')}/{q(MD, 'KeyDescriptor')}/{q(DS, 'KeyInfo')}/"
                         f"{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}")
    idp_cert.text = certificate_b64(stranger.cert_pem)
    with pytest.raises(SignatureRefused, match="digest"):
        parse_metadata(safexml.to_bytes(root), signer_certs=[by.signing.cert_pem])


def test_expired_metadata_is_refused(by):
    old = build_metadata(entity_id=by.entity_id, signing=by.signing, sso_redirect_url=by.sso_url,
                         acs_url=by.acs_url, display_name="BayernID", organization_url="https://by.example/",
                         now=datetime.now(timezone.utc) - timedelta(days=8))
    with pytest.raises(MetadataError, match="expired"):
        parse_metadata(old, signer_certs=[by.signing.cert_pem])


def _aggregate(*entities: bytes) -> etree._Element:
    root = etree.Element(q(MD, "EntitiesDescriptor"), nsmap={"md": MD})
    root.set("ID", safexml.new_id())
    for entity in entities:
        root.append(safexml.parse(entity))
    return root


def test_entities_descriptor_with_one_signed_entity(by):
    meta = parse_metadata(safexml.to_bytes(_aggregate(by.metadata_xml)), signer_certs=[by.signing.cert_pem])
    assert meta.entity_id == by.entity_id


def test_signed_entities_descriptor(by, nrw):
    """The federation operator signs the aggregate; the entity inside needs no signature."""
    entity = safexml.parse(by.metadata_xml)
    entity.remove(entity[0])
    aggregate = _aggregate(safexml.to_bytes(entity))
    xmldsig.sign(aggregate, nrw.signing)
    meta = parse_metadata(safexml.to_bytes(aggregate), signer_certs=[nrw.signing.cert_pem])
    assert meta.entity_id == by.entity_id
    with pytest.raises(SignatureRefused):
        parse_metadata(safexml.to_bytes(aggregate), signer_certs=[by.signing.cert_pem])


def test_entities_descriptor_with_two_entities_is_refused(by, nrw):
    with pytest.raises(MetadataError, match="one EntityDescriptor"):
        parse_metadata(safexml.to_bytes(_aggregate(by.metadata_xml, nrw.metadata_xml)))


def test_key_descriptor_without_use_serves_both(by):
    root = safexml.parse(by.metadata_xml)
    root.remove(root[0])
    sp = root.find(q(MD, "SPSSODescriptor"))
    for descriptor in sp.findall(q(MD, "KeyDescriptor")):
        if descriptor.get("use") == "encryption":
            sp.remove(descriptor)
        else:
            del descriptor.attrib["use"]
    meta = parse_metadata(safexml.to_bytes(root))
    assert meta.sp_signing_certs == meta.sp_encryption_certs == (by.signing.certificate(),)


def test_unreadable_certificate_is_refused(by):
    root = safexml.parse(by.metadata_xml)
    root.remove(root[0])
    root.find(f"{q(MD, 'IDPSSODescriptor')}/{q(MD, 'KeyDescriptor')}/{q(DS, 'KeyInfo')}/{q(DS, 'X509Data')}/"
              f"{q(DS, 'X509Certificate')}").text = "bm90IGEgY2VydGlmaWNhdGU="
    with pytest.raises(MetadataError, match="certificate"):
        parse_metadata(safexml.to_bytes(root))


def test_roles_of_other_protocols_are_ignored(by):
    root = safexml.parse(by.metadata_xml)
    root.remove(root[0])
    root.find(q(MD, "IDPSSODescriptor")).set("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:1.1:protocol")
    meta = parse_metadata(safexml.to_bytes(root))
    assert meta.idp_signing_certs == () and meta.sso_endpoints == ()
    assert meta.sp_signing_certs


def test_not_metadata(by):
    with pytest.raises(MetadataError):
        parse_metadata(b"<html/>")
    root = safexml.parse(by.metadata_xml)
    root.remove(root[0])
    del root.attrib["entityID"]
    with pytest.raises(MetadataError, match="entityID"):
        parse_metadata(safexml.to_bytes(root))
