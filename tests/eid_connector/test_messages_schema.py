"""Every message and the TC token the connector produces validate against the official
XSDs (TR-03130 2.0.2, TcToken 1.3) shipped in the package, and parse back to the
same data."""
from __future__ import annotations

import configparser
import fnmatch
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from lxml import etree

from eid_connector import messages as m
from eid_connector import schema, tctoken
from eid_connector.errors import SchemaViolation
from eid_connector.results import ResultMinor
from hardened_xml import schema as local_schema

EID = "{http://bsi.bund.de/eID/}"
ROOT = Path(__file__).resolve().parents[2]

PSK = m.Psk(id="0987654321abcdef1234567890abcdef", key=bytes.fromhex("fedcba0987654321fedcba0987654321"))
SESSION = "1234567890abcdef1234567890abcdef"

FULL_PERSONAL_DATA = m.PersonalData(
    document_type="ID",
    issuing_state="D",
    date_of_expiry=date(2029, 10, 31),
    given_names="ERIKA",
    family_names="MUSTERMANN",
    artistic_name="",
    academic_title="DR.",
    date_of_birth=m.GeneralDate("19640812", date(1964, 8, 12)),
    place_of_birth=m.FreetextPlace("BERLIN"),
    nationality="D",
    sex="F",
    birth_name="GABLER",
    date_of_issuance=date(2019, 11, 1),
    place_of_residence=m.StructuredPlace(city="KÖLN", country="D", street="HEIDESTRASSE 17", zip_code="51147"),
    residence_permit_i="",
    restricted_id=m.RestrictedID(bytes.fromhex("01A4FB509CEBC6595151A4FB5F9C75C6FE01A4FB59CB655A4FB5F9C75C6FEE"),
                                 bytes.fromhex("5C6FE01A4FB59CB655A4FB5F9C75C6FEE01A4FB509CEBC6595151A4FB5F9C7")),
)


def roundtrip(element: etree._Element) -> etree._Element:
    """Serialize and re-parse, as on the wire."""
    return etree.fromstring(etree.tostring(element))


# -- requests ----------------------------------------------------------------------------
@pytest.mark.parametrize("request_", [
    m.registration_request(),
    m.registration_request(min_age=18),
    m.login_request(),
    m.UseIDRequest(),
    m.UseIDRequest(operations={"PlaceVerification": m.Selection.REQUIRED, "Sex": m.Selection.ALLOWED,
                               "DateOfIssuance": m.Selection.ALLOWED},
                   place_verification="02760505", psk=PSK),
], ids=["registration", "registration-18", "login", "nothing", "place-and-psk"])
def test_use_id_request_is_schema_valid_and_parses_back(request_):
    element = roundtrip(m.build_use_id_request(request_))
    schema.validate_message(element, "useIDRequest")
    assert m.parse_use_id_request(element) == m.UseIDRequest(
        operations={k: v for k, v in request_.operations.items() if v != m.Selection.PROHIBITED},
        age_verification=request_.age_verification,
        place_verification=request_.place_verification,
        psk=request_.psk,
    )


def test_registration_request_asks_for_the_plus_data():
    request = m.registration_request()
    element = m.build_use_id_request(request)
    ops = {etree.QName(c).localname: c.text for c in element.find(f"{EID}UseOperations")}
    for name in ("GivenNames", "FamilyNames", "DateOfBirth", "PlaceOfBirth", "PlaceOfResidence", "AgeVerification"):
        assert ops[name] == "REQUIRED", name
    for name in ("BirthName", "AcademicTitle", "Nationality", "RestrictedID", "DocumentType", "IssuingState",
                 "DateOfExpiry"):
        assert ops[name] == "ALLOWED", name
    assert ops["ArtisticName"] == "PROHIBITED"
    assert element.findtext(f"{EID}AgeVerificationRequest/{EID}Age") == "16"
    # Schema order: the UseOperations sequence is fixed.
    assert list(ops)[:5] == ["DocumentType", "IssuingState", "DateOfExpiry", "GivenNames", "FamilyNames"]


def test_login_request_asks_for_the_pseudonym_only():
    ops = {etree.QName(c).localname: c.text for c in m.build_use_id_request(m.login_request()).find(f"{EID}UseOperations")}
    assert ops.pop("RestrictedID") == "REQUIRED"
    assert set(ops.values()) == {"PROHIBITED"}


def test_use_id_request_refuses_inconsistent_input():
    with pytest.raises(ValueError):
        m.UseIDRequest(operations={"AgeVerification": m.Selection.REQUIRED})  # no age
    with pytest.raises(ValueError):
        m.UseIDRequest(age_verification=16)  # age without the operation
    with pytest.raises(ValueError):
        m.UseIDRequest(operations={"ShoeSize": m.Selection.REQUIRED})


def test_get_result_request_is_schema_valid_and_parses_back():
    request = m.GetResultRequest(SESSION, 3)
    element = roundtrip(m.build_get_result_request(request))
    schema.validate_message(element, "getResultRequest")
    assert m.parse_get_result_request(element) == request
    with pytest.raises(ValueError):
        m.GetResultRequest(SESSION, 0)
    with pytest.raises(ValueError):
        m.GetResultRequest("abcd", 1)


