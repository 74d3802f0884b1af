"""No XML from outside ever reaches the network or the file system: a message with an
external DTD, a parameter entity or an external entity is refused by every parser of
the provider (SAML messages and metadata, the eID server's SOAP envelopes, TC tokens)
without a single request to the server or a single opened file, and the endpoint
answers with its standard error."""
from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eid_connector import tctoken, wssec
from eid_connector.errors import EidProtocolError
from eid_connector.simulator import client as eid_client
from federation.saml import MalformedMessage, parse_metadata, safexml
from tests.support.file_watch import OpenWatch


class _Requests(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/xml-dtd")
        self.end_headers()
        self.wfile.write(b'<!ENTITY geheim "GEHEIM">')

    def log_message(self, *args):
        pass


@pytest.fixture
def dtd_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Requests)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_dtd(tmp_path):
    path = tmp_path / "lokal.dtd"
    path.write_text('<!ENTITY geheim "GEHEIM">')
    watch = OpenWatch(path)
    yield path, watch
    watch.close()


def hostile_documents(root: str, http_url: str, file_path) -> dict[str, bytes]:
    """`root` is the message's start tag (namespaces and all), closed by `</x:y>`."""
    name = root.split()[0].split(">")[0].lstrip("<")
    end = f"</{name}>"
    docs = {}
    for where, url in (("http", http_url), ("file", f"file://{file_path}"), ("path", str(file_path))):
        docs[f"external DTD ({where})"] = f'<!DOCTYPE {name} SYSTEM "{url}">{root}{end}'
        docs[f"public DTD ({where})"] = f'<!DOCTYPE {name} PUBLIC "-//X//DTD X//EN" "{url}">{root}{end}'
        docs[f"parameter entity ({where})"] = f'<!DOCTYPE {name} [<!ENTITY % p SYSTEM "{url}"> %p;]>{root}{end}'
        docs[f"external entity ({where})"] = f'<!DOCTYPE {name} [<!ENTITY e SYSTEM "{url}">]>{root}&e;{end}'
    return {k: ('<?xml version="1.0" encoding="UTF-8"?>' + v).encode() for k, v in docs.items()}


AUTHN_REQUEST = ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" '
                 'IssueInstant="2026-01-01T00:00:00Z">')
ENVELOPE = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
TC_TOKEN = "<TCTokenType>"


def assert_nothing_fetched(dtd_server, local_dtd):
    assert dtd_server.seen == []
    assert not local_dtd[1].opened(), "the parser opened a file named in the message"


def test_saml_sso_endpoint_refuses_without_fetching(user_agent, dtd_server, local_dtd):
    url = f"http://127.0.0.1:{dtd_server.server_port}/saml.dtd"
    for what, xml in hostile_documents(AUTHN_REQUEST, url, local_dtd[0]).items():
        r = user_agent.post("/saml/sso", data={"SAMLRequest": base64.b64encode(xml).decode()})
        assert r.status_code == 400, what
        assert "ungültig" in r.text, what
        assert_nothing_fetched(dtd_server, local_dtd)


@pytest.mark.parametrize("reader, refusal", [
    (safexml.parse, MalformedMessage),
    (lambda xml: parse_metadata(xml), MalformedMessage),
])
def test_saml_readers_refuse_without_fetching(dtd_server, local_dtd, reader, refusal):
    url = f"http://127.0.0.1:{dtd_server.server_port}/saml.dtd"
    for what, xml in hostile_documents(AUTHN_REQUEST, url, local_dtd[0]).items():
        with pytest.raises(refusal):
            reader(xml)
        assert_nothing_fetched(dtd_server, local_dtd)


@pytest.mark.parametrize("root, reader", [
    (ENVELOPE, wssec.parse_xml),
    (TC_TOKEN, tctoken.parse_tc_token),
])
def test_eid_readers_refuse_without_fetching(dtd_server, local_dtd, root, reader):
    url = f"http://127.0.0.1:{dtd_server.server_port}/soap.dtd"
    for what, xml in hostile_documents(root, url, local_dtd[0]).items():
        with pytest.raises(EidProtocolError, match="DOCTYPE"):
            reader(xml)
        assert_nothing_fetched(dtd_server, local_dtd)


def test_eid_client_simulator_salvages_nothing_from_a_hostile_token(dtd_server, local_dtd):
    url = f"http://127.0.0.1:{dtd_server.server_port}/tc.dtd"
    root = TC_TOKEN + "<CommunicationErrorAddress>https://dienst.example/fehler</CommunicationErrorAddress>"
    for what, xml in hostile_documents(root, url, local_dtd[0]).items():
        assert eid_client._salvage_error_address(xml) is None, what
        assert_nothing_fetched(dtd_server, local_dtd)
