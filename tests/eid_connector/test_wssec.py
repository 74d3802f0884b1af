"""WS-Security of the eID-Interface: what we sign verifies with an independent
implementation (the xmlsec1 command), and every way of getting an untrusted message
past the verifier is refused."""
from __future__ import annotations

import base64
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from eid_connector.errors import EidProtocolError, SignatureRefused
from eid_connector.namespaces import DS, SOAP, WSSE, WSU
from eid_connector.wssec import Signer, Verifier, build_fault, find_fault

from .conftest import make_credentials

BODY = f"{{{SOAP}}}Body"
HEADER = f"{{{SOAP}}}Header"
SECURITY = f"{{{WSSE}}}Security"
TIMESTAMP = f"{{{WSU}}}Timestamp"
WSU_ID = f"{{{WSU}}}Id"


def signed(creds, payload, **kwargs) -> bytes:
    now = kwargs.pop("now", None)
    return Signer(creds.key_pem, creds.cert_pem, **kwargs).sign(payload, now=now)


def xmlsec1_verify(tmp_path, data: bytes, cert_pem: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "msg.xml").write_bytes(data)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    # --id-attr:<attr> <node-ns>:<node>: the attribute is matched by local name, so
    # wsu:Id on soap:Body and wsu:Timestamp becomes an ID.
    return subprocess.run(
        ["xmlsec1", "--verify",
         "--id-attr:Id", f"{SOAP}:Body",
         "--id-attr:Id", f"{WSU}:Timestamp",
         "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
         str(tmp_path / "msg.xml")],
        capture_output=True, text=True, timeout=30,
    )


def der_base64(creds) -> str:
    """The certificate of `creds` as it appears in a message: base64 of the DER."""
    der = x509.load_pem_x509_certificate(creds.cert_pem).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode("ascii")


def refused(verifier: Verifier, data: bytes, reason: str, now=None) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as info:
        verifier.verify(data, now=now)
    assert re.search(reason, info.value.reason), info.value.reason
    return info.value


# -- the good case -----------------------------------------------------------------------
@pytest.mark.parametrize("key_reference", ["bst", "issuer_serial"])
def test_signature_verifies_with_xmlsec1_and_with_our_verifier(tmp_path, server_creds, payload, key_reference):
    data = signed(server_creds, payload, key_reference=key_reference)

    result = xmlsec1_verify(tmp_path, data, server_creds.cert_pem)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    assert "SignedInfo References (ok/all): 2/2" in result.stdout + result.stderr

    verified = Verifier(server_creds.cert_pem).verify(data)
    assert etree.QName(verified.payload).localname == "getResultRequest"
    assert verified.payload.findtext("{http://bsi.bund.de/eID/}RequestCounter") == "1"
    assert verified.expires - verified.created == timedelta(minutes=5)


def test_xmlsec1_rejects_tampering_and_other_keys(tmp_path, server_creds, rogue_creds, payload):
    """Negative control: the xmlsec1 check above is not vacuous."""
    data = signed(server_creds, payload)
    assert xmlsec1_verify(tmp_path, data, rogue_creds.cert_pem).returncode != 0
    tampered = data.replace(b"<eid:RequestCounter>1<", b"<eid:RequestCounter>2<")
    assert tampered != data
    assert xmlsec1_verify(tmp_path, tampered, server_creds.cert_pem).returncode != 0


def test_envelope_layout(server_creds, payload):
    root = etree.fromstring(signed(server_creds, payload))
    security = root.find(f"{HEADER}/{SECURITY}")
    assert security.get(f"{{{SOAP}}}mustUnderstand") == "1"
    assert [etree.QName(c).localname for c in security] == ["Timestamp", "BinarySecurityToken", "Signature"]
    token = security.find(f"{{{WSSE}}}BinarySecurityToken")
    assert token.get("ValueType").endswith("#X509v3")
    signed_info = security.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert signed_info.find(f"{{{DS}}}SignatureMethod").get("Algorithm").endswith("rsa-sha256")
    assert signed_info.find(f"{{{DS}}}CanonicalizationMethod").get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    uris = {r.get("URI") for r in signed_info.findall(f"{{{DS}}}Reference")}
    assert uris == {"#" + root.find(BODY).get(WSU_ID), "#" + security.find(TIMESTAMP).get(WSU_ID)}
    reference = security.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference")
    assert reference.get("URI") == "#" + token.get(WSU_ID)


