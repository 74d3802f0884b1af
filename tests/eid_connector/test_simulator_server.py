"""The eID-Server simulator against the real EidServerClient: signed SOAP, sessions,
RequestCounter, the operations of useID honoured in getResult, every ResultMinor of
SPEC §7, and refusals. The eID-Client's part is played through the PSK channel
(the browser runs are in test_simulator_browser.py)."""
from __future__ import annotations

import secrets
from datetime import date

import pytest
import requests
from lxml import etree

from eid_connector import messages as m
from eid_connector import schema
from eid_connector.errors import EidResultError, EidSoapFault, SignatureRefused
from eid_connector.messages import Selection
from eid_connector.results import ResultMinor
from eid_connector.simulator import cards
from eid_connector.simulator.server import TERMINAL_RIGHTS, resolve_minor
from eid_connector.wssec import Signer, Verifier, find_fault

from .conftest import GET_RESULT_MINORS, USE_ID_MINORS, make_credentials

EID = "{http://bsi.bund.de/eID/}"
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://bsi.bund.de/eID/useID"'}
GET_SERVER_INFO = b'<eid:getServerInfoRequest xmlns:eid="http://bsi.bund.de/eID/"/>'


def post_soap(sim, envelope: bytes) -> requests.Response:
    return requests.post(sim.soap_url, data=envelope, headers=SOAP_HEADERS, timeout=5)


def post_signed(sim, creds, payload: etree._Element | bytes) -> requests.Response:
    """`payload` in an envelope signed with `creds`, as an eService sends it."""
    if isinstance(payload, bytes):
        payload = etree.fromstring(payload)
    return post_soap(sim, Signer(creds.key_pem, creds.cert_pem).sign(payload))


def verified_payload(response: requests.Response, creds) -> etree._Element:
    return Verifier(creds.cert_pem).verify(response.content).payload


# -- useID -------------------------------------------------------------------------------
def test_use_id_opens_a_session_with_psk_and_ecard_server_address(eservice, eid_server_sim):
    result = eservice.client.use_id(m.registration_request())
    assert len(bytes.fromhex(result.session_id)) == 32
    assert len(result.psk.key) == 32 and len(result.psk.id) >= 16
    assert result.ecard_server_address == eid_server_sim.url + "/ecard"
    # The session is waiting for the eID-Client and tells it what is asked.
    info = eservice.ecard(result.psk).json()
    assert info["operations"]["GivenNames"] == "REQUIRED"
    assert info["operations"]["RestrictedID"] == "ALLOWED"
    assert "ArtisticName" not in info["operations"]
    assert info["age_verification"] == 16
    assert info["provider"] == "eService Servicekonto"
    assert info["pin_attempts_left"] == 3


def test_use_id_keeps_the_psk_of_the_request(eservice):
    psk = m.Psk(id="servicekonto-" + secrets.token_hex(8), key=secrets.token_bytes(32))
    result = eservice.client.use_id(m.UseIDRequest(operations={"RestrictedID": Selection.REQUIRED}, psk=psk))
    assert result.psk == psk


def test_get_server_info_is_signed_and_schema_valid(eid_server_sim, client_creds, server_creds):
    payload = verified_payload(post_signed(eid_server_sim, client_creds, GET_SERVER_INFO), server_creds)
    schema.validate_message(payload, "getServerInfoResponse")
    rights = {etree.QName(e).localname: e.text for e in payload.find(f"{EID}DocumentVerificationRights")}
    assert rights["RestrictedID"] == "ALLOWED" and rights["PSA"] == "PROHIBITED"


# -- getResult: waiting, data, operations --------------------------------------------------
def test_get_result_says_no_result_yet_until_the_client_completed(eservice):
    run = eservice.start()
    first = eservice.client.get_result(run.session_id)
    assert first.pending and first.result.minor == ResultMinor.NO_RESULT_YET
    again = eservice.client.get_result(run.session_id)
    assert again.pending

    assert eservice.complete(run) == {"status": "ok"}
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.ok
    assert outcome.request_counter == 3
    assert outcome.attributes.given_name == "ERIKA"


