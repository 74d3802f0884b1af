"""Enveloped signatures: ours verify with xmlsec1, and `verify` trusts nothing but the
pinned keys and hands on nothing but the signed bytes."""
from __future__ import annotations

import copy

import pytest
from lxml import etree

from federation.saml import SignatureRefused, build_assertion, build_authn_request, safexml, xmldsig
from federation.saml.keys import certificate_b64
from federation.saml.namespaces import DS, SAML, SAMLP, q

from .support import GIVEN_NAME, LEVEL_3, signature_of, xmlsec1_verify

ASSERTION_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
REQUEST_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest"


@pytest.fixture
def assertion(nrw, by):
    return build_assertion(
        idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url, sp_entity_id=by.entity_id,
        signing=nrw.signing, name_id="pseudonym-1", class_ref=LEVEL_3,
        attributes=[(GIVEN_NAME, "givenName", ["Erika"], LEVEL_3)],
    )


def reparsed(element):
    return safexml.parse(safexml.to_bytes(element))


def test_signature_sits_right_after_the_issuer(assertion):
    tags = [child.tag for child in assertion][:3]
    assert tags == [q(SAML, "Issuer"), q(DS, "Signature"), q(SAML, "Subject")]


def test_verify_returns_the_signed_content_without_the_signature(assertion, nrw):
    verified = xmldsig.verify(reparsed(assertion), [nrw.signing.cert_pem])
    assert verified is not assertion and not xmldsig.is_signed(verified)
    assert verified.get("ID") == assertion.get("ID")
    assert verified.findtext(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}") == "pseudonym-1"


def test_verify_works_inside_a_document_whose_namespaces_are_declared_above(nrw, assertion):
    # pysaml2 and others declare prefixes at the Response and use them in the assertion.
    outer = etree.Element(q(SAMLP, "Response"), nsmap={"samlp": SAMLP, "saml": SAML, "ds": DS})
    outer.append(copy.deepcopy(assertion))
    document = safexml.parse(etree.tostring(outer))
    assert xmldsig.verify(document[0], [nrw.signing.cert_pem]).get("ID") == assertion.get("ID")


def test_xmlsec1_verifies_our_signatures(assertion, nrw, by, tmp_path):
    result = xmlsec1_verify(safexml.to_bytes(assertion), nrw.signing.cert_pem, ASSERTION_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url,
                                     destination=nrw.sso_url, class_refs=[LEVEL_3])
    xmldsig.sign(request, by.signing)
    result = xmlsec1_verify(safexml.to_bytes(request), by.signing.cert_pem, REQUEST_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr


def test_xmlsec1_check_can_fail(assertion, by, tmp_path):
    """The CLI check above is a real one: with another key it says no."""
    result = xmlsec1_verify(safexml.to_bytes(assertion), by.signing.cert_pem, ASSERTION_ID_ATTR, tmp_path)
    assert result.returncode != 0


def test_tampered_content_is_refused(assertion, nrw):
    document = reparsed(assertion)
    document.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}").text = "someone-else"
    with pytest.raises(SignatureRefused, match="digest"):
        xmldsig.verify(document, [nrw.signing.cert_pem])


def test_unsigned_element_is_refused(nrw):
    with pytest.raises(SignatureRefused, match="not signed"):
        xmldsig.verify(safexml.parse(b'<a ID="_1"/>'), [nrw.signing.cert_pem])


def test_stranger_key_with_its_certificate_in_keyinfo_is_refused(nrw, by, stranger):
    forged = build_assertion(
        idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url, sp_entity_id=by.entity_id,
        signing=stranger, name_id="pseudonym-1", class_ref=LEVEL_3,
    )
    # Cryptographically fine with the key it brings along...
    xmldsig.verify(reparsed(forged), [stranger.cert_pem])
    # ...but that key is not the partner's.
    with pytest.raises(SignatureRefused, match="not pinned"):
        xmldsig.verify(reparsed(forged), [nrw.signing.cert_pem])


