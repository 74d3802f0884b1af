"""Fixtures for the eID connector: throwaway keys and certificates (generated per test
session, never written into the repository) and an eID-Server stand-in speaking signed
SOAP on 127.0.0.1."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from eid_connector import messages, schema
from eid_connector.errors import EidError
from eid_connector.results import ResultMinor
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
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Servicekonto Test, Referat 1"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
    ])
    start = valid_from or datetime.now(timezone.utc) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .sign(key, hashes.SHA256())
    )
    return Credentials(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
        cert.public_bytes(serialization.Encoding.PEM),
    )


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