def test_the_client_polls_until_the_result_is_there(eservice):
    run = eservice.start()
    sleeps = []

    def sleep(seconds):
        # The citizen finishes in the eID-Client while the connector waits.
        sleeps.append(seconds)
        if len(sleeps) == 2:
            eservice.complete(run)

    outcome = eservice.new_client(max_attempts=5, retry_wait=0.1, sleep=sleep).get_result(run.session_id)
    assert outcome.ok and outcome.request_counter == 3 and sleeps == [0.1, 0.1]


def test_registration_gets_all_data_of_the_adult(eservice):
    run = eservice.start()
    eservice.complete(run, "erika")
    outcome = eservice.client.get_result(run.session_id)
    a = outcome.attributes
    assert (a.given_name, a.family_name, a.birth_name, a.academic_title) == (
        "ERIKA", "MUSTERMANN", "GABLER", "DR.")
    assert (a.birth_date, a.place_of_birth) == ("12.08.1964", "BERLIN")
    assert (a.street, a.house_number, a.postal_code, a.city, a.country) == (
        "HEIDESTRASSE", "17", "51147", "KÖLN", "D")
    assert (a.nationality, a.document_type, a.issuing_state) == ("D", "ID", "D")
    assert a.age_verified is True
    assert len(bytes.fromhex(a.restricted_id)) == 32
    allowed = outcome.response.operations_allowed_by_user
    assert allowed["GivenNames"] == allowed["RestrictedID"] == allowed["AgeVerification"] == "ALLOWED"
    assert allowed["ArtisticName"] == "PROHIBITED"          # not asked for


def test_prohibited_data_is_never_sent(eservice):
    """eID login asks for the pseudonym only: nothing else leaves the card."""
    run = eservice.start(m.login_request())
    eservice.complete(run, "erika", pseudonym=False)       # REQUIRED: the choice does not apply
    outcome = eservice.client.get_result(run.session_id)
    data = outcome.response.personal_data
    assert data.restricted_id is not None
    assert {k: v for k, v in vars(data).items() if v is not None} == {"restricted_id": data.restricted_id}
    assert outcome.response.fulfils_age_verification is None


def test_missing_data_groups_are_reported_as_not_on_chip(eservice):
    run = eservice.start()
    eservice.complete(run, "jonas")
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.response.personal_data.academic_title is None
    assert outcome.response.operations_allowed_by_user["AcademicTitle"] == "NOTONCHIP"
    assert outcome.response.operations_allowed_by_user["BirthName"] == "NOTONCHIP"


def test_pseudonym_only_when_allowed_and_stable_per_card(eservice):
    def read(card, pseudonym):
        run = eservice.start()
        eservice.complete(run, card, pseudonym=pseudonym)
        return eservice.client.get_result(run.session_id)

    withheld = read("erika", False)
    assert withheld.ok and withheld.attributes.restricted_id is None
    assert withheld.response.operations_allowed_by_user["RestrictedID"] == "PROHIBITED"

    first, second = read("erika", True), read("erika", True)
    assert first.attributes.restricted_id == second.attributes.restricted_id
    other_card = read("ohne-wohnsitz", True)
    assert other_card.attributes.restricted_id != first.attributes.restricted_id


def test_pseudonym_differs_per_eservice(make_eid_server_sim, server_creds):
    from eid_connector.simulator.server import EidServerSimulator

    other = make_credentials("Anderer Dienst")
    sector_a = EidServerSimulator(server_creds.key_pem, server_creds.cert_pem, other.cert_pem,
                                  "http://127.0.0.1:9")._sector
    sector_b = make_eid_server_sim().simulator._sector
    assert sector_a != sector_b
    assert cards.restricted_id("erika", sector_a) != cards.restricted_id("erika", sector_b)


def test_fifteen_year_old_fails_the_age_verification(eservice):
    run = eservice.start()
    eservice.complete(run, "jonas")
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.ok and outcome.attributes.age_verified is False
    day, month, year = map(int, outcome.attributes.birth_date.split("."))
    born, today = date(year, month, day), date.today()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert age == 15