def test_signer_refuses_a_key_that_does_not_match_the_certificate(server_creds, rogue_creds):
    with pytest.raises(ValueError):
        Signer(rogue_creds.key_pem, server_creds.cert_pem)


# -- refusals ----------------------------------------------------------------------------
def test_tampered_body_is_refused(server_creds, payload):
    data = signed(server_creds, payload)
    tampered = data.replace(b"<eid:RequestCounter>1<", b"<eid:RequestCounter>7<")
    assert tampered != data
    refused(Verifier(server_creds.cert_pem), tampered, "does not verify")


def test_tampered_timestamp_is_refused(server_creds, payload):
    data = signed(server_creds, payload)
    tampered = re.sub(rb"(<wsu:Expires>)\d{4}", rb"\g<1>2099", data)
    assert tampered != data
    refused(Verifier(server_creds.cert_pem), tampered, "does not verify")


def test_unsigned_envelope_is_refused(server_creds, payload):
    envelope = etree.Element(f"{{{SOAP}}}Envelope")
    etree.SubElement(envelope, HEADER)
    etree.SubElement(envelope, BODY).append(payload)
    refused(Verifier(server_creds.cert_pem), etree.tostring(envelope), "unsigned")


def test_envelope_without_header_is_refused(server_creds, payload):
    envelope = etree.Element(f"{{{SOAP}}}Envelope")
    etree.SubElement(envelope, BODY).append(payload)
    refused(Verifier(server_creds.cert_pem), etree.tostring(envelope), "unsigned: no SOAP Header")


def test_envelope_with_two_bodies_is_refused(server_creds, payload):
    root = etree.fromstring(signed(server_creds, payload))
    etree.SubElement(root, BODY).append(etree.fromstring(EVIL))
    refused(Verifier(server_creds.cert_pem), etree.tostring(root), "exactly one Header and one Body")


def test_security_header_without_signature_is_refused(server_creds, payload):
    root = etree.fromstring(signed(server_creds, payload))
    signature = root.find(f"{HEADER}/{SECURITY}/{{{DS}}}Signature")
    signature.getparent().remove(signature)
    refused(Verifier(server_creds.cert_pem), etree.tostring(root), "Signature")


def test_signed_by_another_certificate_is_refused(server_creds, rogue_creds, payload):
    data = signed(rogue_creds, payload)
    refused(Verifier(server_creds.cert_pem), data, "not the trusted certificate")
    data = signed(rogue_creds, payload, key_reference="issuer_serial")
    refused(Verifier(server_creds.cert_pem), data, "not the trusted certificate")


def test_trusted_certificate_in_the_token_does_not_help_a_foreign_key(server_creds, rogue_creds, payload):
    """Swap the pinned certificate into the token of a message signed with another key:
    the signature is checked with the pinned key, not with whatever the token says."""
    root = etree.fromstring(signed(rogue_creds, payload))
    root.find(f"{HEADER}/{SECURITY}/{{{WSSE}}}BinarySecurityToken").text = der_base64(server_creds)
    refused(Verifier(server_creds.cert_pem), etree.tostring(root), "does not verify")


def _with_x509_certificate(data: bytes, text: str) -> bytes:
    """KeyInfo naming the signer by ds:X509Data/ds:X509Certificate (KeyInfo is not signed)."""
    root = etree.fromstring(data)
    key_info = root.find(f"{HEADER}/{SECURITY}/{{{DS}}}Signature/{{{DS}}}KeyInfo")
    for child in list(key_info):
        key_info.remove(child)
    x509_data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
    etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = text
    return etree.tostring(root)


