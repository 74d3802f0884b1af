"""Fixtures for the eID connector: throwaway keys and certificates (generated per test
session, never written into the repository), an eID-Server stand-in speaking signed
SOAP on 127.0.0.1, and the eID simulators with a stand-in eService site around them."""
from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from flask import Flask, Response, request
from lxml import etree

from eid_connector import EidServerClient, build_tc_token, client_url, messages, registration_request, schema
from eid_connector.errors import EidError
from eid_connector.results import ResultMinor
from eid_connector.simulator import channel
from eid_connector.simulator.client import create_eid_client_app
from eid_connector.simulator.devkeys import self_signed
from eid_connector.simulator.run import ServedApp
from eid_connector.simulator.server import create_eid_server_app
from eid_connector.wssec import Signer, Verifier, build_fault


@pytest.fixture(autouse=True)
def clean_database():
    """These tests need no IdP: replaces the root conftest's autouse fixture that would
    start the app and a database."""
    yield


@dataclass(frozen=True)
class Credentials:
    key_pem: bytes
    cert_pem: bytes


def make_credentials(common_name: str, *, valid_from: datetime | None = None,
                     valid_for: timedelta = timedelta(days=30)) -> Credentials:
    return Credentials(*self_signed(common_name, "Servicekonto Test, Referat 1", valid_from=valid_from,
                                    valid_for=valid_for))


@pytest.fixture(scope="session")
def client_creds() -> Credentials:
    return make_credentials("eService Servicekonto")


@pytest.fixture(scope="session")
def server_creds() -> Credentials:
    return make_credentials("eID-Server")


@pytest.fixture(scope="session")
def rogue_creds() -> Credentials:
    """Same subject as the eID-Server, different key: an impostor."""
    return make_credentials("eID-Server")


GET_RESULT_PAYLOAD = b"""<eid:getResultRequest xmlns:eid="http://bsi.bund.de/eID/">
<eid:Session><eid:ID>00112233445566778899AABBCCDDEEFF</eid:ID></eid:Session>
<eid:RequestCounter>1</eid:RequestCounter></eid:getResultRequest>"""


@pytest.fixture
def payload() -> etree._Element:
    return etree.fromstring(GET_RESULT_PAYLOAD)


# The ResultMinors of TR-03130 each operation can answer (SPEC §7), for parametrized tests.
USE_ID_MINORS = [ResultMinor.INTERNAL_ERROR, ResultMinor.SCHEMA_VIOLATION, ResultMinor.INVALID_PSK,
                 ResultMinor.TOO_MANY_OPEN_SESSIONS, ResultMinor.MISSING_ARGUMENT,
                 ResultMinor.MISSING_TERMINAL_RIGHTS]
GET_RESULT_MINORS = [ResultMinor.INTERNAL_ERROR, ResultMinor.SCHEMA_VIOLATION, ResultMinor.NO_RESULT_YET,
                     ResultMinor.INVALID_SESSION, ResultMinor.INVALID_COUNTER, ResultMinor.DENIED_DOCUMENT,
                     ResultMinor.INVALID_DOCUMENT]


# -- eID-Server stand-in -------------------------------------------------------------------
SESSION_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
PSK = messages.Psk(id="psk-4f1c2a9b7e3d5c60", key=bytes.fromhex("00112233445566778899aabbccddeeff" * 2))
ECARD_SERVER = "https://eid-server.test/paos"


@dataclass
class FakeEidServer:
    """Verifies each request like an eID-Server would, then answers with the builders of
    eid_connector.messages, signed with the server key (or whatever a test injects)."""

    signer: Signer
    verifier: Verifier
    url: str = ""
    use_id_response: messages.UseIDResponse = field(
        default_factory=lambda: messages.UseIDResponse(SESSION_ID, PSK, ecard_server_address=ECARD_SERVER))
    # getResult answers in order; the last one repeats.
    get_result_responses: list = field(default_factory=lambda: [messages.GetResultResponse()])
    # Replaces the signed answer: callable(signed_bytes) -> (status, bytes).
    tamper: object = None
    seen: list = field(default_factory=list)
    counters: dict = field(default_factory=dict)
    request_errors: list = field(default_factory=list)
    soap_actions: list = field(default_factory=list)

    def answer(self, body: bytes, soap_action: str) -> tuple[int, bytes]:
        self.soap_actions.append(soap_action)
        try:
            request = self.verifier.verify(body).payload
            schema.validate_message(request)
        except EidError as exc:
            self.request_errors.append(exc)
            return 500, build_fault("Client", str(exc))
        self.seen.append(request)
        name = etree.QName(request).localname
        if name == "useIDRequest":
            messages.parse_use_id_request(request)
            reply = messages.build_use_id_response(self.use_id_response)
        else:
            parsed = messages.parse_get_result_request(request)
            last = self.counters.get(parsed.session_id, 0)
            self.counters[parsed.session_id] = max(last, parsed.request_counter)
            if parsed.request_counter <= last:
                response = messages.GetResultResponse(result=messages.Result.error(ResultMinor.INVALID_COUNTER))
            elif len(self.get_result_responses) > 1:
                response = self.get_result_responses.pop(0)
            else:
                response = self.get_result_responses[0]
            reply = messages.build_get_result_response(response)
        signed = self.signer.sign(reply)
        if self.tamper is not None:
            return self.tamper(signed)
        return 200, signed

    def counters_seen(self) -> list[int]:
        return [int(r.findtext("{http://bsi.bund.de/eID/}RequestCounter"))
                for r in self.seen if etree.QName(r).localname == "getResultRequest"]


