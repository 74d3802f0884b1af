"""The eight XML signature wrapping attacks of Somorovsky et al., "On Breaking SAML: Be
Whoever You Want to Be" (USENIX Security 2012), against our verifier and against the
whole response pipeline.

Each variant takes a genuine, validly signed message of the partner and rearranges it
so that the signature still verifies for a naive verifier (the xmlsec1 command line,
which resolves the reference wherever the ID is) while the element an application
would read is the attacker's, who claims another citizen ("evil").
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest
from lxml import etree

from federation.saml import (
    SamlError,
    SignatureRefused,
    build_assertion,
    build_response,
    parse_response,
    safexml,
    xmldsig,
    xmlenc,
)
from federation.saml.namespaces import DS, SAML, SAMLP, q

from .support import (
    GIVEN_NAME,
    LEVEL_3,
    assemble_response,
    set_name_id,
    signature_of,
    without_signature,
    xmlsec1_verify,
)

RESPONSE_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
ASSERTION_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
REQUEST_ID = "_request-1"


@dataclass
class Wrapped:
    document: bytes              # the whole attacked message
    read: str                    # XPath of the element a naive application reads
    id_attr: str                 # what the naive verifier registers as ID
    signature: str | None = None  # XPath of the signature it checks (None: the first)

    @property
    def claimed(self) -> str:
        """The element the application takes as signed: the Response whose signature
        it checked (XSW1/2), otherwise the assertion it reads."""
        return "/samlp:Response" if self.id_attr == RESPONSE_ID_ATTR else self.read


def _evil_assertion(assertion: etree._Element, *, keep_signature: bool) -> etree._Element:
    evil = copy.deepcopy(assertion) if keep_signature else without_signature(assertion)
    evil.set("ID", "_evil-assertion")
    set_name_id(evil, "evil")
    return evil


def _children_of(element, tag):
    return [child for child in element if child.tag == tag]


def xsw(variant: int, response: etree._Element) -> Wrapped:
    """`response`: a signed samlp:Response holding one signed, plain saml:Assertion."""
    response = copy.deepcopy(response)
    assertion = _children_of(response, q(SAML, "Assertion"))[0]
    if variant in (1, 2):
        # Response wrapping: an evil clone of the Response becomes the root and keeps
        # the original Response's signature; the original (minus its signature, which
        # the enveloped transform ignores anyway) goes inside that signature (XSW1)
        # or before it (XSW2).
        evil = copy.deepcopy(response)
        evil.set("ID", "_evil-response")
        evil_assertion = _children_of(evil, q(SAML, "Assertion"))[0]
        evil.replace(evil_assertion, _evil_assertion(evil_assertion, keep_signature=False))
        original = without_signature(response)
        if variant == 1:
            signature_of(evil).append(original)
        else:
            signature_of(evil).addprevious(original)
        return Wrapped(etree.tostring(evil), "/samlp:Response/saml:Assertion", RESPONSE_ID_ATTR,
                       "/*/*[local-name()='Signature']")

    # Assertion wrapping: the Response's own signature is dropped (the attacker cannot
    # keep it valid), the assertion's signature is what is abused.
    response = without_signature(response)
    assertion = _children_of(response, q(SAML, "Assertion"))[0]
    if variant == 3:
        # An unsigned evil assertion before the signed original.
        assertion.addprevious(_evil_assertion(assertion, keep_signature=False))
    elif variant == 4:
        # The original inside the evil assertion (in Advice, where the schema allows it).
        evil = _evil_assertion(assertion, keep_signature=False)
        advice = etree.Element(q(SAML, "Advice"))
        evil.find(q(SAML, "Conditions")).addnext(advice)
        advice.append(copy.deepcopy(assertion))
        response.replace(assertion, evil)
    elif variant == 5:
        # The evil assertion carries the copied signature; the original, without it,
        # is moved to the end of the Response.
        evil = _evil_assertion(assertion, keep_signature=True)
        response.replace(assertion, evil)
        response.append(without_signature(assertion))
    elif variant == 6:
        # As 5, but the original goes inside the copied signature.
        evil = _evil_assertion(assertion, keep_signature=True)
        signature_of(evil).append(without_signature(assertion))
        response.replace(assertion, evil)
    elif variant == 7:
        # The signed original hidden in samlp:Extensions, whose content nobody reads.
        extensions = etree.Element(q(SAMLP, "Extensions"))
        response.find(q(SAML, "Issuer")).addnext(extensions)
        extensions.append(copy.deepcopy(assertion))
        response.replace(assertion, _evil_assertion(assertion, keep_signature=False))
    elif variant == 8:
        # As 6, but inside a ds:Object, whose content the schema leaves open.
        evil = _evil_assertion(assertion, keep_signature=True)
        obj = etree.SubElement(signature_of(evil), q(DS, "Object"))
        obj.append(without_signature(assertion))
        response.replace(assertion, evil)
    return Wrapped(etree.tostring(response), "/samlp:Response/saml:Assertion[1]", ASSERTION_ID_ATTR)


NS = {"samlp": SAMLP, "saml": SAML}
VARIANTS = range(1, 9)
# xmlsec itself refuses these three: it parses ds:Signature strictly (XSW1 and XSW6
# put a foreign element straight into it), and for XSW8 the enveloped-signature
# transform cuts the original out of its own hiding place inside the Signature.
# Our verifier must not rely on that, so they are refused by our checks too.
STOPPED_BY_XMLSEC = {1, 6, 8}


@pytest.fixture
def plain_response(nrw, by):
    """The genuine message the attacker starts from (plain, so the wrapping can be
    shown against the signature layer alone)."""
    assertion = build_assertion(
        idp_entity_id=nrw.entity_id, in_response_to=REQUEST_ID, acs_url=by.acs_url, sp_entity_id=by.entity_id,
        signing=nrw.signing, name_id="erika", class_ref=LEVEL_3,
        attributes=[(GIVEN_NAME, "givenName", ["Erika"], LEVEL_3)],
    )
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url,
                            in_response_to=REQUEST_ID, signing=nrw.signing, encrypt_for=None)
    return safexml.parse(raw)


def test_the_genuine_message_verifies(plain_response, nrw, tmp_path):
    assert xmlsec1_verify(safexml.to_bytes(plain_response), nrw.signing.cert_pem,
                          RESPONSE_ID_ATTR, tmp_path).returncode == 0
    assertion = plain_response.find("saml:Assertion", NS)
    assert xmldsig.verify(assertion, [nrw.signing.cert_pem]).findtext(".//saml:NameID", namespaces=NS) == "erika"


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"XSW{n}" for n in VARIANTS])
def test_naive_verification_is_fooled(variant, plain_response, nrw, tmp_path):
    """Shows each variant is a real attack: the element an application would read
    says "evil", and (but for the three xmlsec catches by itself) xmlsec1 accepts
    the signature."""
    wrapped = xsw(variant, plain_response)
    read = etree.fromstring(wrapped.document).xpath(wrapped.read, namespaces=NS)[0]
    if variant in (1, 2):
        assert read.getparent().get("ID") == "_evil-response"
    assert read.findtext("saml:Subject/saml:NameID", namespaces=NS) == "evil"
    result = xmlsec1_verify(wrapped.document, nrw.signing.cert_pem, wrapped.id_attr, tmp_path,
                            node_xpath=wrapped.signature)
    assert (result.returncode == 0) is (variant not in STOPPED_BY_XMLSEC), result.stderr


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"XSW{n}" for n in VARIANTS])
def test_our_verifier_refuses_the_element_an_application_would_read(variant, plain_response, nrw):
    wrapped = xsw(variant, plain_response)
    document = safexml.parse(wrapped.document)
    claimed = document.xpath(wrapped.claimed, namespaces=NS)[0]
    with pytest.raises(SignatureRefused):
        xmldsig.verify(claimed, [nrw.signing.cert_pem])


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"XSW{n}" for n in VARIANTS])
def test_whatever_verifies_is_the_genuine_content(variant, plain_response, nrw):
    """Where the signed original is still somewhere in the document, verifying it
    yields the original citizen, never the evil one."""
    document = safexml.parse(xsw(variant, plain_response).document)
    for candidate in document.iter(q(SAML, "Assertion"), q(SAMLP, "Response")):
        try:
            verified = xmldsig.verify(candidate, [nrw.signing.cert_pem])
        except SignatureRefused:
            continue
        names = {n.text for n in verified.iter(q(SAML, "NameID"))}
        assert "evil" not in names


# -- against the whole pipeline, with encryption -----------------------------------------
def _encrypted_variant(variant: int, nrw, by) -> bytes:
    """The same attacks where the assertion travels encrypted: anyone can encrypt for
    our public certificate, so the attacker rearranges and re-encrypts at will."""
    assertion = build_assertion(
        idp_entity_id=nrw.entity_id, in_response_to=REQUEST_ID, acs_url=by.acs_url, sp_entity_id=by.entity_id,
        signing=nrw.signing, name_id="erika", class_ref=LEVEL_3,
    )
    enc = by.encryption.cert_pem
    if variant in (1, 2):
        genuine = build_response(
            idp_entity_id=nrw.entity_id, in_response_to=REQUEST_ID, acs_url=by.acs_url, sp_entity_id=by.entity_id,
            sp_encryption_cert=enc, signing=nrw.signing, name_id="erika", class_ref=LEVEL_3,
        )
        genuine = safexml.parse(safexml.to_bytes(genuine))
        evil = copy.deepcopy(genuine)
        evil.set("ID", "_evil-response")
        evil.replace(evil.find(q(SAML, "EncryptedAssertion")),
                     xmlenc.encrypt_assertion(_evil_assertion(assertion, keep_signature=False), enc))
        original = without_signature(genuine)
        if variant == 1:
            signature_of(evil).append(original)
        else:
            signature_of(evil).addprevious(original)
        return etree.tostring(evil)
    common = dict(issuer=nrw.entity_id, destination=by.acs_url, in_response_to=REQUEST_ID, signing=None,
                  encrypt_for=enc)
    if variant == 3:
        return assemble_response([_evil_assertion(assertion, keep_signature=False), assertion], **common)
    if variant == 4:
        evil = _evil_assertion(assertion, keep_signature=False)
        advice = etree.Element(q(SAML, "Advice"))
        evil.find(q(SAML, "Conditions")).addnext(advice)
        advice.append(copy.deepcopy(assertion))
        return assemble_response([evil], **common)
    if variant == 5:
        return assemble_response([_evil_assertion(assertion, keep_signature=True), without_signature(assertion)],
                                 **common)
    if variant == 6:
        evil = _evil_assertion(assertion, keep_signature=True)
        signature_of(evil).append(without_signature(assertion))
        return assemble_response([evil], **common)
    if variant == 7:
        response = safexml.parse(assemble_response([_evil_assertion(assertion, keep_signature=False)], **common))
        extensions = etree.Element(q(SAMLP, "Extensions"))
        response.find(q(SAML, "Issuer")).addnext(extensions)
        extensions.append(xmlenc.encrypt_assertion(assertion, enc))
        return etree.tostring(response)
    evil = _evil_assertion(assertion, keep_signature=True)
    etree.SubElement(signature_of(evil), q(DS, "Object")).append(without_signature(assertion))
    return assemble_response([evil], **common)


def _parse(raw, nrw, by, replay_cache):
    return parse_response(raw, idp=nrw.metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                          expected_request_id=REQUEST_ID, decryption_keys=[by.encryption],
                          first_use=replay_cache)


def test_the_genuine_encrypted_response_is_accepted(nrw, by, replay_cache):
    genuine = build_response(
        idp_entity_id=nrw.entity_id, in_response_to=REQUEST_ID, acs_url=by.acs_url, sp_entity_id=by.entity_id,
        sp_encryption_cert=by.encryption.cert_pem, signing=nrw.signing, name_id="erika", class_ref=LEVEL_3,
    )
    assert _parse(safexml.to_bytes(genuine), nrw, by, replay_cache).name_id == "erika"


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"XSW{n}" for n in VARIANTS])
def test_parse_response_refuses_every_variant(variant, nrw, by, replay_cache):
    with pytest.raises(SamlError) as refused:
        _parse(_encrypted_variant(variant, nrw, by), nrw, by, replay_cache)
    assert refused.value.user_message
    assert not replay_cache.seen  # nothing got far enough to use up an assertion ID