# -- responses (server side builders) -----------------------------------------------------
@pytest.mark.parametrize("response", [
    m.UseIDResponse(SESSION, PSK, ecard_server_address="https://eid.example/paos"),
    m.UseIDResponse(SESSION, PSK),
    m.UseIDResponse(SESSION, PSK, result=m.Result.error(ResultMinor.TOO_MANY_OPEN_SESSIONS, "busy")),
], ids=["ok", "no-address", "error"])
def test_use_id_response_is_schema_valid_and_parses_back(response):
    element = roundtrip(m.build_use_id_response(response))
    schema.validate_message(element, "useIDResponse")
    assert m.parse_use_id_response(element) == response


ALL_OPERATIONS_ALLOWED = {name: "ALLOWED" for name, mandatory in m.OPERATIONS if mandatory}


@pytest.mark.parametrize("response", [
    m.GetResultResponse(personal_data=FULL_PERSONAL_DATA, fulfils_age_verification=True,
                        operations_allowed_by_user={**ALL_OPERATIONS_ALLOWED, "BirthName": "NOTONCHIP"}),
    m.GetResultResponse(personal_data=m.PersonalData(
        date_of_birth=m.GeneralDate("1945    "),
        place_of_birth=m.StructuredPlace(city="PARIS", country="F"),
        place_of_residence=m.NoPlaceInfo("keine Hauptwohnung in Deutschland")),
        fulfils_age_verification=False, fulfils_place_verification=True),
    m.GetResultResponse(personal_data=m.PersonalData(restricted_id=m.RestrictedID(b"\x01" * 32))),
    m.GetResultResponse(result=m.Result.error(ResultMinor.NO_RESULT_YET)),
    m.GetResultResponse(result=m.Result.error(ResultMinor.INVALID_DOCUMENT, "Dokument abgelaufen")),
], ids=["full", "unknown-parts", "pseudonym-only", "no-result-yet", "invalid-document"])
def test_get_result_response_is_schema_valid_and_parses_back(response):
    element = roundtrip(m.build_get_result_response(response))
    schema.validate_message(element, "getResultResponse")
    parsed = m.parse_get_result_response(element)
    assert parsed.result == response.result
    assert parsed.personal_data == response.personal_data
    assert parsed.fulfils_age_verification == response.fulfils_age_verification
    assert parsed.fulfils_place_verification == response.fulfils_place_verification
    if response.operations_allowed_by_user is not None:
        assert parsed.operations_allowed_by_user == response.operations_allowed_by_user


def test_date_string_keeps_its_spaces_through_the_wire():
    response = m.GetResultResponse(personal_data=m.PersonalData(date_of_birth=m.GeneralDate("196408  ")))
    parsed = m.parse_get_result_response(roundtrip(m.build_get_result_response(response)))
    assert parsed.personal_data.date_of_birth.date_string == "196408  "


def test_parses_the_tr_03130_example_response():
    """Pretty-printed hexBinary and an empty AcademicTitle as in TR-03130 Example 6."""
    xml = """<eid:getResultResponse xmlns:eid="http://bsi.bund.de/eID/" xmlns:dss="urn:oasis:names:tc:dss:1.0:core:schema">
      <eid:PersonalData>
        <eid:DocumentType>ID</eid:DocumentType><eid:IssuingState>D</eid:IssuingState>
        <eid:DateOfExpiry>2029-10-31</eid:DateOfExpiry>
        <eid:GivenNames>ERIKA</eid:GivenNames><eid:FamilyNames>MUSTERMANN</eid:FamilyNames>
        <eid:AcademicTitle></eid:AcademicTitle>
        <eid:DateOfBirth><eid:DateString>19640812</eid:DateString><eid:DateValue>1964-08-12</eid:DateValue></eid:DateOfBirth>
        <eid:PlaceOfBirth><eid:FreetextPlace>BERLIN</eid:FreetextPlace></eid:PlaceOfBirth>
        <eid:Nationality>D</eid:Nationality>
        <eid:PlaceOfResidence><eid:StructuredPlace><eid:Street>HEIDESTRASSE 17</eid:Street><eid:City>KÖLN</eid:City>
          <eid:Country>D</eid:Country><eid:ZipCode>51147</eid:ZipCode></eid:StructuredPlace></eid:PlaceOfResidence>
        <eid:RestrictedID><eid:ID>
            01A4FB509CEBC6595151A4FB5F9C75C6FE01A4FB59CB655A4FB5F9C75C6FEE
          </eid:ID></eid:RestrictedID>
      </eid:PersonalData>
      <eid:FulfilsAgeVerification><eid:FulfilsRequest>true</eid:FulfilsRequest></eid:FulfilsAgeVerification>
      <dss:Result><dss:ResultMajor>http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok</dss:ResultMajor></dss:Result>
    </eid:getResultResponse>""".encode()
    element = etree.fromstring(xml)
    schema.validate_message(element, "getResultResponse")
    parsed = m.parse_get_result_response(element)
    assert parsed.result.ok
    assert parsed.personal_data.restricted_id.id.hex().upper() == (
        "01A4FB509CEBC6595151A4FB5F9C75C6FE01A4FB59CB655A4FB5F9C75C6FEE")
    assert parsed.personal_data.academic_title == ""
    assert parsed.fulfils_age_verification is True


