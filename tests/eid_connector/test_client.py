"""EidServerClient against an eID-Server stand-in on 127.0.0.1 that verifies our
signatures and answers with signed messages built by eid_connector.messages."""
from __future__ import annotations

import socket
from datetime import date

import pytest
import requests

from eid_connector import messages as m
from eid_connector import results
from eid_connector.client import EidServerClient
from eid_connector.errors import (
    EidProtocolError,
    EidResultError,
    EidSoapFault,
    EidTransportError,
    SchemaViolation,
    SignatureRefused,
)
from eid_connector.results import Flow, ResultMinor
from eid_connector.wssec import Signer, build_fault

from .conftest import ECARD_SERVER, GET_RESULT_MINORS, PSK, SESSION_ID, USE_ID_MINORS

RESULT = m.GetResultResponse(
    personal_data=m.PersonalData(
        given_names="ERIKA", family_names="MUSTERMANN", birth_name="GABLER",
        date_of_birth=m.GeneralDate("196408  "), place_of_birth=m.FreetextPlace("BERLIN"),
        place_of_residence=m.StructuredPlace(street="HEIDESTRASSE 17", city="KÖLN", country="D", zip_code="51147"),
        date_of_expiry=date(2031, 5, 31), document_type="ID", issuing_state="D", nationality="D",
        restricted_id=m.RestrictedID(bytes.fromhex("ab" * 32)),
    ),
    fulfils_age_verification=True,
)
NO_RESULT_YET = m.GetResultResponse(result=m.Result.error(ResultMinor.NO_RESULT_YET))


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_client(eid_server, client_creds, server_creds, sleeps):
    made = []

    def make(**kwargs):
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("retry_wait", 0.25)
        kwargs.setdefault("timeout", 5)
        client = EidServerClient(eid_server.url, client_creds.key_pem, client_creds.cert_pem,
                                 kwargs.pop("server_cert_pem", server_creds.cert_pem), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client._http.close()


# -- useID -------------------------------------------------------------------------------
def test_use_id_happy_path(eid_server, make_client):
    result = make_client().use_id(m.registration_request())

    assert result.session_id == SESSION_ID
    assert result.psk == PSK
    assert result.ecard_server_address == ECARD_SERVER
    # The stand-in verified our signature and the schema before answering.
    assert eid_server.request_errors == []
    assert eid_server.soap_actions == ['"http://bsi.bund.de/eID/useID"']
    sent = m.parse_use_id_request(eid_server.seen[0])
    assert sent == m.registration_request()

    token = result.tc_token("https://servicekonto.example/eid/zurueck/x7f")
    assert (token.server_address, token.session_identifier, token.psk) == (ECARD_SERVER, PSK.id, PSK.key)


def test_use_id_error_result_raises_with_a_german_message(eid_server, make_client):
    eid_server.use_id_response = m.UseIDResponse(
        SESSION_ID, PSK, result=m.Result.error(ResultMinor.TOO_MANY_OPEN_SESSIONS, "limit reached"))
    with pytest.raises(EidResultError) as info:
        make_client().use_id(m.login_request())
    assert info.value.minor == ResultMinor.TOO_MANY_OPEN_SESSIONS
    assert info.value.user_message == results.message_for(ResultMinor.TOO_MANY_OPEN_SESSIONS)


def test_tc_token_falls_back_to_the_configured_server_address(eid_server, make_client):
    eid_server.use_id_response = m.UseIDResponse(SESSION_ID, PSK)
    result = make_client().use_id(m.login_request())
    assert result.tc_token("https://sk.example/r", server_address="https://eid.fallback/paos").server_address == (
        "https://eid.fallback/paos")
    with pytest.raises(EidProtocolError):
        result.tc_token("https://sk.example/r")          # no address at all: no TC token


def test_use_id_refuses_a_session_without_our_psk(eid_server, make_client):
    """The eService brought its own PSK; a session under another one is not ours."""
    own = m.Psk(id="servicekonto-psk-0001", key=bytes(range(32)))
    with pytest.raises(EidProtocolError) as info:
        make_client().use_id(m.UseIDRequest(operations={"RestrictedID": m.Selection.REQUIRED}, psk=own))
    assert "PSK" in str(info.value)


# -- getResult ---------------------------------------------------------------------------
def test_get_result_waits_for_the_result(eid_server, make_client, sleeps):
    eid_server.get_result_responses = [NO_RESULT_YET, NO_RESULT_YET, RESULT]
    outcome = make_client().get_result(SESSION_ID, 0)

    assert outcome.ok and not outcome.pending
    assert outcome.message() is None
    assert eid_server.counters_seen() == [1, 2, 3]
    assert outcome.request_counter == 3
    assert sleeps == [0.25, 0.25]
    attrs = outcome.attributes
    assert (attrs.given_name, attrs.family_name, attrs.birth_date) == ("ERIKA", "MUSTERMANN", "00.08.1964")
    assert (attrs.street, attrs.house_number, attrs.city) == ("HEIDESTRASSE", "17", "KÖLN")
    assert attrs.restricted_id == "ab" * 32
    assert attrs.age_verified is True
    assert eid_server.request_errors == []


def test_request_counter_strictly_increases_across_calls(eid_server, make_client, sleeps):
    eid_server.get_result_responses = [NO_RESULT_YET, RESULT, NO_RESULT_YET]
    stored = 0                                     # what the app keeps in its DB row
    first = make_client(max_attempts=1).get_result(SESSION_ID, stored)
    assert first.pending
    stored = first.request_counter

    # A new process: a fresh client continues from the stored counter.
    second = make_client(max_attempts=1).get_result(SESSION_ID, stored)
    assert second.ok
    stored = second.request_counter

    # The same client without a stored counter still never repeats one.
    client = make_client(max_attempts=2)
    third = client.get_result(SESSION_ID, stored)
    fourth = client.get_result(SESSION_ID)
    seen = eid_server.counters_seen()
    assert seen == sorted(set(seen)) and len(seen) == 6
    assert seen[-1] == fourth.request_counter
    assert third.request_counter < fourth.request_counter
    # The stand-in answers invalidCounter to a repeated counter; that never happened.
    assert all(r.result.minor != ResultMinor.INVALID_COUNTER for r in (first, second, third, fourth))


def test_a_repeated_counter_is_reported_by_the_server(eid_server, make_client):
    """Counter check of the stand-in itself, so the test above can fail."""
    eid_server.get_result_responses = [RESULT]
    make_client().get_result(SESSION_ID, 4)
    outcome = make_client().get_result(SESSION_ID, 2)
    assert outcome.result.minor == ResultMinor.INVALID_COUNTER
    assert "erneut" in outcome.message(Flow.UPGRADE)


def test_no_result_yet_is_retried_a_bounded_number_of_times(eid_server, make_client, sleeps):
    eid_server.get_result_responses = [NO_RESULT_YET]
    outcome = make_client(max_attempts=4).get_result(SESSION_ID, 10)
    assert outcome.pending and not outcome.ok
    assert outcome.attributes is None
    assert eid_server.counters_seen() == [11, 12, 13, 14]
    assert outcome.request_counter == 14
    assert len(sleeps) == 3
    assert "noch nicht abgeschlossen" in outcome.message(Flow.REGISTRATION)


# -- refusals ----------------------------------------------------------------------------
def test_response_signed_with_the_wrong_key_is_refused(eid_server, make_client, rogue_creds):
    eid_server.signer = Signer(rogue_creds.key_pem, rogue_creds.cert_pem)
    with pytest.raises(SignatureRefused) as info:
        make_client().use_id(m.login_request())
    assert "not the trusted certificate" in info.value.reason


def test_response_signed_with_the_wrong_key_is_refused_in_get_result_and_keeps_the_counter(
        eid_server, make_client, rogue_creds):
    eid_server.signer = Signer(rogue_creds.key_pem, rogue_creds.cert_pem)
    with pytest.raises(SignatureRefused) as info:
        make_client().get_result(SESSION_ID, 5)
    assert info.value.request_counter == 6


def test_unsigned_response_is_refused(eid_server, make_client):
    from lxml import etree

    def strip_security(signed):
        root = etree.fromstring(signed)
        header = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Header")
        header.getparent().remove(header)
        return 200, etree.tostring(root)

    eid_server.tamper = strip_security
    with pytest.raises(SignatureRefused):
        make_client().use_id(m.login_request())


def test_tampered_response_is_refused(eid_server, make_client):
    eid_server.get_result_responses = [RESULT]
    eid_server.tamper = lambda signed: (200, signed.replace(b"ERIKA", b"MALLORY"))
    with pytest.raises(SignatureRefused) as info:
        make_client().get_result(SESSION_ID)
    assert "does not verify" in info.value.reason


def test_signed_but_schema_invalid_response_is_refused(eid_server, make_client, server_creds):
    from lxml import etree

    def invalid(_signed):
        body = etree.fromstring(b'<eid:useIDResponse xmlns:eid="http://bsi.bund.de/eID/"/>')
        return 200, Signer(server_creds.key_pem, server_creds.cert_pem).sign(body)

    eid_server.tamper = invalid
    with pytest.raises(SchemaViolation):
        make_client().use_id(m.login_request())


def test_soap_fault_maps_to_an_exception(eid_server, make_client):
    eid_server.tamper = lambda _signed: (500, build_fault("Server", "eID-Server wartet"))
    with pytest.raises(EidSoapFault) as info:
        make_client().use_id(m.login_request())
    assert (info.value.code, info.value.text) == ("soap:Server", "eID-Server wartet")
    assert "erneut" in info.value.user_message


def test_http_error_maps_to_a_transport_error(eid_server, make_client):
    eid_server.tamper = lambda _signed: (503, b"Service Unavailable")
    with pytest.raises(EidTransportError) as info:
        make_client().use_id(m.login_request())
    assert "503" in str(info.value)


def test_unreachable_server_maps_to_a_transport_error(client_creds, server_creds):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = EidServerClient(f"http://127.0.0.1:{port}/eID", client_creds.key_pem, client_creds.cert_pem,
                             server_creds.cert_pem, timeout=2)
    with pytest.raises(EidTransportError):
        client.use_id(m.login_request())


def test_oversized_response_is_refused(eid_server, make_client):
    eid_server.tamper = lambda signed: (200, signed + b" " * 5000)
    with pytest.raises(EidTransportError):
        make_client(max_response_bytes=4096).use_id(m.login_request())


def test_our_requests_are_refused_by_a_server_that_pins_another_client(eid_server, make_client, rogue_creds):
    """The stand-in really checks our signature (so the happy paths prove something)."""
    from eid_connector.wssec import Verifier

    eid_server.verifier = Verifier(rogue_creds.cert_pem)
    with pytest.raises(EidSoapFault):
        make_client().use_id(m.login_request())
    assert isinstance(eid_server.request_errors[0], SignatureRefused)


# -- every result minor reaches the citizen in German --------------------------------------
EXPECTED_PHRASE = {
    ResultMinor.INTERNAL_ERROR: "technischer Fehler",
    ResultMinor.SCHEMA_VIOLATION: "wegen eines technischen Fehlers abgelehnt",
    ResultMinor.INVALID_PSK: "sichere Verbindung",
    ResultMinor.TOO_MANY_OPEN_SESSIONS: "stark ausgelastet",
    ResultMinor.MISSING_ARGUMENT: "unvollständig",
    ResultMinor.MISSING_TERMINAL_RIGHTS: "nicht berechtigt",
    ResultMinor.NO_RESULT_YET: "noch nicht abgeschlossen",
    ResultMinor.INVALID_SESSION: "abgelaufen oder wurde bereits abgeschlossen",
    ResultMinor.INVALID_COUNTER: "nicht abgerufen",
    ResultMinor.DENIED_DOCUMENT: "nicht akzeptiert",
    ResultMinor.INVALID_DOCUMENT: "abgelaufen oder gesperrt",
}


def test_every_minor_is_covered_by_the_client_tests():
    assert set(USE_ID_MINORS) | set(GET_RESULT_MINORS) == set(ResultMinor) == set(EXPECTED_PHRASE)


@pytest.mark.parametrize("minor", USE_ID_MINORS)
def test_use_id_minor_maps_to_its_german_message(eid_server, make_client, minor):
    eid_server.use_id_response = m.UseIDResponse(SESSION_ID, PSK, result=m.Result.error(minor))
    with pytest.raises(EidResultError) as info:
        make_client().use_id(m.registration_request())
    assert EXPECTED_PHRASE[minor] in info.value.user_message
    assert "Ihre begonnene Registrierung bzw. Ihr Upgrade bleibt erhalten." in info.value.user_message


@pytest.mark.parametrize("minor", GET_RESULT_MINORS)
def test_get_result_minor_maps_to_its_german_message(eid_server, make_client, minor):
    eid_server.get_result_responses = [m.GetResultResponse(result=m.Result.error(minor))]
    outcome = make_client(max_attempts=2).get_result(SESSION_ID)
    assert not outcome.ok and outcome.attributes is None
    assert outcome.result.minor == minor
    text = outcome.message(Flow.UPGRADE)
    assert EXPECTED_PHRASE[minor] in text
    assert "Ihr begonnenes Upgrade auf Servicekonto Plus bleibt erhalten." in text


def test_default_http_session_is_requests(client_creds, server_creds):
    client = EidServerClient("http://127.0.0.1:9/eID", client_creds.key_pem, client_creds.cert_pem,
                             server_creds.cert_pem)
    assert isinstance(client._http, requests.Session)
    client._http.close()


def test_response_that_is_not_xml_is_a_protocol_error(eid_server, make_client):
    eid_server.tamper = lambda _signed: (200, b"<html><body>Wartungsarbeiten</body>")
    with pytest.raises(EidProtocolError) as info:
        make_client().use_id(m.login_request())
    assert "not well-formed" in str(info.value)


def test_signed_answer_of_another_operation_is_refused(eid_server, make_client, server_creds):
    signer = Signer(server_creds.key_pem, server_creds.cert_pem)
    eid_server.tamper = lambda _signed: (200, signer.sign(m.build_get_result_response(RESULT)))
    with pytest.raises(SchemaViolation) as info:
        make_client().use_id(m.login_request())
    assert "expected useIDResponse" in str(info.value)


def test_schema_valid_but_unusable_response_is_a_protocol_error(eid_server, make_client, server_creds):
    from lxml import etree

    def far_future(_signed):
        body = etree.fromstring(
            b'<eid:getResultResponse xmlns:eid="http://bsi.bund.de/eID/" '
            b'xmlns:dss="urn:oasis:names:tc:dss:1.0:core:schema"><eid:PersonalData>'
            b'<eid:DateOfExpiry>10000-01-01</eid:DateOfExpiry></eid:PersonalData><dss:Result>'
            b'<dss:ResultMajor>http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok</dss:ResultMajor>'
            b'</dss:Result></eid:getResultResponse>')
        return 200, Signer(server_creds.key_pem, server_creds.cert_pem).sign(body)

    eid_server.tamper = far_future
    with pytest.raises(EidProtocolError) as info:
        make_client().get_result(SESSION_ID, 1)
    assert info.value.request_counter == 2


def test_technical_errors_speak_to_the_flow(eid_server, make_client):
    eid_server.tamper = lambda _signed: (502, b"")
    with pytest.raises(EidTransportError) as info:
        make_client().use_id(m.registration_request())
    assert "Ihr begonnenes Upgrade auf Servicekonto Plus bleibt erhalten." in info.value.message(Flow.UPGRADE)
    assert "mit E-Mail-Adresse und Passwort" in info.value.message(Flow.LOGIN)
    assert info.value.user_message == info.value.message()