def test_expired_card_is_an_invalid_document(eservice):
    run = eservice.start()
    eservice.complete(run, "abgelaufen")
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.result.minor == ResultMinor.INVALID_DOCUMENT
    assert outcome.attributes is None
    assert "abgelaufen oder gesperrt" in outcome.message()


def test_unknown_birth_day_is_kept_as_00(eservice):
    run = eservice.start()
    eservice.complete(run, "tag-unbekannt")
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.response.personal_data.date_of_birth == m.GeneralDate("196408  ")
    assert outcome.attributes.birth_date == "00.08.1964"
    assert outcome.attributes.age_verified is True
    assert outcome.attributes.place_of_birth == "KABUL/AFGHANISTAN"
    assert (outcome.attributes.street, outcome.attributes.house_number) == ("HOHE STRASSE", "12A")


def test_residence_permit(eservice):
    run = eservice.start()
    eservice.complete(run, "aufenthaltstitel")
    a = eservice.client.get_result(run.session_id).attributes
    assert (a.document_type, a.nationality, a.issuing_state) == ("AR", "UKR", "D")
    assert (a.given_name, a.family_name, a.place_of_birth) == ("OLENA", "KOVALENKO", "CHARKIW, UKR")
    assert a.city == "KÖLN" and a.age_verified is True


def test_no_residence_in_germany(eservice):
    run = eservice.start()
    eservice.complete(run, "ohne-wohnsitz")
    a = eservice.client.get_result(run.session_id).attributes
    assert a.address_note == "keine Hauptwohnung in Deutschland"
    assert a.street is None and a.city is None


# -- sessions and counters ---------------------------------------------------------------
def test_a_lower_request_counter_is_refused_and_ends_the_session(eservice):
    run = eservice.start()
    assert eservice.client.get_result(run.session_id, 4).pending      # counter 5
    replay = eservice.new_client().get_result(run.session_id, 2)       # counter 3
    assert replay.result.minor == ResultMinor.INVALID_COUNTER
    assert eservice.ecard(run.psk).status_code == 403                 # the session is gone
    assert eservice.new_client().get_result(run.session_id, 10).result.minor == ResultMinor.INVALID_SESSION


def test_the_same_counter_twice_is_refused(eservice):
    run = eservice.start()
    eservice.client.get_result(run.session_id, 6)
    assert eservice.new_client().get_result(run.session_id, 6).result.minor == ResultMinor.INVALID_COUNTER


def test_unknown_session(eservice):
    outcome = eservice.client.get_result(secrets.token_hex(32).upper())
    assert outcome.result.minor == ResultMinor.INVALID_SESSION


def test_the_result_is_handed_out_once(eservice):
    run = eservice.start()
    eservice.complete(run)
    assert eservice.client.get_result(run.session_id).ok
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.INVALID_SESSION


def test_sessions_expire(eservice, make_eid_server_sim):
    now = [1000.0]
    sim = make_eid_server_sim(session_ttl=60, clock=lambda: now[0])
    eservice.server_sim = sim                      # this test's simulator, with its clock
    client = eservice.new_client()
    result = client.use_id(m.registration_request())
    now[0] += 59
    assert client.get_result(result.session_id).pending
    now[0] += 2
    assert eservice.ecard(result.psk).status_code == 403
    assert client.get_result(result.session_id).result.minor == ResultMinor.INVALID_SESSION
    assert sim.simulator.open_sessions() == 0


def test_cancelled_session_has_no_result(eservice):
    run = eservice.start()
    assert eservice.ecard(run.psk, "POST", {"action": "cancel"}).json() == {"status": "cancelled"}
    assert eservice.ecard(run.psk).status_code == 409
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.result.minor == ResultMinor.INVALID_SESSION


# -- the PSK channel ----------------------------------------------------------------------
def test_channel_needs_the_psk(eservice):
    run = eservice.start()
    assert eservice.ecard(run.psk, key=secrets.token_bytes(32)).status_code == 403
    no_mac = requests.get(f"{eservice.server_sim.url}/ecard/{run.psk.id}", timeout=5)
    assert no_mac.status_code == 403
    refused = eservice.ecard(run.psk, "POST", {"action": "complete", "card": "erika", "pin": "123456"},
                             key=secrets.token_bytes(32))
    assert refused.status_code == 403
    assert eservice.client.get_result(run.session_id).pending


