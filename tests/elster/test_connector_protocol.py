"""The ELSTER connector's SAML, without the app: what it emits (schema, xmlsec1), what
it accepts from an ELSTER IdP (the simulator's message builder and pysaml2 as an
independent IdP) and what it refuses."""
from __future__ import annotations

import base64
import warnings
from datetime import timedelta

import pytest
from cryptography.utils import CryptographyDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    import saml2.cryptography.symmetric  # noqa: F401 (quiet import, see tests/federation/saml/conftest.py)

from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from elster_connector import sp
from elster_connector.errors import ElsterRefused
from elster_connector.simulator.certificates import BY_ID
from federation.saml import bindings, messages, safexml, schema
from federation.saml.errors import ExpiredMessage, MessageRefused, ReplayedAssertion, SamlStatusError, SignatureRefused
from federation.saml.metadata import build_metadata, parse_metadata
from federation.saml.namespaces import STATUS_AUTHN_FAILED, STATUS_RESPONDER
from idp.loa import Level
from tests.federation.saml import peers
from tests.federation.saml.support import (ReplayCache, assemble_response, assert_valid_metadata, make_keypair,
                                           xmlsec1_verify)

SP_ENTITY = "https://konto.land.example/elster/metadata"
ACS = "https://konto.land.example/elster/acs"
IDP_ENTITY = "https://elster.example/idp"
SSO = "https://elster.example/idp/sso"


@pytest.fixture(autouse=True)
def clean_database():
    """No app and no database here (replaces the root conftest's fixture)."""
    yield


@pytest.fixture(scope="module")
def our_keys():
    return make_keypair("Servicekonto ELSTER")


@pytest.fixture(scope="module")
def elster_keys():
    return make_keypair("ELSTER IdP")


@pytest.fixture(scope="module")
def idp_metadata(elster_keys):
    xml = build_metadata(entity_id=IDP_ENTITY, signing=elster_keys, sso_redirect_url=SSO, sso_post_url=SSO,
                         acs_url=None, display_name="ELSTER", organization_url="https://elster.example/")
    return parse_metadata(xml, signer_certs=[elster_keys.cert_pem])


@pytest.fixture(scope="module")
def sp_metadata_xml(our_keys):
    return sp.metadata(entity_id=SP_ENTITY, acs_url=ACS, signing=our_keys, display_name="Servicekonto",
                       organization_url="https://konto.land.example", valid_for=timedelta(days=7))


def _request(idp_metadata, our_keys):
    return sp.authn_request(idp_metadata, sp_entity_id=SP_ENTITY, acs_url=ACS, signing=our_keys, relay_state="rs")


def _answer(elster_keys, our_keys, request_id, certificate="musterbau-berger", **kwargs):
    values = BY_ID[certificate].values
    options = dict(idp_entity_id=IDP_ENTITY, in_response_to=request_id, acs_url=ACS, sp_entity_id=SP_ENTITY,
                   sp_encryption_cert=our_keys.cert_pem, signing=elster_keys, name_id="transient-1",
                   class_ref=Level.from_word(values["ElsterVertrauensniveauAuthentifizierung"]).eidas_uri,
                   attributes=[(name, None, value, None) for name, value in values.items()])
    options.update(kwargs)
    return base64.b64encode(safexml.to_bytes(messages.build_response(**options))).decode()


def _read(idp_metadata, our_keys, raw, request_id, *, cache=None, accept_test_accounts=True, **kwargs):
    return sp.read_response(idp_metadata, raw, sp_entity_id=kwargs.pop("sp_entity_id", SP_ENTITY), acs_url=ACS,
                            expected_request_id=request_id, decryption_keys=[our_keys],
                            first_use=cache or ReplayCache(), accept_test_accounts=accept_test_accounts, **kwargs)


