"""Web Browser SSO between two accounts running this library: Bayern (us) logs a
citizen in through Nordrhein-Westfalen, and NRW answers. Round trips first, then one
test per refusal."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from federation.saml import (
    DecryptionFailed,
    ExpiredMessage,
    MalformedMessage,
    MessageRefused,
    ReplayedAssertion,
    SamlStatusError,
    SchemaViolation,
    SignatureRefused,
    UnknownPartner,
    build_assertion,
    build_authn_request,
    build_error_response,
    build_response,
    decode_post,
    parse_authn_request,
    parse_response,
    post_fields,
    redirect_url,
    safexml,
    xmldsig,
    xmlenc,
)
from federation.saml.namespaces import (
    AKDB,
    DS,
    HTTP_POST,
    HTTP_REDIRECT,
    NAMEID_PERSISTENT,
    SAML,
    SAMLP,
    STATUS_AUTHN_FAILED,
    STATUS_NO_PASSIVE,
    STATUS_REQUEST_DENIED,
    STATUS_REQUESTER,
    STATUS_RESPONDER,
    XSI,
    q,
)

from .support import (
    BIRTHDATE,
    GIVEN_NAME,
    LEVEL_3,
    LEVEL_4,
    MAIL,
    SURNAME,
    assemble_response,
    without_signature,
    xmlsec1_verify,
)

RESPONSE_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
ASSERTION_ID_ATTR = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
ATTRIBUTES = [
    (GIVEN_NAME, "givenName", ["Erika"], LEVEL_4),
    (SURNAME, "sn", "Mustermann", LEVEL_4),
    (BIRTHDATE, "birthdate", ["1964-08-12"], LEVEL_4),
    (MAIL, "mail", ["erika@example.org", "e.m@example.org"], "STORK-QAA-Level-1"),
]


def partners(*accounts):
    known = {account.entity_id: account.metadata for account in accounts}
    return known.get


def request_from_by(by, nrw, **kwargs):
    return build_authn_request(
        sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
        class_refs=kwargs.pop("class_refs", [LEVEL_3]), **kwargs,
    )


def response_from_nrw(nrw, by, request_id, **kwargs):
    values = dict(
        idp_entity_id=nrw.entity_id, in_response_to=request_id, acs_url=by.acs_url, sp_entity_id=by.entity_id,
        sp_encryption_cert=by.encryption.cert_pem, signing=nrw.signing, name_id="bpk2-4711",
        class_ref=LEVEL_4, attributes=ATTRIBUTES,
    )
    values.update(kwargs)
    return build_response(**values)


def as_received(element) -> bytes:
    """Through the HTTP-POST binding and back, as the browser carries it."""
    return decode_post(post_fields(element)["SAMLResponse"])


def parse_at_by(raw, nrw, by, request_id, replay_cache, **kwargs):
    values = dict(idp=nrw.metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                  expected_request_id=request_id, decryption_keys=[by.encryption], first_use=replay_cache)
    values.update(kwargs)
    return parse_response(raw, **values)


# -- round trips -----------------------------------------------------------------------
@pytest.mark.parametrize("binding", [HTTP_REDIRECT, HTTP_POST])
def test_full_round_trip(binding, by, nrw, replay_cache):
    request_id, request = request_from_by(
        by, nrw, class_refs=[LEVEL_3, LEVEL_4], requested_attributes=[(GIVEN_NAME, True), (MAIL, False)],
        force_authn=True,
    )
    if binding == HTTP_REDIRECT:
        url = redirect_url(nrw.sso_url, request, "state-1", by.signing)
        assert url.startswith(nrw.sso_url + "?SAMLRequest=")
        data = url.split("?", 1)[1]
    else:
        data = post_fields(xmldsig.sign(request, by.signing), "state-1")

    parsed = parse_authn_request(binding, data, lookup=partners(by), sso_url=nrw.sso_url)
    assert (parsed.id, parsed.issuer, parsed.acs_url) == (request_id, by.entity_id, by.acs_url)
    assert parsed.class_refs == (LEVEL_3, LEVEL_4) and parsed.comparison == "minimum"
    assert parsed.force_authn and not parsed.is_passive and parsed.relay_state == "state-1"
    assert parsed.requested_attributes == ((GIVEN_NAME, True), (MAIL, False))
    assert parsed.name_id_format == NAMEID_PERSISTENT and parsed.binding == binding
    assert parsed.sp.display_name == "BayernID"

    response = build_response(
        idp_entity_id=nrw.entity_id, in_response_to=parsed.id, acs_url=parsed.acs_url,
        sp_entity_id=parsed.issuer, sp_encryption_cert=parsed.sp.sp_encryption_certs[0], signing=nrw.signing,
        name_id="bpk2-4711", class_ref=LEVEL_4, attributes=ATTRIBUTES, session_index="sess-1",
    )
    result = parse_at_by(as_received(response), nrw, by, request_id, replay_cache)
    assert result.issuer == nrw.entity_id
    assert (result.name_id, result.name_id_format) == ("bpk2-4711", NAMEID_PERSISTENT)
    assert result.class_ref == LEVEL_4 and result.session_index == "sess-1"
    assert result.attribute(GIVEN_NAME).values == ("Erika",)
    assert result.attribute(GIVEN_NAME).trust_level == LEVEL_4
    assert result.attribute(SURNAME).values == ("Mustermann",)
    assert result.attribute(MAIL).values == ("erika@example.org", "e.m@example.org")
    assert result.attribute(MAIL).trust_level == "STORK-QAA-Level-1"
    assert result.attribute(MAIL).friendly_name == "mail"
    assert abs(result.not_on_or_after - datetime.now(timezone.utc) - timedelta(minutes=5)) < timedelta(seconds=5)
    assert result.assertion_id in replay_cache.seen
    assert replay_cache.seen[result.assertion_id] >= result.not_on_or_after


def test_request_without_requested_attributes_falls_back_to_metadata(by, nrw):
    request_id, request = request_from_by(by, nrw)
    assert request.find(q(SAMLP, "Extensions")) is None
    parsed = parse_authn_request(HTTP_POST, post_fields(xmldsig.sign(request, by.signing)),
                                 lookup=partners(by), sso_url=nrw.sso_url)
    assert parsed.requested_attributes == ((GIVEN_NAME, True), (SURNAME, True), (MAIL, False))


def test_akdb_extension_on_the_wire(by, nrw):
    _, request = request_from_by(by, nrw, requested_attributes=[(GIVEN_NAME, True), (MAIL, False)])
    extension = request.find(f"{q(SAMLP, 'Extensions')}/{q(AKDB, 'AuthenticationRequest')}")
    assert extension.get("Version") == "2"
    wanted = extension.findall(f"{q(AKDB, 'RequestedAttributes')}/{q(AKDB, 'RequestedAttribute')}")
    assert [(w.get("Name"), w.get("RequiredAttribute")) for w in wanted] == [(GIVEN_NAME, "true"), (MAIL, "false")]


def test_response_structure(by, nrw):
    response = response_from_nrw(nrw, by, "_req")
    assert [etree.QName(c).localname for c in response] == ["Issuer", "Signature", "Status", "EncryptedAssertion"]
    assert response.find(f".//{q(SAML, 'Assertion')}") is None  # nothing in clear text
    assert b"Erika" not in safexml.to_bytes(response)


def test_emitted_messages_verify_with_xmlsec1(by, nrw, tmp_path):
    response = as_received(response_from_nrw(nrw, by, "_req"))
    result = xmlsec1_verify(response, nrw.signing.cert_pem, RESPONSE_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr
    error = as_received(build_error_response(
        idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url, signing=nrw.signing,
        status_code=STATUS_RESPONDER, second_level=STATUS_AUTHN_FAILED,
    ))
    result = xmlsec1_verify(error, nrw.signing.cert_pem, RESPONSE_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr


def test_decrypted_assertion_verifies_with_xmlsec1(by, nrw, tmp_path):
    response = safexml.parse(as_received(response_from_nrw(nrw, by, "_req")))
    assertion = xmlenc.decrypt_assertion(response.find(q(SAML, "EncryptedAssertion")), [by.encryption])
    result = xmlsec1_verify(safexml.to_bytes(assertion), nrw.signing.cert_pem, ASSERTION_ID_ATTR, tmp_path)
    assert result.returncode == 0, result.stderr


def test_an_unsigned_response_with_a_signed_assertion_is_accepted(by, nrw, replay_cache):
    """The profile mandates the assertion signature; the Response signature is extra."""
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=None, encrypt_for=by.encryption.cert_pem)
    assert parse_at_by(raw, nrw, by, "_req", replay_cache).name_id == "x"


def test_a_second_decryption_key_is_tried(by, nrw, replay_cache, stranger):
    """Key rollover on our side: the old and the new encryption key."""
    raw = as_received(response_from_nrw(nrw, by, "_req"))
    assert parse_at_by(raw, nrw, by, "_req", replay_cache, decryption_keys=[stranger, by.encryption])


# -- relying side refusals ---------------------------------------------------------------
@pytest.mark.parametrize("status, second, cancelled", [
    (STATUS_RESPONDER, STATUS_AUTHN_FAILED, True),
    (STATUS_REQUESTER, STATUS_REQUEST_DENIED, True),
    (STATUS_RESPONDER, STATUS_NO_PASSIVE, False),
    (STATUS_RESPONDER, None, False),
])
def test_error_status_is_reported(status, second, cancelled, by, nrw, replay_cache):
    error = build_error_response(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                 signing=nrw.signing, status_code=status, second_level=second,
                                 message="Vorgang abgebrochen")
    with pytest.raises(SamlStatusError) as refused:
        parse_at_by(as_received(error), nrw, by, "_req", replay_cache)
    assert refused.value.status_codes == tuple(c for c in (status, second) if c)
    assert refused.value.status_message == "Vorgang abgebrochen"
    assert refused.value.cancelled is cancelled
    assert refused.value.code == ("cancelled" if cancelled else "status")
    assert ("abgebrochen" in refused.value.user_message) is cancelled


def test_error_response_needs_a_top_level_code(nrw, by):
    with pytest.raises(ValueError):
        build_error_response(idp_entity_id=nrw.entity_id, in_response_to="_r", acs_url=by.acs_url,
                             signing=nrw.signing, status_code=STATUS_AUTHN_FAILED)


def test_wrong_audience(by, nrw, replay_cache):
    response = response_from_nrw(nrw, by, "_req", sp_entity_id="https://servicekonto.hessen.example/saml")
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    assert refused.value.code == "audience"


def test_wrong_destination(by, nrw, replay_cache):
    response = response_from_nrw(nrw, by, "_req", acs_url="https://servicekonto.hessen.example/saml/acs")
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    assert refused.value.code == "destination"


def test_wrong_recipient(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", sp_entity_id=by.entity_id,
                                acs_url="https://servicekonto.hessen.example/saml/acs", signing=nrw.signing,
                                name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "recipient"


def test_wrong_in_response_to(by, nrw, replay_cache):
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(as_received(response_from_nrw(nrw, by, "_other")), nrw, by, "_req", replay_cache)
    assert refused.value.code == "in_response_to"


def test_wrong_in_response_to_inside_the_assertion(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_other", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "in_response_to"


def test_response_in_response_to_counts_on_its_own(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_other",
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "in_response_to"


def test_unsolicited_response(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to=None,
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "unsolicited"


def test_wrong_issuer(by, nrw, replay_cache):
    """Signed with NRW's key, but claiming to be someone else."""
    response = response_from_nrw(nrw, by, "_req", idp_entity_id="https://servicekonto.hessen.example/saml")
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    assert refused.value.code == "issuer"