def test_wrong_pin_counts_down_and_blocks_after_three(eservice):
    run = eservice.start()
    assert eservice.complete(run, pin="000000") == {"status": "wrongPin", "pin_attempts_left": 2}
    assert eservice.ecard(run.psk).json()["pin_attempts_left"] == 2
    assert eservice.complete(run, pin="999999") == {"status": "wrongPin", "pin_attempts_left": 1}
    assert eservice.complete(run, pin="12345") == {"status": "blocked"}
    assert eservice.ecard(run.psk, "POST", {"action": "complete", "card": "erika", "pin": "123456"}
                          ).status_code == 409
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.INVALID_SESSION


def test_wrong_then_right_pin(eservice):
    run = eservice.start()
    assert eservice.complete(run, pin="654321")["status"] == "wrongPin"
    assert eservice.complete(run, pin="123456") == {"status": "ok"}
    assert eservice.client.get_result(run.session_id).ok


def test_unknown_card_and_bad_requests(eservice):
    run = eservice.start()
    assert eservice.ecard(run.psk, "POST", {"action": "complete", "card": "gibt-es-nicht",
                                            "pin": "123456"}).status_code == 400
    assert eservice.ecard(run.psk, "POST", {"action": "zaubern"}).status_code == 400
    assert eservice.ecard(run.psk, "POST", ["kein", "objekt"]).status_code == 400
    assert eservice.client.get_result(run.session_id).pending


# -- result minors that arise by themselves ------------------------------------------------
def test_too_many_open_sessions(eservice, make_eid_server_sim):
    eservice.server_sim = make_eid_server_sim(max_open_sessions=2)
    client = eservice.new_client()
    client.use_id(m.login_request())
    client.use_id(m.login_request())
    with pytest.raises(EidResultError) as info:
        client.use_id(m.login_request())
    assert info.value.minor == ResultMinor.TOO_MANY_OPEN_SESSIONS


def test_psk_in_use_or_too_short_is_invalid(eservice):
    psk = m.Psk(id="servicekonto-psk-0001", key=secrets.token_bytes(32))
    eservice.client.use_id(m.UseIDRequest(operations={"RestrictedID": Selection.REQUIRED}, psk=psk))
    for again in (psk, m.Psk(id="servicekonto-psk-0002", key=secrets.token_bytes(16))):
        with pytest.raises(EidResultError) as info:
            eservice.client.use_id(m.UseIDRequest(operations={"RestrictedID": Selection.REQUIRED}, psk=again))
        assert info.value.minor == ResultMinor.INVALID_PSK


def test_rights_outside_the_terminal_certificate(eservice):
    assert "PSA" not in TERMINAL_RIGHTS
    with pytest.raises(EidResultError) as info:
        eservice.client.use_id(m.UseIDRequest(operations={"GivenNames": Selection.REQUIRED,
                                                          "PSA": Selection.ALLOWED}))
    assert info.value.minor == ResultMinor.MISSING_TERMINAL_RIGHTS


def test_nothing_requested_is_a_missing_argument(eservice):
    with pytest.raises(EidResultError) as info:
        eservice.client.use_id(m.UseIDRequest())
    assert info.value.minor == ResultMinor.MISSING_ARGUMENT


def test_age_verification_without_age_is_a_missing_argument(eservice, eid_server_sim, client_creds,
                                                            server_creds):
    payload = m.build_use_id_request(m.UseIDRequest(operations={"AgeVerification": Selection.REQUIRED},
                                                    age_verification=18))
    payload.remove(payload.find(f"{EID}AgeVerificationRequest"))
    schema.validate_message(payload)                       # valid, but incomplete
    answer = verified_payload(post_signed(eid_server_sim, client_creds, payload), server_creds)
    assert m.parse_use_id_response(answer).result.minor == ResultMinor.MISSING_ARGUMENT