@pytest.fixture
def eid_server(server_creds, client_creds):
    fake = FakeEidServer(Signer(server_creds.key_pem, server_creds.cert_pem),
                         Verifier(client_creds.cert_pem))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, data = fake.answer(body, self.headers.get("SOAPAction", ""))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval keeps shutdown() (once per test) fast.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/eID"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# -- simulators ------------------------------------------------------------------------------
# The eID-Server and eID-Client simulators on free ports of 127.0.0.1, a stand-in eService
# site (TC token, RefreshAddress, CommunicationErrorAddress) and the real EidServerClient.


@pytest.fixture
def make_eid_server_sim(server_creds, client_creds):
    """Factory: an eID-Server simulator (options of EidServerSimulator) trusting client_creds."""
    started = []

    def make(**options) -> ServedApp:
        served = ServedApp()
        started.append(served)
        served.start(create_eid_server_app(server_creds.key_pem, server_creds.cert_pem, client_creds.cert_pem,
                                           served.url, **options))
        served.simulator = served.app.extensions["eid_server_simulator"]
        served.soap_url = served.url + "/eID-Server"
        return served

    yield make
    for served in started:
        served.stop()


@pytest.fixture
def eid_server_sim(make_eid_server_sim) -> ServedApp:
    return make_eid_server_sim()


@pytest.fixture
def eid_client_sim() -> ServedApp:
    served = ServedApp().start(create_eid_client_app(timeout=5))
    served.start_url = served.url + "/eID-Client"
    yield served
    served.stop()


class ServiceSite:
    """What the eService serves around the eID step: TC tokens and the two addresses the
    eID-Client sends the browser to; arrivals are recorded."""

    def __init__(self):
        self.tokens: dict[str, tuple[bytes, str]] = {}
        self.arrivals: list[tuple[str, str, dict[str, str]]] = []
        app = Flask("service_site")

        @app.get("/tc/<key>")
        def tc_token(key):
            if key not in self.tokens:
                return "unbekannt", 404
            body, content_type = self.tokens[key]
            return Response(body, content_type=content_type)

        @app.get("/<kind>/<key>")
        def arrive(kind, key):
            self.arrivals.append((kind, key, dict(request.args)))
            html = ('<!doctype html><html lang="de"><head><title>Online-Dienst</title></head><body><main>'
                    '<h1>Zurück beim Online-Dienst</h1></main></body></html>')
            return Response(html, content_type="text/html; charset=utf-8")

        self.served = ServedApp().start(app)
        self.url = self.served.url

    def publish(self, key: str, body: bytes, content_type: str = "text/xml; charset=utf-8") -> str:
        """The tcTokenURL of a TC token."""
        self.tokens[key] = (body, content_type)
        return f"{self.url}/tc/{key}"

    def refresh_address(self, key: str) -> str:
        return f"{self.url}/zurueck/{key}"

    def error_address(self, key: str) -> str:
        return f"{self.url}/fehler/{key}"

    def arrival(self, key: str) -> tuple[str, dict[str, str]]:
        found = [(kind, args) for kind, k, args in self.arrivals if k == key]
        assert len(found) == 1, f"expected one arrival for {key}, got {found}"
        return found[0]


@pytest.fixture
def service_site() -> ServiceSite:
    site = ServiceSite()
    yield site
    site.served.stop()


@dataclass
class EidRun:
    """One eID process as the eService starts it."""

    session_id: str
    psk: messages.Psk
    key: str
    tc_token_url: str
    client_start_url: str


class Eservice:
    def __init__(self, server_sim, client_sim, site: ServiceSite, client_creds, server_creds):
        self.server_sim, self.client_sim, self.site = server_sim, client_sim, site
        self._creds = (client_creds, server_creds)
        self.client = self.new_client()

    def new_client(self, **options) -> EidServerClient:
        """A fresh connector (as in another process); never sleeps between polls."""
        client_creds, server_creds = self._creds
        options.setdefault("sleep", lambda seconds: None)
        options.setdefault("max_attempts", 1)
        options.setdefault("timeout", 5)
        return EidServerClient(self.server_sim.soap_url, client_creds.key_pem, client_creds.cert_pem,
                               server_creds.cert_pem, **options)

    def start(self, use_request=None) -> EidRun:
        result = self.client.use_id(use_request or registration_request())
        key = secrets.token_urlsafe(8)
        token = result.tc_token(self.site.refresh_address(key),
                                communication_error_address=self.site.error_address(key))
        tc_url = self.site.publish(key, build_tc_token(token))
        return EidRun(result.session_id, result.psk, key, tc_url,
                      client_url(tc_url, eid_client_url=self.client_sim.start_url))

    def ecard(self, psk: messages.Psk, method: str = "GET", payload: dict | None = None,
              key: bytes | None = None) -> requests.Response:
        """Talk to the eID-Server simulator the way the eID-Client simulator does."""
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = {channel.HEADER: channel.sign(key or psk.key, method, psk.id, body)}
        return requests.request(method, f"{self.server_sim.url}/ecard/{psk.id}", data=body or None,
                                headers=headers, timeout=5)

    def complete(self, run: EidRun, card: str = "erika", pin: str = "123456", pseudonym: bool = True) -> dict:
        response = self.ecard(run.psk, "POST", {"action": "complete", "card": card, "pin": pin,
                                                "pseudonym": pseudonym})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def eservice(eid_server_sim, eid_client_sim, service_site, client_creds, server_creds) -> Eservice:
    service = Eservice(eid_server_sim, eid_client_sim, service_site, client_creds, server_creds)
    yield service
    service.client._http.close()