def test_key_info_with_the_certificate_itself(server_creds, rogue_creds, payload):
    data = signed(server_creds, payload, key_reference="issuer_serial")
    verifier = Verifier(server_creds.cert_pem)
    verifier.verify(_with_x509_certificate(data, der_base64(server_creds)))
    refused(verifier, _with_x509_certificate(data, der_base64(rogue_creds)), "not the trusted certificate")
    # Not base64 at all: refused like any other bad KeyInfo, not an unexpected error.
    refused(verifier, _with_x509_certificate(data, "abc"), "X509Certificate is not base64")


def test_stale_timestamp_is_refused(server_creds, payload):
    now = datetime.now(timezone.utc)
    data = signed(server_creds, payload, now=now - timedelta(minutes=10), ttl=timedelta(hours=1))
    refused(Verifier(server_creds.cert_pem), data, "stale", now=now)


def test_expired_timestamp_is_refused(server_creds, payload):
    now = datetime.now(timezone.utc)
    data = signed(server_creds, payload, now=now - timedelta(minutes=3), ttl=timedelta(minutes=1))
    refused(Verifier(server_creds.cert_pem), data, "expired", now=now)


def test_timestamp_from_the_future_is_refused_beyond_the_skew(server_creds, payload):
    now = datetime.now(timezone.utc)
    verifier = Verifier(server_creds.cert_pem, skew=timedelta(seconds=60))
    verifier.verify(signed(server_creds, payload, now=now + timedelta(seconds=30)), now=now)
    refused(verifier, signed(server_creds, payload, now=now + timedelta(minutes=5)), "future", now=now)


def test_injected_clock_decides_freshness(server_creds, payload):
    signed_at = datetime(2030, 1, 15, 12, 0, tzinfo=timezone.utc)
    creds = make_credentials("eID-Server", valid_from=signed_at - timedelta(days=1))
    data = signed(creds, payload, now=signed_at)
    verifier = Verifier(creds.cert_pem)
    verifier.verify(data, now=signed_at + timedelta(minutes=2))
    refused(verifier, data, "stale|expired", now=signed_at + timedelta(minutes=20))


def test_expired_trusted_certificate_is_refused(payload):
    creds = make_credentials("eID-Server", valid_from=datetime.now(timezone.utc) - timedelta(days=60))
    data = signed(creds, payload)
    refused(Verifier(creds.cert_pem), data, "not valid at this time")


def _drop_reference(data: bytes, target: str) -> bytes:
    root = etree.fromstring(data)
    node = root.find(BODY) if target == "Body" else root.find(f"{HEADER}/{SECURITY}/{TIMESTAMP}")
    for reference in root.iter(f"{{{DS}}}Reference"):
        if reference.get("URI") == "#" + node.get(WSU_ID):
            reference.getparent().remove(reference)
    return etree.tostring(root)


def test_body_not_covered_is_refused(server_creds, payload):
    data = _drop_reference(signed(server_creds, payload), "Body")
    refused(Verifier(server_creds.cert_pem), data, "Body is not covered")


def test_timestamp_not_covered_is_refused(server_creds, payload):
    data = _drop_reference(signed(server_creds, payload), "Timestamp")
    refused(Verifier(server_creds.cert_pem), data, "Timestamp is not covered")


def test_weak_algorithms_are_refused(server_creds, payload):
    data = signed(server_creds, payload).replace(
        b"http://www.w3.org/2001/04/xmlenc#sha256", b"http://www.w3.org/2000/09/xmldsig#sha1", 1)
    refused(Verifier(server_creds.cert_pem), data, "digest algorithm")
    data = signed(server_creds, payload).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", b"http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    refused(Verifier(server_creds.cert_pem), data, "signature algorithm")