def test_request_counter_zero_is_an_invalid_counter(eservice, eid_server_sim, client_creds, server_creds):
    """xs:int allows 0, but the counter starts at 1: an eService counting from 0 is told."""
    run = eservice.start()
    payload = m.build_get_result_request(m.GetResultRequest(run.session_id, 1))
    payload.find(f"{EID}RequestCounter").text = "0"
    schema.validate_message(payload)                       # valid, but not a counter
    answer = verified_payload(post_signed(eid_server_sim, client_creds, payload), server_creds)
    assert m.parse_get_result_response(answer).result.minor == ResultMinor.INVALID_COUNTER


# -- forced result minors ------------------------------------------------------------------
def force(sim, **values) -> requests.Response:
    return requests.post(sim.url + "/simulator/next-result", json=values, timeout=5)


def test_every_minor_of_spec_7_can_be_forced():
    assert set(USE_ID_MINORS) | set(GET_RESULT_MINORS) == set(ResultMinor)


@pytest.mark.parametrize("minor", USE_ID_MINORS)
def test_forced_use_id_minor_reaches_the_connector(eservice, eid_server_sim, minor):
    short = minor.removeprefix("http://www.bsi.bund.de/eid/server/2.0/resultminor/")
    assert force(eid_server_sim, minor=short, operation="useID", message="forced").status_code == 200
    with pytest.raises(EidResultError) as info:
        eservice.client.use_id(m.registration_request())
    assert info.value.minor == minor and info.value.server_message == "forced"
    # Only the next call: the one after works again.
    assert eservice.client.use_id(m.registration_request()).session_id


@pytest.mark.parametrize("minor", GET_RESULT_MINORS)
def test_forced_get_result_minor_reaches_the_connector(eservice, eid_server_sim, minor):
    run = eservice.start()
    eservice.complete(run)
    assert force(eid_server_sim, minor=str(minor), operation="getResult").status_code == 200
    outcome = eservice.client.get_result(run.session_id)
    assert not outcome.ok and outcome.result.minor == minor and outcome.attributes is None
    # The session was left as it was: the real result follows.
    assert eservice.client.get_result(run.session_id).ok


def test_forced_results_queue_in_order_and_can_be_cleared(eservice, eid_server_sim):
    url = eid_server_sim.url + "/simulator/next-result"
    assert force(eid_server_sim, minor="getResult#noResultYet", count=2).json()["queued"]["getResult"] == [
        ResultMinor.NO_RESULT_YET] * 2
    form = requests.post(url, data={"minor": "useID#tooManyOpenSessions"}, timeout=5)
    assert form.json()["queued"]["useID"] == [ResultMinor.TOO_MANY_OPEN_SESSIONS]
    assert requests.delete(url, timeout=5).json() == {"queued": {"useID": [], "getResult": []}}

    run = eservice.start()
    eservice.complete(run)
    force(eid_server_sim, minor="getResult#noResultYet", count=2)
    outcome = eservice.new_client(max_attempts=5).get_result(run.session_id)
    assert outcome.ok and outcome.request_counter == 3


@pytest.mark.parametrize("values, error", [
    ({"minor": "getResult#gibtEsNicht"}, "unknown ResultMinor"),
    ({"minor": "common#internalError"}, "operation must be"),
    ({"minor": "useID#invalidPSK", "operation": "getResult"}, "not an answer of getResult"),
    ({"minor": "getResult#noResultYet", "count": 0}, "count"),
])
def test_control_endpoint_refuses_nonsense(eid_server_sim, values, error):
    response = force(eid_server_sim, **values)
    assert response.status_code == 400 and error in response.json()["error"]


def test_resolve_minor_accepts_uri_and_short_form():
    assert resolve_minor("getResult#invalidDocument") is ResultMinor.INVALID_DOCUMENT
    assert resolve_minor(str(ResultMinor.INVALID_PSK)) is ResultMinor.INVALID_PSK
    assert resolve_minor("invalidDocument") is None


