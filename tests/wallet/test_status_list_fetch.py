"""The status list fetched as in production (wallet_connector/app.py): an HTTPS GET
with the status list's media type, refused over plain http, and every transport or
HTTP failure raised, which the verifier turns into `status_unavailable`."""
from __future__ import annotations

import http.server
import ssl
import threading
from datetime import datetime, timezone

import pytest

from tests.support.tls import self_signed_for_localhost
from wallet_connector.app import fetch_status_list
from wallet_connector.errors import PresentationRefused
from wallet_connector.token_status_list import TYP, check_status

TOKEN = "eyJ0eXAiOiJzdGF0dXNsaXN0K2p3dCJ9.e30.c2ln"  # served as is; its checks are elsewhere


@pytest.fixture(scope="module")
def issuer_site(tmp_path_factory):
    """The PID issuer's status list endpoint over HTTPS on 127.0.0.1."""
    cert_file, key_file = self_signed_for_localhost(tmp_path_factory.mktemp("status-list"), "pid-issuer")
    asked: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(dict(self.headers))
            found = self.path == "/status/1"
            body = TOKEN.encode() if found else b""
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/" + TYP if found else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}", cert_file, asked
    server.shutdown()
    server.server_close()


def test_the_list_is_fetched_over_https_with_its_media_type(issuer_site, monkeypatch):
    base, cert_file, asked = issuer_site
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))  # the issuer's certificate is trusted
    assert fetch_status_list(base + "/status/1") == TOKEN
    assert asked[-1]["Accept"] == "application/" + TYP


def test_plain_http_is_never_asked():
    with pytest.raises(ValueError, match="https"):
        fetch_status_list("http://127.0.0.1:9/status/1")


@pytest.mark.parametrize("path, trusted", [("/status/gibt-es-nicht", True), ("/status/1", False)])
def test_a_missing_list_or_an_untrusted_site_leaves_the_status_unavailable(issuer_site, monkeypatch, tmp_path,
                                                                        path, trusted):
    base, cert_file, _ = issuer_site
    other, _key = self_signed_for_localhost(tmp_path, "stranger")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file if trusted else other))
    reference = {"status_list": {"idx": 0, "uri": base + path}}
    with pytest.raises(PresentationRefused) as refused:
        check_status(reference, fetch=fetch_status_list, anchors=(), now=datetime.now(timezone.utc))
    assert refused.value.reason == "status_unavailable"