# -- what we emit ---------------------------------------------------------------------------
def test_authn_request_is_schema_valid_signed_and_verifies_with_xmlsec1(idp_metadata, our_keys, tmp_path):
    request_id, destination, fields = _request(idp_metadata, our_keys)
    assert destination == SSO and fields["RelayState"] == "rs"
    xml = bindings.decode_post(fields["SAMLRequest"])
    element = safexml.parse(xml)
    schema.validate(element)
    assert element.get("ID") == request_id and element.get("AssertionConsumerServiceURL") == ACS
    assert "http://eidas.europa.eu/LoA/substantial" in xml.decode()
    result = xmlsec1_verify(xml, our_keys.cert_pem, "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest", tmp_path)
    assert result.returncode == 0, result.stderr
    other = xmlsec1_verify(xml, make_keypair("someone else").cert_pem,
                           "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest", tmp_path)
    assert other.returncode != 0


def test_sp_metadata_is_schema_valid_signed_and_names_one_role(sp_metadata_xml, our_keys, tmp_path):
    assert_valid_metadata(sp_metadata_xml)
    result = xmlsec1_verify(sp_metadata_xml, our_keys.cert_pem,
                            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor", tmp_path)
    assert result.returncode == 0, result.stderr
    parsed = parse_metadata(sp_metadata_xml, signer_certs=[our_keys.cert_pem])
    assert parsed.entity_id == SP_ENTITY and parsed.default_acs().location == ACS
    assert parsed.sp_encryption_certs == (our_keys.certificate(),) and not parsed.sso_endpoints
    assert parsed.authn_requests_signed
    wanted = {a.name: a.required for a in parsed.requested_attributes}
    assert wanted["DatenuebermittlerPseudonymId"] and wanted["ElsterVertrauensniveauAuthentifizierung"]
    assert "Unternehmensanschrift.PLZ" in wanted and "IstTestkonto" in wanted


def test_idp_metadata_without_sp_role(idp_metadata):
    assert idp_metadata.sso_location("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST") == SSO
    assert not idp_metadata.acs_endpoints and not idp_metadata.sp_encryption_certs


# -- what we accept -------------------------------------------------------------------------
def test_a_company_certificate_is_read_into_organisation_and_person_data(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    certificate = _read(idp_metadata, our_keys, _answer(elster_keys, our_keys, request_id), request_id)
    assert certificate.pseudonym == "sim-musterbau-berger-5f0c2a7e" and certificate.level is Level.SUBSTANZIELL
    assert certificate.organisation_key == "stnr:2181508150"
    assert certificate.organisation == {
        "name": "Musterbau GmbH", "legal_form": "GmbH", "register_number": "HRB 123456",
        "register_court": "Amtsgericht Hamburg", "street": "Hafenstraße", "house_number": "12",
        "postal_code": "20457", "city": "Hamburg"}
    assert certificate.person == {"given_name": "Anna", "family_name": "Berger", "birth_date": "1980-04-12"}


def test_a_private_certificate_has_no_organisation(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    certificate = _read(idp_metadata, our_keys, _answer(elster_keys, our_keys, request_id, "privat-schmidt"),
                        request_id)
    assert certificate.organisation_key is None and certificate.organisation == {}


def test_the_level_is_what_elster_asserts_and_never_above_the_authentication_context(idp_metadata, our_keys,
                                                                                   elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    high = _read(idp_metadata, our_keys, _answer(elster_keys, our_keys, request_id, "sicher-hartmann"), request_id)
    assert high.level is Level.HOCH
    request_id, _, _ = _request(idp_metadata, our_keys)
    lowered = _answer(elster_keys, our_keys, request_id, "sicher-hartmann", class_ref=Level.SUBSTANZIELL.eidas_uri)
    assert _read(idp_metadata, our_keys, lowered, request_id).level is Level.SUBSTANZIELL


# -- what we refuse -------------------------------------------------------------------------
def test_a_test_account_is_refused_in_production_configuration(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw = _answer(elster_keys, our_keys, request_id, "testkonto")
    with pytest.raises(ElsterRefused) as refused:
        _read(idp_metadata, our_keys, raw, request_id, accept_test_accounts=False)
    assert refused.value.code == "test_account" and "Testkonto" in refused.value.message
    assert _read(idp_metadata, our_keys, raw, request_id, accept_test_accounts=True).organisation_key == "stnr:9198011310"


def test_an_unsigned_response_is_refused(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    values = BY_ID["musterbau-berger"].values
    assertion = messages.build_assertion(
        idp_entity_id=IDP_ENTITY, in_response_to=request_id, acs_url=ACS, sp_entity_id=SP_ENTITY,
        signing=elster_keys, name_id="t", class_ref=Level.SUBSTANZIELL.eidas_uri,
        attributes=[(n, None, v, None) for n, v in values.items()])
    from tests.federation.saml.support import without_signature

    raw = assemble_response([without_signature(assertion)], issuer=IDP_ENTITY, destination=ACS,
                            in_response_to=request_id, signing=None, encrypt_for=our_keys.cert_pem)
    with pytest.raises(SignatureRefused):
        _read(idp_metadata, our_keys, base64.b64encode(raw).decode(), request_id)


def test_a_response_signed_by_another_key_is_refused(idp_metadata, our_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw = _answer(make_keypair("ELSTER IdP"), our_keys, request_id)
    with pytest.raises(SignatureRefused):
        _read(idp_metadata, our_keys, raw, request_id)


def test_a_replayed_response_is_refused(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw, cache = _answer(elster_keys, our_keys, request_id), ReplayCache()
    _read(idp_metadata, our_keys, raw, request_id, cache=cache)
    with pytest.raises(ReplayedAssertion):
        _read(idp_metadata, our_keys, raw, request_id, cache=cache)


def test_an_expired_response_is_refused(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw = _answer(elster_keys, our_keys, request_id)
    with pytest.raises(ExpiredMessage):
        _read(idp_metadata, our_keys, raw, request_id, now=safexml.utcnow() + timedelta(minutes=10))


def test_a_response_for_another_audience_is_refused(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw = _answer(elster_keys, our_keys, request_id, sp_entity_id="https://other.example/sp")
    with pytest.raises(MessageRefused) as refused:
        _read(idp_metadata, our_keys, raw, request_id)
    assert refused.value.code == "audience"


def test_a_response_to_another_request_is_refused(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    raw = _answer(elster_keys, our_keys, "_another-request")
    with pytest.raises(MessageRefused):
        _read(idp_metadata, our_keys, raw, request_id)


def test_a_wrapped_second_assertion_is_refused(idp_metadata, our_keys, elster_keys):
    """XSW: an unsigned look-alike assertion next to the signed, encrypted one."""
    request_id, _, _ = _request(idp_metadata, our_keys)
    values = dict(BY_ID["musterbau-berger"].values)
    signed = messages.build_assertion(
        idp_entity_id=IDP_ENTITY, in_response_to=request_id, acs_url=ACS, sp_entity_id=SP_ENTITY,
        signing=elster_keys, name_id="t", class_ref=Level.SUBSTANZIELL.eidas_uri,
        attributes=[(n, None, v, None) for n, v in values.items()])
    values["DatenuebermittlerPseudonymId"] = "sim-nordlicht-vogt-5f0c2a7e"
    forged = messages.build_assertion(
        idp_entity_id=IDP_ENTITY, in_response_to=request_id, acs_url=ACS, sp_entity_id=SP_ENTITY,
        signing=make_keypair("attacker"), name_id="t", class_ref=Level.SUBSTANZIELL.eidas_uri,
        attributes=[(n, None, v, None) for n, v in values.items()])
    raw = assemble_response([signed, forged], issuer=IDP_ENTITY, destination=ACS, in_response_to=request_id,
                            signing=elster_keys, encrypt_for=our_keys.cert_pem)
    with pytest.raises(MessageRefused):
        _read(idp_metadata, our_keys, base64.b64encode(raw).decode(), request_id)


def test_a_cancellation_at_elster_is_a_status_error(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    error = messages.build_error_response(idp_entity_id=IDP_ENTITY, in_response_to=request_id, acs_url=ACS,
                                          signing=elster_keys, status_code=STATUS_RESPONDER,
                                          second_level=STATUS_AUTHN_FAILED)
    with pytest.raises(SamlStatusError) as refused:
        _read(idp_metadata, our_keys, base64.b64encode(safexml.to_bytes(error)).decode(), request_id)
    assert refused.value.cancelled


# -- pysaml2 as an independent ELSTER IdP ---------------------------------------------------
@pytest.fixture(scope="module")
def pysaml2_idp(tmp_path_factory, elster_keys, sp_metadata_xml):
    folder = tmp_path_factory.mktemp("pysaml2-elster")
    config = peers.idp_config(entity_id=IDP_ENTITY, sso_url=SSO,
                              signing=peers.write_keypair(elster_keys, folder, "signing"),
                              encryption=peers.write_keypair(elster_keys, folder, "encryption"),
                              metadata=[sp_metadata_xml])
    return peers.make_idp(config)


def test_pysaml2_idp_verifies_our_request_and_we_read_its_answer(pysaml2_idp, idp_metadata, our_keys):
    request_id, _, fields = _request(idp_metadata, our_keys)
    parsed = pysaml2_idp.parse_authn_request(fields["SAMLRequest"], "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    assert parsed.message.id == request_id and parsed.message.assertion_consumer_service_url == ACS
    values = BY_ID["musterbau-krueger"].values
    response = pysaml2_idp.create_authn_response(
        identity={name: [value] for name, value in values.items()}, in_response_to=request_id, destination=ACS,
        sp_entity_id=SP_ENTITY, name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="pysaml2-transient"),
        authn={"class_ref": Level.SUBSTANZIELL.eidas_uri, "authn_auth": IDP_ENTITY},
        sign_response=True, sign_assertion=True, encrypt_assertion=True, sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256)
    raw = base64.b64encode(str(response).encode()).decode()
    certificate = _read(idp_metadata, our_keys, raw, request_id)
    assert certificate.pseudonym == "sim-musterbau-krueger-5f0c2a7e"
    assert certificate.organisation["register_number"] == "HRB 123456" and certificate.person["given_name"] == "Ben"


def test_a_company_without_tax_number_is_known_by_its_register_entry(idp_metadata, our_keys, elster_keys):
    request_id, _, _ = _request(idp_metadata, our_keys)
    values = {n: v for n, v in BY_ID["musterbau-berger"].values.items() if n != "StNr"}
    raw = _answer(elster_keys, our_keys, request_id, attributes=[(n, None, v, None) for n, v in values.items()])
    assert _read(idp_metadata, our_keys, raw, request_id).organisation_key == "register:Amtsgericht Hamburg|HRB|123456"


@pytest.mark.parametrize("sign_response, sign_assertion", [(False, True), (True, False)])
def test_pysaml2_answer_without_response_or_assertion_signature_is_refused(pysaml2_idp, idp_metadata, our_keys,
                                                                          sign_response, sign_assertion):
    request_id, _, _ = _request(idp_metadata, our_keys)
    response = pysaml2_idp.create_authn_response(
        identity={"DatenuebermittlerPseudonymId": ["x"], "ElsterVertrauensniveauAuthentifizierung": ["substanziell"]},
        in_response_to=request_id, destination=ACS, sp_entity_id=SP_ENTITY,
        name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="t"),
        authn={"class_ref": Level.SUBSTANZIELL.eidas_uri, "authn_auth": IDP_ENTITY},
        sign_response=sign_response, sign_assertion=sign_assertion, encrypt_assertion=True,
        sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    with pytest.raises(SignatureRefused):
        _read(idp_metadata, our_keys, base64.b64encode(str(response).encode()).decode(), request_id)