# -- signature wrapping ------------------------------------------------------------------
EVIL = b"""<eid:getResultRequest xmlns:eid="http://bsi.bund.de/eID/">
<eid:Session><eid:ID>FFEEDDCCBBAA99887766554433221100</eid:ID></eid:Session>
<eid:RequestCounter>99</eid:RequestCounter></eid:getResultRequest>"""


def _wrap(data: bytes, new_body_id: str | None) -> bytes:
    """Move the signed Body into a header block and put a forged Body in its place."""
    root = etree.fromstring(data)
    original = root.find(BODY)
    wrapper = etree.SubElement(root.find(HEADER), "{urn:attacker}Wrapper")
    root.remove(original)
    wrapper.append(original)
    forged = etree.SubElement(root, BODY)
    if new_body_id is not None:
        forged.set(WSU_ID, new_body_id)
    forged.append(etree.fromstring(EVIL))
    return etree.tostring(root)


def test_wrapping_with_a_forged_body_without_id_is_refused(server_creds, payload):
    data = _wrap(signed(server_creds, payload), None)
    refused(Verifier(server_creds.cert_pem), data, "Body carries no wsu:Id")


def test_wrapping_with_a_forged_body_reusing_the_id_is_refused(server_creds, payload):
    data = signed(server_creds, payload)
    body_id = etree.fromstring(data).find(BODY).get(WSU_ID)
    refused(Verifier(server_creds.cert_pem), _wrap(data, body_id), "duplicate ID")


def test_wrapping_with_a_forged_body_under_a_new_id_is_refused(tmp_path, server_creds, payload):
    data = _wrap(signed(server_creds, payload), "Body-forged")
    # A verifier that only checks the references is fooled by this message ...
    naive = xmlsec1_verify(tmp_path, data, server_creds.cert_pem)
    assert naive.returncode == 0, naive.stderr
    # ... ours insists that the envelope's actual Body is the signed one.
    refused(Verifier(server_creds.cert_pem), data, "Body is not covered")


def test_second_security_header_is_refused(server_creds, payload):
    root = etree.fromstring(signed(server_creds, payload))
    root.find(HEADER).append(etree.Element(SECURITY))
    refused(Verifier(server_creds.cert_pem), etree.tostring(root), "more than one wsse:Security")


# -- parsing hardening and faults --------------------------------------------------------
def test_doctype_and_entities_are_refused(server_creds, payload):
    data = signed(server_creds, payload)
    with_dtd = data.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY e "boom">]>', 1)
    with pytest.raises(EidProtocolError):
        Verifier(server_creds.cert_pem).verify(with_dtd)


def test_comment_cannot_split_a_signed_value(server_creds):
    """exc-c14n ignores comments; the parser drops them so text is read whole."""
    payload = etree.fromstring(b'<eid:getResultRequest xmlns:eid="http://bsi.bund.de/eID/">'
                               b'<eid:Session><eid:ID>00112233445566778899AABBCCDDEEFF</eid:ID></eid:Session>'
                               b'<eid:RequestCounter>12</eid:RequestCounter></eid:getResultRequest>')
    data = signed(server_creds, payload).replace(b">12<", b">1<!-- x -->2<")
    verified = Verifier(server_creds.cert_pem).verify(data)
    assert verified.payload.findtext("{http://bsi.bund.de/eID/}RequestCounter") == "12"


def test_fault_round_trip():
    assert find_fault(build_fault("Server", "kaputt")) == ("soap:Server", "kaputt")
    assert find_fault(b"<not-soap/>") is None
    assert find_fault(b"garbage") is None


def test_certificate_token_is_base64_of_the_der(server_creds, payload):
    root = etree.fromstring(signed(server_creds, payload))
    token = root.find(f"{HEADER}/{SECURITY}/{{{WSSE}}}BinarySecurityToken").text
    cert = x509.load_pem_x509_certificate(server_creds.cert_pem)
    assert base64.b64decode(token) == cert.public_bytes(serialization.Encoding.DER)
