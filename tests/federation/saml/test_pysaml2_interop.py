"""Interoperability with pysaml2, an independent SAML implementation: as remote IdP
answering our AuthnRequests, as remote SP sending AuthnRequests to us and reading our
responses, and both ways with metadata."""
from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlsplit

import pytest
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.metadata import create_metadata_string, entities_descriptor, entity_descriptor
from saml2.response import StatusAuthnFailed
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import STATUS_AUTHN_FAILED
from saml2.sigver import security_context
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from federation.saml import (
    DecryptionFailed,
    SamlStatusError,
    SignatureRefused,
    build_authn_request,
    build_error_response,
    build_response,
    parse_authn_request,
    parse_metadata,
    parse_response,
    post_fields,
    redirect_url,
    xmldsig,
)
from federation.saml.namespaces import HTTP_POST, HTTP_REDIRECT, STATUS_RESPONDER
from federation.saml.namespaces import STATUS_AUTHN_FAILED as OUR_AUTHN_FAILED

from . import peers
from .support import GIVEN_NAME, LEVEL_3, LEVEL_4, MAIL, SURNAME, assert_valid_metadata, make_keypair

PEER = "https://servicekonto.peer.example"
PEER_IDP = f"{PEER}/idp"
PEER_SP = f"{PEER}/sp"
PEER_SSO = f"{PEER}/idp/sso"
PEER_ACS = f"{PEER}/sp/acs"
IDENTITY = {"givenName": ["Erika"], "sn": ["Mustermann"], "mail": ["erika@example.org"]}


@pytest.fixture(scope="session")
def peer_keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pysaml2")
    signing, encryption = make_keypair("pysaml2 peer"), make_keypair("pysaml2 peer enc")
    return (signing, encryption, peers.write_keypair(signing, folder, "signing"),
            peers.write_keypair(encryption, folder, "encryption"))


@pytest.fixture(scope="module")
def idp_config(peer_keys, by):
    _, _, signing_files, encryption_files = peer_keys
    return peers.idp_config(entity_id=PEER_IDP, sso_url=PEER_SSO, signing=signing_files,
                            encryption=encryption_files, metadata=[by.metadata_xml])


@pytest.fixture(scope="module")
def sp_config(peer_keys, by):
    _, _, signing_files, encryption_files = peer_keys
    config = peers.sp_config(entity_id=PEER_SP, acs_url=PEER_ACS, signing=signing_files,
                             encryption=encryption_files, metadata=[by.metadata_xml])
    # What ends up in pysaml2's AttributeConsumingService (friendly names, mapped to
    # urn:oid names by pysaml2's attribute maps).
    config.setattr("sp", "required_attributes", ["givenName", "sn"])
    config.setattr("sp", "optional_attributes", ["mail"])
    return config


@pytest.fixture(scope="module")
def peer_idp_metadata(idp_config, peer_keys):
    signing = peer_keys[0]
    return parse_metadata(create_metadata_string(None, config=idp_config, sign=True).encode(),
                          signer_certs=[signing.cert_pem])


@pytest.fixture(scope="module")
def peer_sp_metadata(sp_config, peer_keys):
    signing = peer_keys[0]
    return parse_metadata(create_metadata_string(None, config=sp_config, sign=True).encode(),
                          signer_certs=[signing.cert_pem])


# -- metadata both ways -------------------------------------------------------------------
def test_we_read_pysaml2_metadata(peer_idp_metadata, peer_sp_metadata, peer_keys):
    signing, encryption, _, _ = peer_keys
    assert peer_idp_metadata.entity_id == PEER_IDP
    assert peer_idp_metadata.idp_signing_certs == (signing.certificate(),)
    assert peer_idp_metadata.sso_location(HTTP_REDIRECT) == peer_idp_metadata.sso_location(HTTP_POST) == PEER_SSO
    assert peer_idp_metadata.want_authn_requests_signed
    assert peer_idp_metadata.display_name == "Servicekonto Peer"

    assert peer_sp_metadata.entity_id == PEER_SP
    assert peer_sp_metadata.sp_signing_certs == (signing.certificate(),)
    assert peer_sp_metadata.sp_encryption_certs == (encryption.certificate(),)
    assert peer_sp_metadata.default_acs().location == PEER_ACS
    assert peer_sp_metadata.authn_requests_signed
    assert [(a.name, a.required) for a in peer_sp_metadata.requested_attributes] == [
        (GIVEN_NAME, True), (SURNAME, True), (MAIL, False)]


