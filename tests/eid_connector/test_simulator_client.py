"""The eID-Client simulator over plain HTTP (no browser needed for these): fetching and
checking the TC token, the redirects of TR-03124-1 with the codes parse_client_redirect
understands, PIN handling and the form's server-side checks."""
from __future__ import annotations

import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from eid_connector import messages as m
from eid_connector.results import ClientResultMinor, ResultMinor, parse_client_redirect
from eid_connector.simulator.client import MAX_TC_TOKEN_BYTES
from eid_connector.tctoken import TcToken, build_tc_token, client_url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_form(url: str) -> tuple[requests.Response, str]:
    response = requests.get(url, timeout=10)
    match = re.search(r'name="vorgang" value="([^"]+)"', response.text)
    assert response.status_code == 200 and match, response.text
    return response, match.group(1)


def submit(eservice, handle: str, **fields) -> requests.Response:
    data = {"vorgang": handle, "aktion": "uebermitteln", "card": "erika", "pin": "123456", "pseudonym": "ja"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return requests.post(eservice.client_sim.start_url, data=data, allow_redirects=False, timeout=10)


def redirect_of(response: requests.Response) -> tuple[str, dict[str, str]]:
    assert response.status_code == 303, (response.status_code, response.text[:500])
    location = urlsplit(response.headers["Location"])
    return (f"{location.scheme}://{location.netloc}{location.path}",
            {k: v[0] for k, v in parse_qs(location.query).items()})


def start_without_redirects(eservice, url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def start_with_token(eservice, tc_url: str) -> requests.Response:
    """The browser's first request to the eID-Client for this tcTokenURL."""
    return start_without_redirects(eservice, client_url(tc_url, eservice.client_sim.start_url))


def field_error(html: str, name: str) -> str:
    match = re.search(rf'id="{name}-fehler"><span class="visually-hidden">Fehler: </span>([^<]+)<', html)
    return match.group(1) if match else ""


# -- the happy path and the form --------------------------------------------------------------
def test_submit_redirects_to_the_refresh_address_with_ok(eservice):
    run = eservice.start()
    page, handle = open_form(run.client_start_url)
    assert "Erika Mustermann" in page.text and "Altersbestätigung (mindestens 16 Jahre)" in page.text
    assert page.headers["Content-Type"].startswith("text/html")
    address, query = redirect_of(submit(eservice, handle, pseudonym=None))
    assert address == eservice.site.refresh_address(run.key)
    assert query == {"ResultMajor": "ok"} and parse_client_redirect(query["ResultMajor"], None).ok
    outcome = eservice.client.get_result(run.session_id)
    assert outcome.ok and outcome.attributes.restricted_id is None      # checkbox left empty


def test_the_page_lists_what_is_requested(eservice):
    run = eservice.start(m.login_request())
    page, _handle = open_form(run.client_start_url)
    assert ('Pseudonym (dienste- und kartenspezifisches Kennzeichen) <span class="tag">(erforderlich)'
            in page.text)
    assert "Vornamen" not in page.text
    assert 'name="pseudonym"' not in page.text            # REQUIRED: nothing to choose


def test_pages_are_not_cached_and_run_no_scripts(eservice):
    run = eservice.start()
    page, _handle = open_form(run.client_start_url)
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "<script" not in page.text


def test_pin_format_and_card_are_checked_before_the_card_is_asked(eservice):
    run = eservice.start()
    _page, handle = open_form(run.client_start_url)
    response = submit(eservice, handle, pin="12ab", card=None)
    assert response.status_code == 200
    assert field_error(response.text, "pin") == "Bitte geben Sie die 6-stellige PIN ein (nur Ziffern)."
    assert field_error(response.text, "card") == "Bitte wählen Sie einen Testausweis aus."
    assert 'aria-invalid="true"' in response.text
    # No attempt was used up.
    assert eservice.ecard(run.psk).json()["pin_attempts_left"] == 3


def test_wrong_pin_shows_the_error_then_the_right_pin_completes(eservice):
    run = eservice.start()
    _page, handle = open_form(run.client_start_url)
    response = submit(eservice, handle, pin="111111", card="tag-unbekannt")
    assert field_error(response.text, "pin") == "Die PIN ist falsch. Sie haben noch 2 Versuche."
    assert re.search(r'value="tag-unbekannt"[^>]*checked', response.text)     # the choice is kept
    response = submit(eservice, handle, pin="222222", card="tag-unbekannt")
    assert field_error(response.text, "pin") == "Die PIN ist falsch. Sie haben noch 1 Versuch."
    assert redirect_of(submit(eservice, handle, card="tag-unbekannt"))[1] == {"ResultMajor": "ok"}
    assert eservice.client.get_result(run.session_id).attributes.birth_date == "00.08.1964"


def test_three_wrong_pins_block_the_card(eservice):
    run = eservice.start()
    _page, handle = open_form(run.client_start_url)
    submit(eservice, handle, pin="111111")
    submit(eservice, handle, pin="222222")
    address, query = redirect_of(submit(eservice, handle, pin="333333"))
    assert address == eservice.site.refresh_address(run.key)
    assert query == {"ResultMajor": "error", "ResultMinor": "clientError"}
    redirect = parse_client_redirect(query["ResultMajor"], query["ResultMinor"])
    assert redirect.minor is ClientResultMinor.CLIENT_ERROR
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.INVALID_SESSION


def test_cancel_redirects_with_cancellation_by_user(eservice):
    run = eservice.start()
    _page, handle = open_form(run.client_start_url)
    address, query = redirect_of(submit(eservice, handle, aktion="abbrechen", pin=None))
    assert address == eservice.site.refresh_address(run.key)
    assert query == {"ResultMajor": "error", "ResultMinor": "cancellationByUser"}
    redirect = parse_client_redirect(query["ResultMajor"], query["ResultMinor"])
    assert redirect.minor is ClientResultMinor.CANCELLATION_BY_USER
    assert "abgebrochen" in redirect.message()
    assert eservice.client.get_result(run.session_id).result.minor == ResultMinor.INVALID_SESSION


def test_a_finished_process_cannot_be_submitted_again(eservice):
    run = eservice.start()
    _page, handle = open_form(run.client_start_url)
    redirect_of(submit(eservice, handle))
    again = submit(eservice, handle)
    assert again.status_code == 400 and "Vorgang abgelaufen" in again.text
    assert submit(eservice, "erfunden").status_code == 400


def test_refresh_address_with_a_query_keeps_it(eservice):
    result = eservice.client.use_id(m.registration_request())
    refresh = eservice.site.refresh_address("mit-query") + "?vorgang=42"
    tc_url = eservice.site.publish("mit-query", build_tc_token(result.tc_token(refresh)))
    _page, handle = open_form(client_url(tc_url, eservice.client_sim.start_url))
    response = submit(eservice, handle)
    assert response.headers["Location"] == refresh + "&ResultMajor=ok"


def test_status_like_the_ausweisapp(eid_client_sim):
    status = requests.get(eid_client_sim.start_url + "?Status", timeout=5).json()
    assert status["Specification-Title"] == "TR-03124-1" and "AusweisApp" in status["Name"]


def test_help_page_lists_the_test_cards(eid_client_sim):
    page = requests.get(eid_client_sim.url + "/", timeout=5)
    assert page.status_code == 200 and "PIN 123456" in page.text and "Olena Kovalenko" in page.text


# -- the TC token --------------------------------------------------------------------------
def test_without_tc_token_url_there_is_a_german_error_page(eid_client_sim):
    for url in (eid_client_sim.start_url, eid_client_sim.start_url + "?tcTokenURL=file:///etc/passwd"):
        response = requests.get(url, timeout=5)
        assert response.status_code == 400 and "tcTokenURL" in response.text
        assert '<html lang="de">' in response.text


@pytest.mark.parametrize("where", ["closed-port", "404"])
def test_unreachable_tc_token_gives_an_error_page(eservice, where):
    tc_url = (f"http://127.0.0.1:{closed_port()}/tc" if where == "closed-port"
              else eservice.site.url + "/tc/gibt-es-nicht")
    response = start_with_token(eservice, tc_url)
    assert response.status_code == 502
    assert "TC-Token des Online-Dienstes konnte nicht abgerufen werden" in response.text


def _token(eservice, key: str, **changes) -> bytes:
    result = eservice.client.use_id(m.registration_request())
    token = result.tc_token(eservice.site.refresh_address(key),
                            communication_error_address=eservice.site.error_address(key))
    return build_tc_token(TcToken(**{**token.__dict__, **changes}))


def test_tc_token_must_be_text_xml(eservice):
    tc_url = eservice.site.publish("html", _token(eservice, "html"), content_type="text/html")
    address, query = redirect_of(start_with_token(eservice, tc_url))
    assert address == eservice.site.error_address("html")
    assert query == {"ResultMajor": "error", "ResultMinor": "communicationError"}
    assert parse_client_redirect(query["ResultMajor"], query["ResultMinor"]).minor is (
        ClientResultMinor.COMMUNICATION_ERROR)


def test_schema_invalid_tc_token_goes_to_the_communication_error_address(eservice):
    body = _token(eservice, "ohne-psk").replace(b"<PathSecurity-Parameters>",
                                                b"<Unbekannt/><PathSecurity-Parameters>")
    tc_url = eservice.site.publish("ohne-psk", body)
    address, query = redirect_of(start_with_token(eservice, tc_url))
    assert address == eservice.site.error_address("ohne-psk")
    assert query["ResultMinor"] == "communicationError"


def test_invalid_tc_token_without_communication_error_address_uses_the_refresh_address(eservice):
    body = (b"<TCTokenType><ServerAddress>kaputt</ServerAddress><RefreshAddress>"
            + eservice.site.refresh_address("nur-refresh").encode() + b"</RefreshAddress></TCTokenType>")
    tc_url = eservice.site.publish("nur-refresh", body)
    address, query = redirect_of(start_with_token(eservice, tc_url))
    assert address == eservice.site.refresh_address("nur-refresh")
    assert query == {"ResultMajor": "error", "ResultMinor": "communicationError"}


def test_oversized_tc_token_is_not_read(eservice):
    tc_url = eservice.site.publish("gross", b"<TCTokenType>" + b" " * MAX_TC_TOKEN_BYTES + b"</TCTokenType>")
    response = start_with_token(eservice, tc_url)
    assert response.status_code == 502
    assert "TC-Token des Online-Dienstes konnte nicht abgerufen werden" in response.text


def test_tc_token_that_is_not_xml_gives_an_error_page(eservice):
    tc_url = eservice.site.publish("kein-xml", b"<<<")
    response = start_with_token(eservice, tc_url)
    assert response.status_code == 502 and "ungültig" in response.text


def test_tc_token_without_paos_binding(eservice):
    tc_url = eservice.site.publish("soap", _token(eservice, "soap", binding="urn:liberty:soap:2006-08"))
    _address, query = redirect_of(start_with_token(eservice, tc_url))
    assert query["ResultMinor"] == "communicationError"


# -- the eID-Server behind the token ---------------------------------------------------------
def test_unknown_psk_fails_the_trusted_channel(eservice):
    body = _token(eservice, "fremd", psk=bytes(32), session_identifier="f" * 32)
    tc_url = eservice.site.publish("fremd", body)
    address, query = redirect_of(start_with_token(eservice, tc_url))
    assert address == eservice.site.refresh_address("fremd")
    assert query == {"ResultMajor": "error", "ResultMinor": "trustedChannelEstablishmentFailed"}


def test_unreachable_eid_server_fails_the_trusted_channel(eservice):
    body = _token(eservice, "weg", server_address=f"http://127.0.0.1:{closed_port()}/ecard")
    tc_url = eservice.site.publish("weg", body)
    _address, query = redirect_of(start_with_token(eservice, tc_url))
    assert query["ResultMinor"] == "trustedChannelEstablishmentFailed"


def test_eid_server_answering_without_json_is_a_server_error(eservice):
    # The stand-in site answers any GET with an HTML page.
    body = _token(eservice, "kein-json", server_address=eservice.site.url + "/kein-json")
    tc_url = eservice.site.publish("kein-json", body)
    address, query = redirect_of(start_with_token(eservice, tc_url))
    assert address == eservice.site.refresh_address("kein-json")
    assert query == {"ResultMajor": "error", "ResultMinor": "serverError"}


def test_a_closed_session_is_a_server_error(eservice):
    run = eservice.start()
    eservice.ecard(run.psk, "POST", {"action": "cancel"})
    _address, query = redirect_of(start_without_redirects(eservice, run.client_start_url))
    assert query == {"ResultMajor": "error", "ResultMinor": "serverError"}
