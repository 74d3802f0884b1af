"""The connection to the eID-Server as `eid.client()` builds it from the settings
(TR-03130 3.5.1 and 3.5.2): our TLS client certificate, the CA pinned for the
server's TLS certificate, and how the WS-Security signature names our key — against
a real HTTPS server on 127.0.0.1 that demands a client certificate."""
from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from eid_connector import EidTransportError, login_request
from eid_connector.namespaces import DS, WSSE
from eid_connector.simulator.devkeys import self_signed
from idp import create_app
from idp.authn import eid
from idp.config import Settings

CLIENT_CN = "Servicekonto eService TLS (TEST)"


# -- test PKI --------------------------------------------------------------------------------
def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Servicekonto TEST ONLY")])


def _certificate(subject: str, key, issuer: tuple | None, *, usage=None, ip: str | None = None):
    """`issuer` is (key, certificate) of the CA; None makes `key` a self-signed CA."""
    now = datetime.now(timezone.utc)
    issuer_key, issuer_cert = issuer or (key, None)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(issuer_cert.subject if issuer_cert else _name(subject))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5))
               .not_valid_after(now + timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer is None:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = (builder
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                  critical=False)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, key=None, cert=None) -> Path:
    data = b""
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(data)
    return path


@dataclass(frozen=True)
class Pki:
    server_ca: Path        # issued the eID-Server's TLS certificate
    other_ca: Path         # a CA that did not
    client_ca: Path        # the eID-Server trusts client certificates from this one
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    # WS-Security: our signing pair and the eID-Server's pinned signing certificate.
    signing_key: Path
    signing_cert: Path
    keys_dir: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("eid-tls")
    server_ca_key, other_ca_key, client_ca_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    server_ca = _certificate("eID-Server TLS CA (TEST)", server_ca_key, None)
    other_ca = _certificate("Some other CA (TEST)", other_ca_key, None)
    client_ca = _certificate("eService client CA (TEST)", client_ca_key, None)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server_cert = _certificate("127.0.0.1", server_key, (server_ca_key, server_ca),
                               usage=ExtendedKeyUsageOID.SERVER_AUTH, ip="127.0.0.1")
    client_cert = _certificate(CLIENT_CN, client_key, (client_ca_key, client_ca),
                               usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    # One RSA pair serves as our signing key and as the pinned server certificate:
    # nothing here verifies a response, and RSA keys are slow to make.
    signing_key_pem, signing_cert_pem = self_signed("Servicekonto eService signing (TEST)")
    (d / "signing.key").write_bytes(signing_key_pem)
    (d / "signing.crt").write_bytes(signing_cert_pem)
    return Pki(
        server_ca=_write(d / "server-ca.pem", cert=server_ca), other_ca=_write(d / "other-ca.pem", cert=other_ca),
        client_ca=_write(d / "client-ca.pem", cert=client_ca),
        server_cert=_write(d / "server.crt", cert=server_cert), server_key=_write(d / "server.key", key=server_key),
        client_cert=_write(d / "client.crt", cert=client_cert), client_key=_write(d / "client.key", key=client_key),
        signing_key=d / "signing.key", signing_cert=d / "signing.crt",
        # Shared by the apps of this module so their own keys are made only once.
        keys_dir=d / "idp-keys")


# -- the eID-Server stand-in --------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: "_MutualTlsServer"

    def setup(self):
        # The handshake happens here, in the request's thread, so a refused one is
        # recorded instead of stalling the accept loop.
        self.request.settimeout(5)
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        subject = dict(pair for rdn in self.request.getpeercert()["subject"] for pair in rdn)
        body = subject["commonName"].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.server.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        # Not a signed response: the client gives up, which is all this needs.
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class _MutualTlsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pki: Pki):
        super().__init__(("127.0.0.1", 0), _Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=pki.client_ca)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.received: list[bytes] = []
        self.refused: list[BaseException] = []

    def handle_error(self, request, client_address):
        import sys

        self.refused.append(sys.exc_info()[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}/eID-Server"


@pytest.fixture
def eid_server(pki):
    server = _MutualTlsServer(pki)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_proxy_for_the_local_server(monkeypatch):
    # A developer's HTTPS_PROXY must not carry the requests to 127.0.0.1 elsewhere.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def make_app(pki: Pki, tmp_path: Path, server_url: str, **env: str):
    settings = Settings.from_env(
        {"EID_SERVER_URL": server_url, "EID_CLIENT_KEY": str(pki.signing_key),
         "EID_CLIENT_CERT": str(pki.signing_cert), "EID_SERVER_CERT": str(pki.signing_cert), **env},
        database_url=f"sqlite:///{tmp_path / 'servicekonto.db'}", keys_dir=pki.keys_dir,
        instance_dir=tmp_path / "instance", argon2_time_cost=1, argon2_memory_cost=1024, testing=True)
    return create_app(settings)


def tls_env(pki: Pki, *, client_cert: bool = True, ca: Path | None = None) -> dict[str, str]:
    env = {"EID_TLS_CA": str(ca or pki.server_ca)}
    if client_cert:
        env.update(EID_TLS_CLIENT_CERT=str(pki.client_cert), EID_TLS_CLIENT_KEY=str(pki.client_key))
    return env


def get(app, url: str) -> requests.Response:
    with app.app_context():
        return eid.client()._http.get(url, timeout=5)


# -- tests -----------------------------------------------------------------------------------------
def test_the_eid_server_sees_our_client_certificate(pki, eid_server, tmp_path):
    app = make_app(pki, tmp_path, eid_server.url, **tls_env(pki))
    response = get(app, eid_server.url)
    assert response.status_code == 200 and response.text == CLIENT_CN


def test_without_a_client_certificate_the_handshake_fails(pki, eid_server, tmp_path):
    app = make_app(pki, tmp_path, eid_server.url, **tls_env(pki, client_cert=False))
    # Under TLS 1.3 the client may learn of the refusal as an alert or as a reset.
    with pytest.raises(requests.exceptions.ConnectionError):
        get(app, eid_server.url)
    deadline = time.monotonic() + 5
    while not eid_server.refused and time.monotonic() < deadline:
        time.sleep(0.01)
    assert isinstance(eid_server.refused[0], ssl.SSLError) and "certificate" in str(eid_server.refused[0])


def test_only_the_pinned_ca_vouches_for_the_eid_server(pki, eid_server, tmp_path, monkeypatch):
    elsewhere = make_app(pki, tmp_path, eid_server.url, **tls_env(pki, ca=pki.other_ca))
    with pytest.raises(requests.exceptions.SSLError):
        get(elsewhere, eid_server.url)
    # Without EID_TLS_CA the system store decides, and it does not know the test CA.
    system = make_app(pki, tmp_path, eid_server.url, EID_TLS_CLIENT_CERT=str(pki.client_cert),
                      EID_TLS_CLIENT_KEY=str(pki.client_key))
    with pytest.raises(requests.exceptions.SSLError):
        get(system, eid_server.url)
    # requests would let this variable replace the session's CA bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.other_ca))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(pki.other_ca))
    pinned = make_app(pki, tmp_path, eid_server.url, **tls_env(pki))
    assert get(pinned, eid_server.url).status_code == 200


def test_a_pinned_ca_keeps_the_proxy_of_the_environment(pki, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.de:3128")
    monkeypatch.setenv("https_proxy", "http://proxy.example.de:3128")
    app = make_app(pki, tmp_path, "https://eid.example.de/eID-Server", **tls_env(pki))
    with app.app_context():
        assert eid.client()._http.proxies.get("https") == "http://proxy.example.de:3128"


@pytest.mark.parametrize("reference, present, absent", [
    ("issuer_serial", f"{{{DS}}}X509IssuerSerial", f"{{{WSSE}}}BinarySecurityToken"),
    ("bst", f"{{{WSSE}}}BinarySecurityToken", f"{{{DS}}}X509IssuerSerial"),
], ids=["issuer_serial", "bst"])
def test_the_signature_names_our_key_as_configured(pki, eid_server, tmp_path, reference, present, absent):
    app = make_app(pki, tmp_path, eid_server.url, EID_SIGNATURE_KEY_REFERENCE=reference, **tls_env(pki))
    with app.app_context():
        client = eid.client()
        assert client._signer._key_reference == reference
        with pytest.raises(EidTransportError, match="HTTP 503"):
            client.use_id(login_request())
    # The signed useID request went over the mutual TLS connection.
    [envelope] = [etree.fromstring(body) for body in eid_server.received]
    assert envelope.find(f".//{present}") is not None and envelope.find(f".//{absent}") is None
