"""Assertion encryption: AES-256-GCM with RSA-OAEP, readable by the xmlsec1 1.2 CLI that
pysaml2 uses; everything weaker or stranger is refused on the way in."""
from __future__ import annotations

import base64
import copy
import subprocess

import pytest
import xmlsec
from lxml import etree

from federation.saml import DecryptionFailed, build_assertion, safexml, xmlenc
from federation.saml.keys import certificate_der, xmlsec_public_key
from federation.saml.namespaces import (
    AES256_GCM,
    DS,
    RSA_OAEP_MGF1P,
    SAML,
    XENC,
    q,
)

from .support import LEVEL_3, XMLSEC1


@pytest.fixture
def assertion(nrw, by):
    return build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                           sp_entity_id=by.entity_id, signing=nrw.signing, name_id="geheim-4711",
                           class_ref=LEVEL_3)


def encrypt_bytes(plaintext: bytes, cert_pem, data=xmlsec.Transform.AES256_GCM, bits=256,
                  transport=xmlsec.Transform.RSA_OAEP):
    """python-xmlsec with any algorithms and any plaintext, standing in for a partner
    with other defaults (or for an attacker: anyone can encrypt for our certificate)."""
    container = etree.Element(q(SAML, "EncryptedAssertion"), nsmap={"saml": SAML})
    template = xmlsec.template.encrypted_data_create(container, data, type=xmlsec.EncryptionType.ELEMENT,
                                                     ns="xenc")
    container.append(template)
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    xmlsec.template.encrypted_data_ensure_cipher_value(xmlsec.template.add_encrypted_key(key_info, transport))
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec_public_key(cert_pem))
    ctx = xmlsec.EncryptionContext(manager)
    key_data = xmlsec.KeyData.DES if data == xmlsec.Transform.DES3 else xmlsec.KeyData.AES
    ctx.key = xmlsec.Key.generate(key_data, bits, xmlsec.KeyDataType.SESSION)
    ctx.encrypt_binary(template, plaintext)
    return safexml.parse(etree.tostring(container))


def encrypt_with(element, cert_pem, *args):
    return encrypt_bytes(etree.tostring(element), cert_pem, *args)


def test_round_trip(assertion, by):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    assert b"geheim-4711" not in etree.tostring(encrypted)
    decrypted = xmlenc.decrypt_assertion(encrypted, [by.encryption])
    assert etree.tostring(decrypted, method="c14n") == etree.tostring(
        safexml.parse(etree.tostring(assertion)), method="c14n")


def test_algorithms_on_the_wire(assertion, by):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    data = encrypted.find(q(XENC, "EncryptedData"))
    assert data.find(q(XENC, "EncryptionMethod")).get("Algorithm") == AES256_GCM
    key = data.find(f"{q(DS, 'KeyInfo')}/{q(XENC, 'EncryptedKey')}")
    assert key.find(q(XENC, "EncryptionMethod")).get("Algorithm") == RSA_OAEP_MGF1P
    hint = key.find(f"{q(DS, 'KeyInfo')}/{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}").text
    assert base64.b64decode(hint) == certificate_der(by.encryption.cert_pem)


def test_xmlsec1_cli_decrypts_our_encryption(assertion, by, tmp_path):
    """The xmlsec1 1.2 command line (what pysaml2 runs) reads AES-256-GCM / RSA-OAEP."""
    document = tmp_path / "encrypted.xml"
    key = tmp_path / "key.pem"
    document.write_bytes(etree.tostring(xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)))
    key.write_bytes(by.encryption.key_pem)
    result = subprocess.run([XMLSEC1, "--decrypt", "--privkey-pem", str(key), str(document)],
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert b"geheim-4711" in result.stdout


def test_wrong_key_is_refused(assertion, by, nrw):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    with pytest.raises(DecryptionFailed):
        xmlenc.decrypt_assertion(encrypted, [nrw.encryption, by.signing])


def test_the_matching_key_among_several_is_found(assertion, by, nrw):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    assert xmlenc.decrypt_assertion(encrypted, [nrw.encryption, by.encryption]).get("ID") == assertion.get("ID")


def test_gcm_detects_tampering(assertion, by):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    value = encrypted.find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}")
    raw = bytearray(base64.b64decode(value.text))
    raw[20] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionFailed):
        xmlenc.decrypt_assertion(encrypted, [by.encryption])