# -- schema validation refuses ------------------------------------------------------------
@pytest.mark.parametrize("xml, expected", [
    (b'<eid:useIDRequest xmlns:eid="http://bsi.bund.de/eID/"/>', None),
    (f'<eid:getResultRequest xmlns:eid="http://bsi.bund.de/eID/"><eid:Session><eid:ID>{SESSION}</eid:ID>'
     f'</eid:Session><eid:RequestCounter>eins</eid:RequestCounter></eid:getResultRequest>'.encode(), None),
    (b'<eid:getResultResponse xmlns:eid="http://bsi.bund.de/eID/"><eid:PersonalData><eid:DateOfBirth>'
     b'<eid:DateString>12.08.64</eid:DateString></eid:DateOfBirth></eid:PersonalData></eid:getResultResponse>', None),
    (b'<eid:useIDResponse xmlns:eid="http://bsi.bund.de/eID/"/>', "getResultResponse"),
    (b'<eid:Unknown xmlns:eid="http://bsi.bund.de/eID/"/>', None),
    (b'<useIDRequest/>', None),
], ids=["missing-operations", "counter-not-int", "bad-date-string", "wrong-message", "unknown", "no-namespace"])
def test_schema_violations_are_refused(xml, expected):
    with pytest.raises(SchemaViolation):
        schema.validate_message(etree.fromstring(xml), expected)


def test_wrong_result_element_is_refused():
    element = m.build_get_result_response(m.GetResultResponse())
    element.find("{urn:oasis:names:tc:dss:1.0:core:schema}Result")[0].tag = "ResultMajor"  # unqualified
    with pytest.raises(SchemaViolation):
        schema.validate_message(element)


# -- TC token ----------------------------------------------------------------------------
def test_tc_token_is_schema_valid_and_parses_back():
    token = tctoken.TcToken(
        server_address="https://eid.example/paos",
        session_identifier=PSK.id,
        refresh_address="https://servicekonto.example/eid/zurueck/9c1f0e",
        psk=PSK.key,
        communication_error_address="https://servicekonto.example/eid/fehler",
    )
    data = tctoken.build_tc_token(token)
    root = etree.fromstring(data)
    schema.validate_tc_token(root)
    assert root.findtext("Binding") == "urn:liberty:paos:2006-08"
    assert root.findtext("PathSecurity-Protocol") == "urn:ietf:rfc:4279"
    assert root.findtext("PathSecurity-Parameters/PSK") == PSK.key.hex().upper()
    assert root.findtext("SessionIdentifier") == PSK.id
    assert tctoken.parse_tc_token(data) == token


def test_tc_token_without_communication_error_address_is_valid():
    data = tctoken.build_tc_token(tctoken.TcToken("https://a.example", PSK.id, "https://b.example/r", PSK.key))
    schema.validate_tc_token(etree.fromstring(data))
    assert etree.fromstring(data).find("CommunicationErrorAddress") is None


def test_invalid_tc_token_is_refused():
    with pytest.raises(SchemaViolation):
        tctoken.parse_tc_token(b"<TCTokenType><ServerAddress>https://a.example</ServerAddress></TCTokenType>")
    with pytest.raises(SchemaViolation):
        schema.validate_tc_token(etree.fromstring(b"<TcToken/>"))


def test_client_url_carries_the_tc_token_url():
    url = tctoken.client_url("https://servicekonto.example/eid/tctoken?s=a b&x=1")
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "http://127.0.0.1:24727/eID-Client"
    assert parse_qs(parsed.query) == {"tcTokenURL": ["https://servicekonto.example/eid/tctoken?s=a b&x=1"]}


# -- the schemas ship with the package -----------------------------------------------------
def test_schemas_load_from_the_package_only(monkeypatch):
    loaded = []
    original = local_schema._LocalOnly.resolve

    def spy(self, url, public_id, context):
        loaded.append(url)
        return original(self, url, public_id, context)

    monkeypatch.setattr(local_schema._LocalOnly, "resolve", spy)
    local_schema.LocalSchema(schema.EID_XSD, SchemaViolation)
    assert loaded, "imports were not resolved through the local resolver"
    for url in loaded:
        assert Path(url.removeprefix("file://")).resolve().is_relative_to(schema.SCHEMA_DIR)
    assert schema.SCHEMA_DIR.is_relative_to(ROOT / "eid_connector")


def test_setup_cfg_ships_every_schema_file():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["*"].split() if p.strip()]
    files = [p for p in schema.SCHEMA_DIR.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"TR-03130eID-Server20.xsd", "TR-03130eID-Server20.wsdl", "TcToken.xsd",
                                       "oasis-dss-core-schema-v1.0-os.xsd", "xmldsig-core-schema.xsd"}
    for path in files:
        # find_namespace makes schemas/ and schemas/external/ packages of their own.
        assert any(fnmatch.fnmatch(path.name, p) for p in patterns), path