def test_stranger_key_is_refused_even_when_keyinfo_names_the_pinned_certificate(nrw, by, stranger):
    forged = reparsed(build_assertion(
        idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url, sp_entity_id=by.entity_id,
        signing=stranger, name_id="pseudonym-1", class_ref=LEVEL_3,
    ))
    certificate = forged.find(f".//{q(DS, 'X509Certificate')}")
    certificate.text = certificate_b64(nrw.signing.cert_pem)
    with pytest.raises(SignatureRefused, match="does not verify"):
        xmldsig.verify(forged, [nrw.signing.cert_pem])


def test_signature_without_keyinfo_verifies_with_the_pinned_key(assertion, nrw):
    document = reparsed(assertion)
    signature = signature_of(document)
    signature.remove(signature.find(q(DS, "KeyInfo")))
    xmldsig.verify(document, [nrw.signing.cert_pem])


def test_one_of_several_pinned_keys_suffices(assertion, nrw, by):
    """Key rollover: the metadata lists the old and the new certificate."""
    xmldsig.verify(reparsed(assertion), [by.signing.cert_pem, nrw.signing.cert_pem])


def _edit_signed_info(assertion, edit):
    document = reparsed(assertion)
    edit(signature_of(document).find(q(DS, "SignedInfo")))
    return document


@pytest.mark.parametrize("edit, reason", [
    (lambda si: si.find(q(DS, "SignatureMethod")).set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
     "signature algorithm"),
    (lambda si: si.find(f"{q(DS, 'Reference')}/{q(DS, 'DigestMethod')}").set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"), "digest algorithm"),
    (lambda si: si.find(q(DS, "CanonicalizationMethod")).set(
        "Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"), "exclusive c14n"),
    (lambda si: si.find(q(DS, "Reference")).set("URI", ""), "references"),
    (lambda si: si.append(copy.deepcopy(si.find(q(DS, "Reference")))), "one ds:Reference"),
    (lambda si: si.find(f"{q(DS, 'Reference')}/{q(DS, 'Transforms')}").append(etree.fromstring(
        '<ds:Transform xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>')), "transforms"),
])
def test_only_the_saml_signature_profile_is_accepted(assertion, nrw, edit, reason):
    with pytest.raises(SignatureRefused, match=reason):
        xmldsig.verify(_edit_signed_info(assertion, edit), [nrw.signing.cert_pem])


def test_two_signatures_on_one_element_are_refused(assertion, nrw):
    document = reparsed(assertion)
    signature_of(document).addnext(copy.deepcopy(signature_of(document)))
    with pytest.raises(SignatureRefused, match="more than one"):
        xmldsig.verify(document, [nrw.signing.cert_pem])


def test_duplicate_ids_anywhere_in_the_document_are_refused(assertion, nrw):
    outer = etree.Element("wrapper")
    outer.append(copy.deepcopy(assertion))
    decoy = etree.SubElement(outer, "decoy")
    decoy.set("{http://www.w3.org/XML/1998/namespace}id", assertion.get("ID"))
    document = safexml.parse(etree.tostring(outer))
    with pytest.raises(SignatureRefused, match="twice"):
        xmldsig.verify(document[0], [nrw.signing.cert_pem])


def test_no_pinned_key_means_no_trust(assertion):
    with pytest.raises(SignatureRefused, match="no trusted certificate"):
        xmldsig.verify(reparsed(assertion), [])


def test_object_inside_the_signature_is_refused(assertion, nrw, tmp_path):
    """A ds:Object is not covered by an enveloped signature, so anything can be put
    there without breaking it (XSW8 hides the original there). xmlsec still says OK;
    we refuse, SAML signatures need no Object."""
    document = reparsed(assertion)
    etree.SubElement(signature_of(document), q(DS, "Object")).text = "anything"
    assert xmlsec1_verify(safexml.to_bytes(document), nrw.signing.cert_pem, ASSERTION_ID_ATTR,
                          tmp_path).returncode == 0
    with pytest.raises(SignatureRefused, match="unexpected Object"):
        xmldsig.verify(document, [nrw.signing.cert_pem])