# -- refusals of the simulator -------------------------------------------------------------
def test_unsigned_request_is_refused_with_a_fault(eid_server_sim):
    envelope = (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                + etree.tostring(m.build_use_id_request(m.login_request())) + b"</soap:Body></soap:Envelope>")
    response = post_soap(eid_server_sim, envelope)
    assert response.status_code == 500
    code, text = find_fault(response.content)
    assert code == "soap:Client" and "unsigned" in text
    assert eid_server_sim.simulator.open_sessions() == 0


def test_request_signed_by_another_key_is_refused(eid_server_sim, server_creds, rogue_creds):
    from eid_connector.client import EidServerClient

    client = EidServerClient(eid_server_sim.soap_url, rogue_creds.key_pem, rogue_creds.cert_pem,
                             server_creds.cert_pem, timeout=5)
    with pytest.raises(EidSoapFault) as info:
        client.use_id(m.login_request())
    assert "not the trusted certificate" in info.value.text
    assert eid_server_sim.simulator.open_sessions() == 0


def test_tampered_request_is_refused(eid_server_sim, client_creds):
    envelope = Signer(client_creds.key_pem, client_creds.cert_pem).sign(
        m.build_use_id_request(m.login_request()))
    response = post_soap(eid_server_sim, envelope.replace(b"REQUIRED", b"ALLOWED"))
    assert response.status_code == 500 and "does not verify" in find_fault(response.content)[1]


@pytest.mark.parametrize("payload, response_name", [
    (b'<eid:useIDRequest xmlns:eid="http://bsi.bund.de/eID/"><eid:Unbekannt/></eid:useIDRequest>',
     "useIDResponse"),
    (b'<eid:getResultRequest xmlns:eid="http://bsi.bund.de/eID/"><eid:Session><eid:ID>00</eid:ID>'
     b'</eid:Session><eid:RequestCounter>eins</eid:RequestCounter></eid:getResultRequest>', "getResultResponse"),
])
def test_schema_invalid_request_gets_schema_violation(eid_server_sim, client_creds, server_creds, payload,
                                                      response_name):
    response = post_signed(eid_server_sim, client_creds, payload)
    assert response.status_code == 200
    answer = verified_payload(response, server_creds)    # signed, too
    schema.validate_message(answer, response_name)
    parse = m.parse_use_id_response if response_name == "useIDResponse" else m.parse_get_result_response
    result = parse(answer).result
    assert not result.ok and result.minor == ResultMinor.SCHEMA_VIOLATION


def test_schema_invalid_get_server_info_is_a_fault(eid_server_sim, client_creds):
    """getServerInfoResponse has no dss:Result that could carry schemaViolation."""
    response = post_signed(eid_server_sim, client_creds, GET_SERVER_INFO.replace(
        b"/>", b"><eid:Extra/></eid:getServerInfoRequest>"))
    assert response.status_code == 500
    code, text = find_fault(response.content)
    assert code == "soap:Client" and "schema violation" in text


def test_a_failing_operation_answers_internal_error(eservice, eid_server_sim, client_creds, monkeypatch):
    def broken(_payload):
        raise RuntimeError("kaputt")

    for request_name in ("useIDRequest", "getServerInfoRequest"):
        monkeypatch.setitem(eid_server_sim.simulator._handlers, request_name, broken)
    with pytest.raises(EidResultError) as info:
        eservice.client.use_id(m.login_request())
    assert info.value.minor == ResultMinor.INTERNAL_ERROR
    response = post_signed(eid_server_sim, client_creds, GET_SERVER_INFO)
    assert response.status_code == 500 and find_fault(response.content) == ("soap:Server", "internal error")


def test_unknown_operation_is_a_fault(eid_server_sim, client_creds):
    response = post_signed(eid_server_sim, client_creds, b'<x:ping xmlns:x="urn:example"/>')
    assert response.status_code == 500 and "unknown operation" in find_fault(response.content)[1]


def test_responses_are_signed_by_the_simulator_key(eservice, rogue_creds, client_creds):
    from eid_connector.client import EidServerClient

    pinned_wrong = EidServerClient(eservice.server_sim.soap_url, client_creds.key_pem, client_creds.cert_pem,
                                   rogue_creds.cert_pem, timeout=5)
    with pytest.raises(SignatureRefused):
        pinned_wrong.use_id(m.login_request())