@pytest.mark.parametrize("response_issuer, assertion_issuer", [
    ("https://servicekonto.hessen.example/saml", None),
    (None, "https://servicekonto.hessen.example/saml"),
])
def test_each_issuer_counts_on_its_own(by, nrw, replay_cache, response_issuer, assertion_issuer):
    assertion = build_assertion(idp_entity_id=assertion_issuer or nrw.entity_id, in_response_to="_req",
                                acs_url=by.acs_url, sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x",
                                class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=response_issuer or nrw.entity_id, destination=by.acs_url,
                            in_response_to="_req", signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "issuer"


def test_schema_invalid_response_is_refused(by, nrw, replay_cache):
    """Signed by the genuine key, but not a valid SAML Response."""
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    response = safexml.parse(assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url,
                                               in_response_to="_req", signing=None,
                                               encrypt_for=by.encryption.cert_pem))
    etree.SubElement(response, q(SAMLP, "Bogus"))
    xmldsig.sign(response, nrw.signing)
    with pytest.raises(SchemaViolation):
        parse_at_by(safexml.to_bytes(response), nrw, by, "_req", replay_cache)


def test_a_condition_we_do_not_know_invalidates_the_assertion(by, nrw, replay_cache):
    """core 2.5.1.1; a generic saml:Condition is schema-valid with an xsi:type."""
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)

    def edit(changed):
        condition = etree.SubElement(changed.find(q(SAML, "Conditions")), q(SAML, "Condition"))
        condition.set(q(XSI, "type"), "saml:OneTimeUseType")

    raw = assemble_response([_resigned(assertion, nrw.signing, edit)], issuer=nrw.entity_id,
                            destination=by.acs_url, in_response_to="_req", signing=nrw.signing,
                            encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "conditions"


def test_expired_beyond_skew(by, nrw, replay_cache):
    issued = datetime.now(timezone.utc) - timedelta(minutes=10)
    response = response_from_nrw(nrw, by, "_req", now=issued, validity=timedelta(minutes=5))
    with pytest.raises(ExpiredMessage) as refused:
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    assert refused.value.code == "expired"
    assert "abgelaufen" in refused.value.user_message


def test_expiry_honours_the_skew(by, nrw, replay_cache):
    issued = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    raw = as_received(response_from_nrw(nrw, by, "_req", now=issued, validity=timedelta(minutes=5)))
    end = issued + timedelta(minutes=5)
    # 60 s after NotOnOrAfter: still within the 90 s skew.
    assert parse_at_by(raw, nrw, by, "_req", replay_cache, now=end + timedelta(seconds=60))
    with pytest.raises(ExpiredMessage):
        parse_at_by(raw, nrw, by, "_req", replay_cache, now=end + timedelta(seconds=91))


def test_not_yet_valid(by, nrw, replay_cache):
    issued = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    raw = as_received(response_from_nrw(nrw, by, "_req", now=issued))
    with pytest.raises(ExpiredMessage) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache, now=issued - timedelta(minutes=3))
    assert refused.value.code == "not_yet_valid"
    # Within the skew the partner's clock may run ahead.
    assert parse_at_by(raw, nrw, by, "_req", replay_cache, now=issued - timedelta(seconds=60))


