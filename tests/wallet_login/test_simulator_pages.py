"""The wallet simulator's pages answer only verifiers on this machine: they must not
become a way to send requests elsewhere; and they refuse what a wallet refuses."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from wallet_connector.simulator.server import WalletSimulator, create_simulator_app


@pytest.fixture
def pages():
    return create_simulator_app(WalletSimulator("http://127.0.0.1:9")).test_client()


@pytest.mark.parametrize("request_uri", ["https://verifier.example.de/anfrage/1", "file:///etc/passwd", ""])
def test_a_request_uri_elsewhere_is_not_fetched(pages, request_uri):
    page = pages.get("/authorize?" + urlencode({"client_id": "x509_san_dns:verifier.example.de",
                                                "request_uri": request_uri}))
    assert page.status_code == 400 and "nicht auf diesem Rechner" in page.text


def test_an_unknown_answer_handle_is_refused(pages):
    assert pages.post("/authorize/antwort", data={"handle": "unknown", "pid": "erika"}).status_code == 404


def test_the_start_page_lists_the_test_pids(pages):
    page = pages.get("/")
    for label in ("Erika Mustermann", "Jonas Mustermann (15 Jahre)", "Max Mustermann (widerrufen)",
                  "Hans Schmidt (abgelaufen)"):
        assert label in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
