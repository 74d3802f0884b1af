"""Fixtures for the wallet connector: a simulator PID issuer and wallet (throwaway keys
and certificates, made per test session), the IdP as verifier, and one transaction
helper that plays a presentation from request to verified PID."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from joserfc import jwe
from joserfc.jwk import ECKey

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
from wallet_connector.jose import b64url_decode
from wallet_connector.simulator import ADULT, Defect, TestIssuer, Wallet, verifier_identity
from wallet_connector.simulator.wallet import key_binding_jwt

VERIFIER_HOST = "servicekonto.example.de"
RESPONSE_URI = f"https://{VERIFIER_HOST}/wallet/antwort"


def parts(presentation: str) -> tuple[str, list[str], str]:
    issuer_jwt, *disclosures, kb = presentation.split("~")
    return issuer_jwt, disclosures, kb


def without_given_name(disclosures: list[str]) -> list[str]:
    remaining = [item for item in disclosures if json.loads(b64url_decode(item))[1:2] != ["given_name"]]
    assert len(remaining) == len(disclosures) - 1
    return remaining


def rebound(wallet, issuer_jwt: str, disclosures: list[str], aud: str, nonce: str, **kb) -> str:
    """The holder's presentation of these parts, with a fresh key binding JWT."""
    sd_jwt = "~".join([issuer_jwt, *disclosures, ""])
    return sd_jwt + key_binding_jwt(kb.pop("key", None) or wallet.holder_key(ADULT), sd_jwt, aud=aud, nonce=nonce, **kb)


def encrypted(pending: PendingRequest, payload: object, alg: str = "ECDH-ES", enc: str = "A128GCM") -> str:
    public = {name: value for name, value in pending.encryption_key.items() if name != "d"}
    return jwe.encrypt_compact({"alg": alg, "enc": enc, "kid": public["kid"]}, json.dumps(payload).encode(),
                               ECKey.import_key(public))


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