def _resigned(assertion, signing, edit):
    """`assertion` changed by `edit` and signed again by the same (genuine) key."""
    changed = without_signature(assertion)
    edit(changed)
    return xmldsig.sign(changed, signing)


@pytest.mark.parametrize("where, attribute, shift, code", [
    ("Conditions", "NotOnOrAfter", timedelta(minutes=-10), "expired"),
    ("Conditions", "NotBefore", timedelta(minutes=10), "not_yet_valid"),
    ("SubjectConfirmationData", "NotOnOrAfter", timedelta(minutes=-10), "expired"),
    ("SubjectConfirmationData", "NotBefore", timedelta(minutes=10), "not_yet_valid"),
])
def test_each_validity_window_counts_on_its_own(by, nrw, replay_cache, where, attribute, shift, code):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)

    def edit(changed):
        node = changed.find(f".//{q(SAML, where)}")
        node.set(attribute, safexml.format_datetime(datetime.now(timezone.utc) + shift))

    raw = assemble_response([_resigned(assertion, nrw.signing, edit)], issuer=nrw.entity_id,
                            destination=by.acs_url, in_response_to="_req", signing=nrw.signing,
                            encrypt_for=by.encryption.cert_pem)
    with pytest.raises(ExpiredMessage) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == code


def test_every_audience_restriction_must_name_us(by, nrw, replay_cache):
    """core 2.5.1.4: several AudienceRestrictions must all be satisfied."""
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)

    def edit(changed):
        other = etree.SubElement(changed.find(q(SAML, "Conditions")), q(SAML, "AudienceRestriction"))
        etree.SubElement(other, q(SAML, "Audience")).text = "https://servicekonto.hessen.example/saml"

    raw = assemble_response([_resigned(assertion, nrw.signing, edit)], issuer=nrw.entity_id,
                            destination=by.acs_url, in_response_to="_req", signing=nrw.signing,
                            encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "audience"


def test_replayed_assertion(by, nrw, replay_cache):
    raw = as_received(response_from_nrw(nrw, by, "_req"))
    parse_at_by(raw, nrw, by, "_req", replay_cache)
    with pytest.raises(ReplayedAssertion) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "replay"


def test_unencrypted_assertion(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=nrw.signing, encrypt_for=None)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "unencrypted"


def test_unsigned_assertion_in_a_signed_response(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([without_signature(assertion)], issuer=nrw.entity_id, destination=by.acs_url,
                            in_response_to="_req", signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(SignatureRefused, match="assertion is not signed"):
        parse_at_by(raw, nrw, by, "_req", replay_cache)


def test_assertion_signed_by_a_stranger(by, nrw, replay_cache, stranger):
    response = response_from_nrw(nrw, by, "_req", signing=stranger)
    with pytest.raises(SignatureRefused):
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    # Even wrapped into a Response that NRW's genuine key signed:
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=stranger, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(SignatureRefused, match="not pinned"):
        parse_at_by(raw, nrw, by, "_req", replay_cache)


def test_tampered_response_signature(by, nrw, replay_cache):
    response = safexml.parse(as_received(response_from_nrw(nrw, by, "_req")))
    response.set("InResponseTo", "_req2")
    with pytest.raises(SignatureRefused):
        parse_at_by(safexml.to_bytes(response), nrw, by, "_req2", replay_cache)


def test_assertion_for_someone_else(by, nrw, replay_cache, stranger):
    """Encrypted for another party: we cannot read it, and say so."""
    response = response_from_nrw(nrw, by, "_req", sp_encryption_cert=stranger.cert_pem)
    with pytest.raises(DecryptionFailed) as refused:
        parse_at_by(as_received(response), nrw, by, "_req", replay_cache)
    assert refused.value.code == "decryption"


def test_two_assertions(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3)
    raw = assemble_response([assertion, copy.deepcopy(assertion)], issuer=nrw.entity_id, destination=by.acs_url,
                            in_response_to="_req", signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    with pytest.raises(MessageRefused) as refused:
        parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert refused.value.code == "assertion_count"


def test_attribute_values_and_nil(by, nrw, replay_cache):
    assertion = build_assertion(idp_entity_id=nrw.entity_id, in_response_to="_req", acs_url=by.acs_url,
                                sp_entity_id=by.entity_id, signing=nrw.signing, name_id="x", class_ref=LEVEL_3,
                                attributes=[(GIVEN_NAME, None, ["Erika", "Maria"], None)])
    # Rebuilt with a nil value before signing again.
    unsigned = without_signature(assertion)
    nil = etree.SubElement(unsigned.find(f".//{q(SAML, 'Attribute')}"), q(SAML, "AttributeValue"))
    nil.set(q(XSI, "nil"), "true")
    xmldsig.sign(unsigned, nrw.signing)
    raw = assemble_response([unsigned], issuer=nrw.entity_id, destination=by.acs_url, in_response_to="_req",
                            signing=nrw.signing, encrypt_for=by.encryption.cert_pem)
    result = parse_at_by(raw, nrw, by, "_req", replay_cache)
    assert result.attribute(GIVEN_NAME).values == ("Erika", "Maria")
    assert result.attribute(GIVEN_NAME).trust_level is None and result.attribute(SURNAME) is None


def test_not_a_response(by, nrw, replay_cache):
    _, request = request_from_by(by, nrw)
    with pytest.raises(MalformedMessage):
        parse_at_by(safexml.to_bytes(request), nrw, by, "_req", replay_cache)


# -- asserting side refusals -------------------------------------------------------------
def test_unknown_partner(by, nrw):
    _, request = request_from_by(by, nrw)
    url = redirect_url(nrw.sso_url, request, None, by.signing)
    with pytest.raises(UnknownPartner) as refused:
        parse_authn_request(HTTP_REDIRECT, url.split("?", 1)[1], lookup=lambda _: None, sso_url=nrw.sso_url)
    assert refused.value.entity_id == by.entity_id and refused.value.code == "unknown_partner"
    assert "Partner" in refused.value.user_message


def test_acs_url_not_in_metadata(by, nrw):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url="https://attacker.example/acs",
                                     destination=nrw.sso_url, class_refs=[LEVEL_3])
    form = post_fields(xmldsig.sign(request, by.signing))
    with pytest.raises(MessageRefused) as refused:
        parse_authn_request(HTTP_POST, form, lookup=partners(by), sso_url=nrw.sso_url)
    assert refused.value.code == "acs_url"


def _signed_form(by, edit):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url,
                                     destination="https://servicekonto.nrw.example/saml/sso", class_refs=[LEVEL_3])
    edit(request)
    return post_fields(xmldsig.sign(request, by.signing))


def test_acs_by_index_and_default(by, nrw):
    def by_index(request):
        del request.attrib["AssertionConsumerServiceURL"]
        del request.attrib["ProtocolBinding"]
        request.set("AssertionConsumerServiceIndex", "0")

    def neither(request):
        del request.attrib["AssertionConsumerServiceURL"]

    def unknown_index(request):
        by_index(request)
        request.set("AssertionConsumerServiceIndex", "7")

    for edit in (by_index, neither):
        parsed = parse_authn_request(HTTP_POST, _signed_form(by, edit), lookup=partners(by), sso_url=nrw.sso_url)
        assert parsed.acs_url == by.acs_url
    with pytest.raises(MessageRefused, match="index"):
        parse_authn_request(HTTP_POST, _signed_form(by, unknown_index), lookup=partners(by), sso_url=nrw.sso_url)


def test_artifact_binding_for_the_answer_is_refused(by, nrw):
    def artifact(request):
        request.set("ProtocolBinding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact")

    with pytest.raises(MessageRefused) as refused:
        parse_authn_request(HTTP_POST, _signed_form(by, artifact), lookup=partners(by), sso_url=nrw.sso_url)
    assert refused.value.code == "binding"


def test_request_for_another_sso_url(by, nrw):
    form = post_fields(xmldsig.sign(request_from_by(by, nrw)[1], by.signing))
    with pytest.raises(MessageRefused) as refused:
        parse_authn_request(HTTP_POST, form, lookup=partners(by), sso_url="https://servicekonto.hessen.example/sso")
    assert refused.value.code == "destination"


def test_request_issue_instant_checked(by, nrw):
    now = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    _, request = request_from_by(by, nrw, now=now)
    form = post_fields(xmldsig.sign(request, by.signing))
    kwargs = dict(lookup=partners(by), sso_url=nrw.sso_url)
    assert parse_authn_request(HTTP_POST, form, now=now + timedelta(minutes=1), **kwargs)
    with pytest.raises(ExpiredMessage) as refused:
        parse_authn_request(HTTP_POST, form, now=now - timedelta(minutes=2), **kwargs)
    assert refused.value.code == "not_yet_valid"
    with pytest.raises(ExpiredMessage) as refused:
        parse_authn_request(HTTP_POST, form, now=now + timedelta(minutes=10), **kwargs)
    assert refused.value.code == "expired"


def test_unsigned_posted_request(by, nrw):
    form = post_fields(request_from_by(by, nrw)[1])
    with pytest.raises(SignatureRefused, match="not signed"):
        parse_authn_request(HTTP_POST, form, lookup=partners(by), sso_url=nrw.sso_url)


def test_posted_request_signed_by_a_stranger(by, nrw, stranger):
    form = post_fields(xmldsig.sign(request_from_by(by, nrw)[1], stranger))
    with pytest.raises(SignatureRefused):
        parse_authn_request(HTTP_POST, form, lookup=partners(by), sso_url=nrw.sso_url)


def test_posted_request_tampered_after_signing(by, nrw):
    signed = xmldsig.sign(request_from_by(by, nrw)[1], by.signing)
    signed.set("ForceAuthn", "true")
    with pytest.raises(SignatureRefused):
        parse_authn_request(HTTP_POST, post_fields(signed), lookup=partners(by), sso_url=nrw.sso_url)


def test_lookup_by_one_issuer_signed_as_another(by, nrw):
    """The issuer picks the keys; swapping it after signing breaks the signature."""
    signed = safexml.parse(safexml.to_bytes(xmldsig.sign(request_from_by(by, nrw)[1], nrw.signing)))
    signed.find(q(SAML, "Issuer")).text = nrw.entity_id
    with pytest.raises(SignatureRefused):
        parse_authn_request(HTTP_POST, post_fields(signed), lookup=partners(by, nrw), sso_url=nrw.sso_url)


def test_posted_request_with_long_relay_state(by, nrw):
    form = post_fields(xmldsig.sign(request_from_by(by, nrw)[1], by.signing))
    form["RelayState"] = "x" * 81
    with pytest.raises(MessageRefused) as refused:
        parse_authn_request(HTTP_POST, form, lookup=partners(by), sso_url=nrw.sso_url)
    assert refused.value.code == "relay_state"


def test_no_signature_in_a_redirected_message(by, nrw):
    signed = xmldsig.sign(request_from_by(by, nrw)[1], by.signing)
    with pytest.raises(ValueError):
        redirect_url(nrw.sso_url, signed, None, by.signing)
    assert signed.find(q(DS, "Signature")) is not None
