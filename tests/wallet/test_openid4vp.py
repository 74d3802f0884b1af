"""OpenID4VP 1.0 (HAIP) verifier side: the signed request object, the link the wallet
opens, the stored transaction, and responses that do not belong to it."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from wallet_connector import (
    MemoryReplayGuard,
    PendingRequest,
    Purpose,
    VerifierIdentity,
    new_request,
    pid_query,
    read_response,
    request_object,
    verify_response,
    wallet_link,
)
from wallet_connector.simulator import ADULT, RequestRefused, verifier_identity
from wallet_connector.simulator.pki import make_ca, make_leaf
from wallet_connector.x5c import decode, encode

from .conftest import RESPONSE_URI, VERIFIER_HOST, encrypted, parts, rebound, refusal, without_given_name


@pytest.fixture
def pending(verifier):
    return new_request(verifier, response_uri=RESPONSE_URI, dcql_query=pid_query(Purpose.LOGIN))


def test_the_request_object_is_a_signed_jar_with_everything_haip_asks(verifier, pending):
    token = request_object(verifier, pending)
    header = jwt.get_unverified_header(token)
    leaf = decode(header["x5c"])[0]
    claims = jwt.decode(token, leaf.public_key(), algorithms=["ES256"], audience="https://self-issued.me/v2")

    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
    assert claims["client_id"] == f"x509_san_dns:{VERIFIER_HOST}"
    assert (claims["response_type"], claims["response_mode"]) == ("vp_token", "direct_post.jwt")
    assert claims["response_uri"] == RESPONSE_URI
    assert (claims["nonce"], claims["state"]) == (pending.nonce, pending.state)
    assert claims["dcql_query"] == pid_query(Purpose.LOGIN)
    assert claims["exp"] > claims["iat"]
    metadata = claims["client_metadata"]
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    [key] = metadata["jwks"]["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ECDH-ES", "enc")
    assert "d" not in key  # only the public half leaves the IdP
    assert metadata["vp_formats_supported"]["dc+sd-jwt"]["kb-jwt_alg_values"] == ["ES256"]


def test_every_transaction_has_its_own_state_nonce_and_key(verifier):
    first, second = (new_request(verifier, response_uri=RESPONSE_URI, dcql_query={}) for _ in range(2))
    assert first.state != second.state and first.nonce != second.nonce
    assert first.encryption_key["d"] != second.encryption_key["d"]
    assert len(first.nonce) >= 43  # 256 bits


def test_the_pending_request_survives_storage_as_json(pending):
    assert PendingRequest.from_dict(json.loads(json.dumps(pending.to_dict()))) == pending


def test_the_wallet_link_carries_client_id_and_request_uri():
    link = wallet_link("x509_san_dns:servicekonto.example.de", "https://servicekonto.example.de/wallet/anfrage/abc")
    parts = urlsplit(link)

    assert parts.scheme == "openid4vp"
    assert parse_qs(parts.query) == {"client_id": ["x509_san_dns:servicekonto.example.de"],
                                     "request_uri": ["https://servicekonto.example.de/wallet/anfrage/abc"]}


def test_a_verifier_certificate_must_name_the_client_id():
    leaf = make_leaf(make_ca("CA"), "other", dns_name="other.example.de")
    with pytest.raises(ValueError):
        VerifierIdentity(dns_name=VERIFIER_HOST, key=leaf.key, chain=leaf.chain)


def test_the_wallet_reads_what_is_asked(wallet, verifier, pending):
    received = wallet.read_request(request_object(verifier, pending))

    assert received.client_id == verifier.client_id
    assert [path[0] for path in received.claim_sets()[0]] == [
        "given_name", "family_name", "birthdate", "place_of_birth", "birth_family_name"]


def test_the_wallet_refuses_a_request_signed_by_someone_else(wallet, verifier, pending):
    impostor = verifier_identity("elsewhere.example.de")
    token = request_object(verifier, pending)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    # Signed by another key than the x5c certificate's.
    forged = jwt.encode(claims, impostor.key, algorithm="ES256", headers=header)
    with pytest.raises(RequestRefused):
        wallet.read_request(forged)
    # Signed correctly, but by a certificate for another DNS name than the client_id.
    with pytest.raises(RequestRefused):
        wallet.read_request(jwt.encode(claims, impostor.key, algorithm="ES256",
                                       headers={**header, "x5c": encode(impostor.chain)}))


def read(pending, response):
    return read_response(pending, response, replay=MemoryReplayGuard())


@pytest.mark.parametrize("response", [None, "", "not.a.jwe.at.all", "eyJhbGciOiJub25lIn0.e30."])
def test_an_unreadable_response_is_refused(pending, response):
    assert refusal(lambda: read(pending, response)) == "bad_response"


def test_a_response_encrypted_otherwise_than_asked_is_refused(pending):
    assert refusal(lambda: read(pending, encrypted(pending, {"state": pending.state}, enc="A192GCM"))) == "bad_response"
    assert refusal(lambda: read(pending, encrypted(pending, ["not", "an", "object"]))) == "bad_response"


def test_a_response_with_another_state_is_refused(pending):
    assert refusal(lambda: read(pending, encrypted(pending, {"state": "other", "vp_token": {}}))) == "wrong_state"


@pytest.mark.parametrize("vp_token", [None, {}, {"pid": []}, {"pid": ["a~", "b~"]}, {"pid": "a~"}, {"other": ["a~"]}])
def test_a_response_without_exactly_one_pid_is_refused(pending, vp_token):
    response = encrypted(pending, {"state": pending.state, "vp_token": vp_token})
    assert refusal(lambda: read(pending, response)) == "missing_credential"


def test_the_pid_presentation_is_read_from_a_256_bit_encrypted_response(pending):
    response = encrypted(pending, {"state": pending.state, "vp_token": {"pid": ["jwt~disclosure~kb"]}}, enc="A256GCM")
    assert read(pending, response) == "jwt~disclosure~kb"


def test_the_simulators_answer_reaches_the_verifier(transact):
    exchange = transact(ADULT)
    assert read(exchange.pending, exchange.response).count("~") >= 2


def test_a_presentation_without_the_asked_claims_is_refused(transact, trust, wallet):
    exchange = transact(ADULT, purpose=Purpose.LOGIN)
    presentation = read_response(exchange.pending, exchange.response, replay=MemoryReplayGuard())
    issuer_jwt, disclosures, _ = parts(presentation)
    pending = exchange.pending
    # The user withheld the given name: valid as SD-JWT, of no use for the login.
    withheld = rebound(wallet, issuer_jwt, without_given_name(disclosures), pending.client_id, pending.nonce)
    response = encrypted(pending, {"state": pending.state, "vp_token": {"pid": [withheld]}})

    assert refusal(lambda: verify_response(pending, response, replay=MemoryReplayGuard(), trust=trust)) == \
        "missing_claims"