def test_other_gcm_senders_are_read(assertion, by):
    encrypted = encrypt_with(assertion, by.encryption.cert_pem, xmlsec.Transform.AES128_GCM, 128)
    assert xmlenc.decrypt_assertion(encrypted, [by.encryption]).get("ID") == assertion.get("ID")


@pytest.mark.parametrize("data, bits, transport, reason", [
    (xmlsec.Transform.DES3, 192, xmlsec.Transform.RSA_OAEP, "AES-GCM only"),          # pysaml2's default
    (xmlsec.Transform.AES128, 128, xmlsec.Transform.RSA_OAEP, "AES-GCM only"),        # CBC: padding oracle
    (xmlsec.Transform.AES256_GCM, 256, xmlsec.Transform.RSA_PKCS1, "RSA-OAEP only"),  # Bleichenbacher
])
def test_weak_algorithms_are_refused(assertion, by, data, bits, transport, reason):
    encrypted = encrypt_with(assertion, by.encryption.cert_pem, data, bits, transport)
    # Readable in principle (python-xmlsec decrypts it without complaint)...
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(by.encryption.key_pem, xmlsec.KeyFormat.PEM))
    xmlsec.EncryptionContext(manager).decrypt(copy.deepcopy(encrypted)[0])
    # ...but not by us.
    with pytest.raises(DecryptionFailed, match=reason):
        xmlenc.decrypt_assertion(encrypted, [by.encryption])


def test_encrypted_key_beside_the_encrypted_data_is_found(assertion, by):
    """saml-core 6.2 allows the EncryptedKey as a sibling of the EncryptedData."""
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    data = encrypted.find(q(XENC, "EncryptedData"))
    key_info = data.find(q(DS, "KeyInfo"))
    encrypted.append(key_info.find(q(XENC, "EncryptedKey")))
    data.remove(key_info)
    assert xmlenc.decrypt_assertion(encrypted, [by.encryption]).get("ID") == assertion.get("ID")


def test_cipher_reference_is_never_followed(assertion, by):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    cipher_data = encrypted.find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'CipherData')}")
    cipher_data.remove(cipher_data[0])
    etree.SubElement(cipher_data, q(XENC, "CipherReference")).set("URI", "file:///etc/passwd")
    with pytest.raises(DecryptionFailed, match="inline CipherValue"):
        xmlenc.decrypt_assertion(encrypted, [by.encryption])


def test_content_type_is_refused(assertion, by):
    encrypted = xmlenc.encrypt_assertion(assertion, by.encryption.cert_pem)
    encrypted.find(q(XENC, "EncryptedData")).set("Type", "http://www.w3.org/2001/04/xmlenc#Content")
    with pytest.raises(DecryptionFailed, match="not an element"):
        xmlenc.decrypt_assertion(encrypted, [by.encryption])


@pytest.mark.parametrize("plaintext, reason", [
    (b'<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">x</saml:Issuer>', "not a saml:Assertion"),
    (b'<a/><b/>', "not exactly one element"),
    (b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&xxe;</saml:Assertion>', None),
])
def test_plaintext_must_be_one_assertion(by, plaintext, reason):
    # An entity reference cannot be defined inside an element (no DTD there), so it
    # can only fail.
    with pytest.raises(DecryptionFailed, match=reason):
        xmlenc.decrypt_assertion(encrypt_bytes(plaintext, by.encryption.cert_pem), [by.encryption])


def test_plaintext_relying_on_the_senders_namespaces(by):
    plaintext = b'<p:Assertion ID="_a" Version="2.0" IssueInstant="2030-01-01T00:00:00Z">' \
                b'<p:Issuer>x</p:Issuer></p:Assertion>'
    encrypted = encrypt_bytes(plaintext, by.encryption.cert_pem)
    with pytest.raises(DecryptionFailed):
        xmlenc.decrypt_assertion(encrypted, [by.encryption])
    decrypted = xmlenc.decrypt_assertion(encrypted, [by.encryption], namespaces={"p": SAML})
    assert decrypted.tag == q(SAML, "Assertion")
