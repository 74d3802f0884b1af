"""Fixtures for the wallet connector: a simulator PID issuer and wallet (throwaway keys
and certificates, made per test session), the IdP as verifier, and one transaction
helper that plays a presentation from request to verified PID."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from wallet_connector import (
    IssuerTrust,
    MemoryReplayGuard,
    PendingRequest,
    PresentationRefused,
    Purpose,
    new_request,
    pid_query,
    request_object,
    verify_response,
)
from wallet_connector.simulator import Defect, TestIssuer, Wallet, verifier_identity

VERIFIER_HOST = "servicekonto.example.de"
RESPONSE_URI = f"https://{VERIFIER_HOST}/wallet/antwort"


def refusal(run) -> str:
    """The reason code with which `run()` is refused."""
    with pytest.raises(PresentationRefused) as caught:
        run()
    return caught.value.reason


@pytest.fixture(autouse=True)
def clean_database():
    """These tests need no IdP: replaces the root conftest's autouse fixture that would
    start the app and a database."""
    yield


@pytest.fixture(scope="session")
def issuer():
    return TestIssuer()


@pytest.fixture(scope="session")
def wallet(issuer):
    return Wallet(issuer)


@pytest.fixture(scope="session")
def verifier():
    return verifier_identity(VERIFIER_HOST)


@pytest.fixture(scope="session")
def trust(issuer):
    return IssuerTrust(anchors=(issuer.trust_anchor,), fetch_status_list=issuer.fetch_status_list)


@dataclass
class Transaction:
    """One presentation request of the IdP and the wallet's answer to it."""

    pending: PendingRequest
    response: str
    replay: MemoryReplayGuard

    def verify(self, trust, **kwargs):
        return verify_response(self.pending, self.response, replay=self.replay, trust=trust, **kwargs)


@pytest.fixture
def transact(wallet, verifier):
    def run(pid_id: str, defect: Defect = Defect.NONE, purpose: Purpose = Purpose.REGISTRATION,
            pending: PendingRequest | None = None, replay: MemoryReplayGuard | None = None) -> Transaction:
        pending = pending or new_request(verifier, response_uri=RESPONSE_URI, dcql_query=pid_query(purpose))
        request = wallet.read_request(request_object(verifier, pending))
        answer = wallet.respond(request, pid_id, defect)
        assert answer.response_uri == RESPONSE_URI
        return Transaction(pending, answer.form["response"], replay or MemoryReplayGuard())

    return run