def test_we_read_a_pysaml2_entities_descriptor(sp_config, peer_keys, stranger):
    signing = peer_keys[0]
    secc = security_context(sp_config)
    _, xml = entities_descriptor([entity_descriptor(sp_config)], 24, "federation", "fed-1", True, secc,
                                 sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    meta = parse_metadata(xml.encode(), signer_certs=[signing.cert_pem])
    assert meta.entity_id == PEER_SP
    with pytest.raises(SignatureRefused):
        parse_metadata(xml.encode(), signer_certs=[stranger.cert_pem])


def test_pysaml2_reads_our_metadata(idp_config, sp_config, by, tmp_path):
    server, client = peers.make_idp(idp_config), peers.make_client(sp_config)
    assert client.metadata.single_sign_on_service(by.entity_id, BINDING_HTTP_REDIRECT)[0]["location"] == by.sso_url
    assert client.metadata.single_sign_on_service(by.entity_id, BINDING_HTTP_POST)[0]["location"] == by.sso_url
    assert [s["location"] for s in server.metadata.assertion_consumer_service(by.entity_id, BINDING_HTTP_POST)] == [
        by.acs_url]
    assert server.metadata.certs(by.entity_id, "spsso", "encryption")
    required = server.metadata.attribute_requirement(by.entity_id)
    assert [a["name"] for a in required["required"]] == [GIVEN_NAME, SURNAME]
    assert [a["name"] for a in required["optional"]] == [MAIL]
    assert server.metadata.name(by.entity_id, langpref="de") == "BayernID"
    cert_file = tmp_path / "by.pem"
    cert_file.write_bytes(by.signing.cert_pem)
    assert server.sec.verify_signature(by.metadata_xml.decode(), cert_file=str(cert_file),
                                       node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor")


def test_pysaml2_metadata_validates_like_ours(idp_config):
    """Sanity check of the metadata schema used on our metadata: it takes pysaml2's too."""
    assert_valid_metadata(create_metadata_string(None, config=idp_config, sign=True).encode())


# -- pysaml2 as the remote IdP ------------------------------------------------------------
def _answer_from_pysaml2(server, request_id, by, **kwargs):
    values = dict(
        identity=IDENTITY, in_response_to=request_id, destination=by.acs_url, sp_entity_id=by.entity_id,
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text="peer-pseudonym-1"),
        authn={"class_ref": LEVEL_4, "authn_auth": PEER_IDP},
        sign_response=True, sign_assertion=True, encrypt_assertion=True,
        sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
    )
    values.update(kwargs)
    return str(server.create_authn_response(**values)).encode()


@pytest.mark.parametrize("binding", [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST])
def test_pysaml2_idp_answers_our_request(binding, idp_config, peer_idp_metadata, by, replay_cache):
    server = peers.make_idp(idp_config)
    request_id, request = build_authn_request(
        sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=PEER_SSO, class_refs=[LEVEL_3],
        requested_attributes=[(GIVEN_NAME, True)],
    )
    if binding == BINDING_HTTP_REDIRECT:
        query = dict(parse_qsl(urlsplit(redirect_url(PEER_SSO, request, "rs-1", by.signing)).query))
        parsed = server.parse_authn_request(query["SAMLRequest"], binding, relay_state=query["RelayState"],
                                            sigalg=query["SigAlg"], signature=query["Signature"])
    else:
        fields = post_fields(xmldsig.sign(request, by.signing), "rs-1")
        parsed = server.parse_authn_request(fields["SAMLRequest"], binding)
    assert parsed.message.id == request_id
    assert parsed.message.assertion_consumer_service_url == by.acs_url
    assert parsed.message.requested_authn_context.authn_context_class_ref[0].text == LEVEL_3

    raw = _answer_from_pysaml2(server, request_id, by)
    result = parse_response(raw, idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                            expected_request_id=request_id, decryption_keys=[by.encryption], first_use=replay_cache)
    assert result.issuer == PEER_IDP and result.name_id == "peer-pseudonym-1"
    assert result.name_id_format == NAMEID_FORMAT_PERSISTENT and result.class_ref == LEVEL_4
    assert result.attribute(GIVEN_NAME).values == ("Erika",)
    assert result.attribute(SURNAME).values == ("Mustermann",)
    assert result.attribute(MAIL).values == ("erika@example.org",)
    assert result.attribute(GIVEN_NAME).trust_level is None  # pysaml2 knows no akdb:TrustLevel
    assert result.session_index


def test_pysaml2_assertion_encrypted_without_its_namespaces(idp_config, peer_idp_metadata, by, replay_cache):
    """pysaml2 can encrypt an assertion whose prefixes are declared on the Response
    only; it decrypts in the context where it arrived."""
    server = peers.make_idp(idp_config)
    raw = _answer_from_pysaml2(server, "_req-e", by, encrypt_assertion_self_contained=False)
    assert parse_response(raw, idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                          expected_request_id="_req-e", decryption_keys=[by.encryption],
                          first_use=replay_cache).attribute(GIVEN_NAME).values == ("Erika",)


def test_pysaml2_response_signed_only_on_the_assertion(idp_config, peer_idp_metadata, by, replay_cache):
    server = peers.make_idp(idp_config)
    raw = _answer_from_pysaml2(server, "_req-a", by, sign_response=False)
    assert parse_response(raw, idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                          expected_request_id="_req-a", decryption_keys=[by.encryption],
                          first_use=replay_cache).name_id == "peer-pseudonym-1"


def test_pysaml2_response_without_assertion_signature_is_refused(idp_config, peer_idp_metadata, by, replay_cache):
    server = peers.make_idp(idp_config)
    raw = _answer_from_pysaml2(server, "_req-b", by, sign_assertion=False)
    with pytest.raises(SignatureRefused, match="assertion is not signed"):
        parse_response(raw, idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                       expected_request_id="_req-b", decryption_keys=[by.encryption], first_use=replay_cache)


def test_pysaml2_default_3des_encryption_is_refused(idp_config, peer_idp_metadata, by, replay_cache):
    server = peers.make_idp(idp_config, modern_encryption=False)
    raw = _answer_from_pysaml2(server, "_req-c", by)
    assert b"tripledes-cbc" in raw
    with pytest.raises(DecryptionFailed, match="AES-GCM only"):
        parse_response(raw, idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                       expected_request_id="_req-c", decryption_keys=[by.encryption], first_use=replay_cache)


def test_pysaml2_error_response(idp_config, peer_idp_metadata, by, replay_cache):
    server = peers.make_idp(idp_config)
    error = server.create_error_response("_req-d", by.acs_url, (STATUS_AUTHN_FAILED, "Abgebrochen"), sign=True,
                                         sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    with pytest.raises(SamlStatusError) as refused:
        parse_response(str(error).encode(), idp=peer_idp_metadata, sp_entity_id=by.entity_id, acs_url=by.acs_url,
                       expected_request_id="_req-d", decryption_keys=[by.encryption], first_use=replay_cache)
    assert refused.value.cancelled and refused.value.status_message == "Abgebrochen"


# -- pysaml2 as the remote SP -------------------------------------------------------------
def _lookup(peer_sp_metadata):
    return {PEER_SP: peer_sp_metadata}.get


@pytest.mark.parametrize("binding", [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST])
def test_pysaml2_sp_round_trip(binding, sp_config, peer_sp_metadata, by):
    client = peers.make_client(sp_config)
    if binding == BINDING_HTTP_REDIRECT:
        request_id, info = client.prepare_for_authenticate(
            entityid=by.entity_id, relay_state="peer-state", binding=binding, sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256)
        location = dict(info["headers"])["Location"]
        parsed = parse_authn_request(HTTP_REDIRECT, urlsplit(location).query, lookup=_lookup(peer_sp_metadata),
                                     sso_url=by.sso_url)
    else:
        request_id, request = client.create_authn_request(by.sso_url, binding=binding, sign=True,
                                                          sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        form = {"SAMLRequest": base64.b64encode(str(request).encode()).decode(), "RelayState": "peer-state"}
        parsed = parse_authn_request(HTTP_POST, form, lookup=_lookup(peer_sp_metadata), sso_url=by.sso_url)
    assert parsed.id == request_id and parsed.issuer == PEER_SP
    assert parsed.acs_url == PEER_ACS and parsed.relay_state == "peer-state"
    # pysaml2 sends no akdb extension: the SP's metadata says what it wants.
    assert parsed.requested_attributes == ((GIVEN_NAME, True), (SURNAME, True), (MAIL, False))

    response = build_response(
        idp_entity_id=by.entity_id, in_response_to=parsed.id, acs_url=parsed.acs_url, sp_entity_id=parsed.issuer,
        sp_encryption_cert=parsed.sp.sp_encryption_certs[0], signing=by.signing, name_id="by-pseudonym-7",
        class_ref=LEVEL_4,
        attributes=[(GIVEN_NAME, "givenName", ["Erika"], LEVEL_4), (SURNAME, "sn", ["Mustermann"], LEVEL_4),
                    (MAIL, "mail", ["erika@example.org"], "STORK-QAA-Level-1")],
    )
    fields = post_fields(response, parsed.relay_state)
    answer = client.parse_authn_request_response(fields["SAMLResponse"], BINDING_HTTP_POST,
                                                 outstanding={request_id: "/"})
    assert answer.ava == IDENTITY
    assert answer.name_id.text == "by-pseudonym-7" and answer.name_id.format == NAMEID_FORMAT_PERSISTENT
    assert answer.authn_info()[0][0] == LEVEL_4
    assert answer.assertion.issuer.text == by.entity_id


def test_pysaml2_sp_detects_tampering_with_our_response(sp_config, peer_sp_metadata, by):
    client = peers.make_client(sp_config)
    response = build_response(
        idp_entity_id=by.entity_id, in_response_to="_peer-req", acs_url=PEER_ACS, sp_entity_id=PEER_SP,
        sp_encryption_cert=peer_sp_metadata.sp_encryption_certs[0], signing=by.signing, name_id="x",
        class_ref=LEVEL_3,
    )
    response.set("Destination", f"{PEER}/elsewhere")  # after signing
    with pytest.raises(Exception):
        client.parse_authn_request_response(post_fields(response)["SAMLResponse"], BINDING_HTTP_POST,
                                            outstanding={"_peer-req": "/"})


def test_pysaml2_sp_reads_our_error_response(sp_config, by):
    client = peers.make_client(sp_config)
    error = build_error_response(idp_entity_id=by.entity_id, in_response_to="_peer-req", acs_url=PEER_ACS,
                                 signing=by.signing, status_code=STATUS_RESPONDER, second_level=OUR_AUTHN_FAILED,
                                 message="Die Anmeldung wurde abgebrochen.")
    with pytest.raises(StatusAuthnFailed):
        client.parse_authn_request_response(post_fields(error)["SAMLResponse"], BINDING_HTTP_POST,
                                            outstanding={"_peer-req": "/"})


def test_pysaml2_sp_request_signed_by_someone_else_is_refused(peer_sp_metadata, by, stranger, tmp_path):
    """A pysaml2 SP claiming the peer's entity ID, with a key not in the peer's metadata."""
    files = peers.write_keypair(stranger, tmp_path, "impostor")
    config = peers.sp_config(entity_id=PEER_SP, acs_url=PEER_ACS, signing=files, encryption=files,
                             metadata=[by.metadata_xml])
    _, request = peers.make_client(config).create_authn_request(
        by.sso_url, binding=BINDING_HTTP_POST, sign=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    form = {"SAMLRequest": base64.b64encode(str(request).encode()).decode()}
    with pytest.raises(SignatureRefused, match="not pinned"):
        parse_authn_request(HTTP_POST, form, lookup=_lookup(peer_sp_metadata), sso_url=by.sso_url)
