"""The one parser and the XSD validation: what never gets in, and what every emitted
message looks like to the official schemas."""
from __future__ import annotations

import base64
import time

import pytest
from lxml import etree

from federation.saml import (
    MalformedMessage,
    SchemaViolation,
    build_authn_request,
    build_error_response,
    build_response,
    decode_post,
    parse_authn_request,
    parse_metadata,
    parse_response,
    post_fields,
    safexml,
    schema,
    xmldsig,
    xmlenc,
)
from federation.saml.namespaces import HTTP_POST, SAML, STATUS_AUTHN_FAILED, STATUS_RESPONDER, q

from .support import GIVEN_NAME, LEVEL_3, SURNAME

PASSWD_MARKER = b"root:"

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"
 IssueInstant="2030-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode
 Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>&xxe;</samlp:Response>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol9;</samlp:Response>"""


def test_the_passwd_file_exists_so_the_xxe_tests_mean_something():
    with open("/etc/passwd", "rb") as handle:
        assert PASSWD_MARKER in handle.read()


def test_xxe_is_refused_and_never_reads_the_file(nrw, by, replay_cache):
    # The same document through a permissive parser would expand the file...
    permissive = etree.fromstring(XXE, etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True))
    assert PASSWD_MARKER in etree.tostring(permissive)
    # ...ours refuses the document before anything is resolved.
    with pytest.raises(MalformedMessage) as refused:
        safexml.parse(XXE)
    assert "DOCTYPE" in str(refused.value)
    with pytest.raises(MalformedMessage) as refused:
        parse_response(XXE, idp=nrw.metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                       expected_request_id="_r", decryption_keys=[by.encryption], first_use=replay_cache)
    assert PASSWD_MARKER not in str(refused.value).encode()
    assert refused.value.code == "malformed"
    assert "Servicekonto" in refused.value.user_message


def test_xxe_in_a_posted_authn_request_and_in_metadata_is_refused(by):
    form = {"SAMLRequest": base64.b64encode(XXE.replace(b"Response", b"AuthnRequest")).decode()}
    with pytest.raises(MalformedMessage):
        parse_authn_request(HTTP_POST, form, lookup=lambda _: None, sso_url=by.sso_url)
    with pytest.raises(MalformedMessage):
        parse_metadata(XXE)


def test_billion_laughs_is_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(MalformedMessage):
        safexml.parse(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("document", [
    b"<?xml-stylesheet href='x.xsl'?><a/>",
    b"<a><?evil x?></a>",
    b"<a/><?after x?>",
    b"<a>&undefined;</a>",
    b"<a>",
    "<a/>",
])
def test_processing_instructions_entities_and_junk_are_refused(document):
    with pytest.raises(MalformedMessage):
        safexml.parse(document)


def test_comments_are_dropped_so_a_comment_cannot_split_a_signed_value():
    root = safexml.parse(b"<a>erika@example.org<!-- -->.evil.example</a>")
    assert root.text == "erika@example.org.evil.example"


def test_oversized_messages_are_refused():
    with pytest.raises(MalformedMessage):
        safexml.parse(b"<a>" + b"x" * safexml.MAX_MESSAGE_BYTES + b"</a>")


# -- XSD ------------------------------------------------------------------------------
def test_every_emitted_message_validates(by, nrw):
    request_id, request = build_authn_request(
        sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url, class_refs=[LEVEL_3],
        requested_attributes=[(GIVEN_NAME, True), (SURNAME, False)], force_authn=True,
    )
    schema.validate(request)
    schema.validate(xmldsig.sign(request, by.signing))

    response = build_response(
        idp_entity_id=nrw.entity_id, in_response_to=request_id, acs_url=by.acs_url,
        sp_entity_id=by.entity_id, sp_encryption_cert=by.encryption.cert_pem, signing=nrw.signing,
        name_id="pseudonym-1", class_ref=LEVEL_3,
        attributes=[(GIVEN_NAME, "givenName", ["Erika"], LEVEL_3), (SURNAME, "sn", "Mustermann", None)],
        session_index="s-1",
    )
    schema.validate(response)
    assertion = xmlenc.decrypt_assertion(response.find(q(SAML, "EncryptedAssertion")), [by.encryption])
    schema.validate(assertion)

    error = build_error_response(
        idp_entity_id=nrw.entity_id, in_response_to=request_id, acs_url=by.acs_url, signing=nrw.signing,
        status_code=STATUS_RESPONDER, second_level=STATUS_AUTHN_FAILED, message="Abbruch durch Nutzer",
    )
    schema.validate(error)
    # What travels is what validates: the form field decodes to the same message.
    schema.validate(safexml.parse(decode_post(post_fields(error)["SAMLResponse"])))


def test_schema_violations_are_refused(by, nrw):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url,
                                     destination=nrw.sso_url, class_refs=[LEVEL_3])
    request.set("ForceAuthn", "perhaps")
    with pytest.raises(SchemaViolation):
        schema.validate(request)
    del request.attrib["ForceAuthn"]
    request.insert(0, etree.Element(q(SAML, "Audience")))  # not allowed before the Issuer
    with pytest.raises(SchemaViolation):
        schema.validate(request)
    with pytest.raises(SchemaViolation):
        schema.validate(etree.Element(q(SAML, "Issuer")))  # no message of ours


def test_schema_imports_stay_inside_the_package():
    for path in schema.SCHEMA_DIR.glob("*.xsd"):
        doc = etree.parse(str(path))
        for node in doc.getroot().iter("{http://www.w3.org/2001/XMLSchema}import"):
            location = node.get("schemaLocation")
            assert location and "/" not in location and (schema.SCHEMA_DIR / location).is_file()
