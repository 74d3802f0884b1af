"""SD-JWT VC verification (RFC 9901, draft-ietf-oauth-sd-jwt-vc) on presentations
altered one way at a time: each alteration is refused with its own reason."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from wallet_connector import IssuerTrust, read_response, verify_presentation
from wallet_connector.jose import b64url_decode, b64url_encode, sha256_b64url
from wallet_connector.simulator import ADULT, TestIssuer

from .conftest import parts, rebound, refusal, without_given_name


@pytest.fixture
def presented(transact):
    """A valid presentation of the adult PID and what it must answer."""
    exchange = transact(ADULT)
    presentation = read_response(exchange.pending, exchange.response, replay=exchange.replay)
    return presentation, exchange.pending.client_id, exchange.pending.nonce


def resigned(issuer: TestIssuer, issuer_jwt: str, header: dict | None = None, **claims) -> str:
    """The issuer-signed JWT with claims changed (None removes) and signed again by the issuer."""
    payload = jwt.decode(issuer_jwt, options={"verify_signature": False})
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {**jwt.get_unverified_header(issuer_jwt), **(header or {})}
    return jwt.encode(payload, issuer.signer.key, algorithm="ES256", headers=headers)


def verify(presentation, trust, aud, nonce, **kwargs):
    return verify_presentation(presentation, trust=trust, audience=aud, nonce=nonce, **kwargs)


def test_the_unaltered_presentation_is_accepted(presented, trust):
    presentation, aud, nonce = presented
    assert verify(presentation, trust, aud, nonce).claims["family_name"] == "MUSTERMANN"


@pytest.mark.parametrize("text", ["", "no tilde", "a.b.c", "~~kb", "onlyjwt~~"])
def test_what_is_no_sd_jwt_is_malformed(text, trust):
    assert refusal(lambda: verify(text, trust, "x", "n")) == "malformed"


def test_a_changed_payload_breaks_the_issuer_signature(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    header, payload, signature = issuer_jwt.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] += 3600
    forged = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])

    assert refusal(lambda: verify(rebound(wallet, forged, disclosures, aud, nonce), trust, aud, nonce)) == "bad_signature"


def test_another_algorithm_than_es256_is_refused(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    payload = jwt.decode(issuer_jwt, options={"verify_signature": False})
    hs256 = jwt.encode(payload, "secret" * 6, algorithm="HS256", headers={"typ": "dc+sd-jwt"})

    assert refusal(lambda: verify(rebound(wallet, hs256, disclosures, aud, nonce), trust, aud, nonce)) == "bad_signature"


@pytest.mark.parametrize(("change", "reason"), [
    ({"vct": "urn:example:diploma"}, "wrong_credential_type"),
    ({"header": {"typ": "JWT"}}, "wrong_credential_type"),
    ({"iss": "https://pid.example.org"}, "untrusted_issuer"),  # the certificate names another issuer
    ({"iss": "http://pid-issuer.simulator.invalid"}, "untrusted_issuer"),
    ({"nbf": "in an hour"}, "not_yet_valid"),
    ({"iat": "in an hour"}, "not_yet_valid"),
    ({"exp": "an hour ago"}, "expired"),
    ({"exp": "a string"}, "malformed"),
    ({"cnf": None}, "missing_key_binding"),
    ({"_sd_alg": "sha-512"}, "bad_disclosure"),
])
def test_issuer_claims_that_are_refused(presented, trust, wallet, issuer, change, reason):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    now = datetime.now(timezone.utc)
    times = {"in an hour": int((now + timedelta(hours=1)).timestamp()),
             "an hour ago": int((now - timedelta(hours=1)).timestamp())}
    change = {name: times.get(value, value) if isinstance(value, str) else value for name, value in change.items()}
    altered = resigned(issuer, issuer_jwt, **change)

    assert refusal(lambda: verify(rebound(wallet, altered, disclosures, aud, nonce), trust, aud, nonce)) == reason


def test_clock_skew_of_a_minute_is_tolerated(presented, trust, wallet, issuer):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    soon = int((datetime.now(timezone.utc) + timedelta(seconds=30)).timestamp())

    verify(rebound(wallet, resigned(issuer, issuer_jwt, nbf=soon), disclosures, aud, nonce), trust, aud, nonce)


def test_no_trust_anchor_no_trust(presented, issuer):
    presentation, aud, nonce = presented
    other = IssuerTrust(anchors=(TestIssuer().trust_anchor,), fetch_status_list=issuer.fetch_status_list)

    assert refusal(lambda: verify(presentation, other, aud, nonce)) == "untrusted_issuer"


def test_a_disclosure_given_twice_is_refused(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)

    doubled = rebound(wallet, issuer_jwt, [*disclosures, disclosures[0]], aud, nonce)
    assert refusal(lambda: verify(doubled, trust, aud, nonce)) == "bad_disclosure"


@pytest.mark.parametrize("disclosure", [
    ["c2FsdA", "given_name", "MALLORY"],  # no digest points to it
    ["c2FsdA", "_sd", ["x"]],  # reserved name
    ["c2FsdA"],  # neither object property nor array element
])
def test_an_added_disclosure_is_refused(presented, trust, wallet, disclosure):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    extra = b64url_encode(json.dumps(disclosure).encode())

    assert refusal(lambda: verify(rebound(wallet, issuer_jwt, [*disclosures, extra], aud, nonce), trust, aud,
                                  nonce)) == "bad_disclosure"


def test_a_withheld_disclosure_is_simply_absent(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    verified = verify(rebound(wallet, issuer_jwt, without_given_name(disclosures), aud, nonce), trust, aud, nonce)
    assert "given_name" not in verified.claims and verified.claims["family_name"] == "MUSTERMANN"


def test_the_key_binding_must_cover_the_disclosures_presented(presented, trust):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, kb = parts(presentation)
    # A disclosure removed after the holder signed: sd_hash no longer matches.
    cut = "~".join([issuer_jwt, *without_given_name(disclosures), kb])

    assert refusal(lambda: verify(cut, trust, aud, nonce)) == "bad_key_binding"


def test_a_key_binding_by_another_key_is_refused(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    stranger = ec.generate_private_key(ec.SECP256R1())

    assert refusal(lambda: verify(rebound(wallet, issuer_jwt, disclosures, aud, nonce, key=stranger), trust, aud,
                                  nonce)) == "bad_key_binding"


def test_a_key_binding_of_another_type_is_refused(presented, trust, wallet):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    sd_jwt = "~".join([issuer_jwt, *disclosures, ""])
    claims = {"iat": int(datetime.now(timezone.utc).timestamp()), "aud": aud, "nonce": nonce,
              "sd_hash": sha256_b64url(sd_jwt)}
    plain_jwt = jwt.encode(claims, wallet.holder_key(ADULT), algorithm="ES256", headers={"typ": "JWT"})

    assert refusal(lambda: verify(sd_jwt + plain_jwt, trust, aud, nonce)) == "bad_key_binding"


@pytest.mark.parametrize("age", [timedelta(minutes=10), timedelta(minutes=-5)])
def test_a_key_binding_from_another_time_is_refused(presented, trust, wallet, age):
    presentation, aud, nonce = presented
    issuer_jwt, disclosures, _ = parts(presentation)
    then = datetime.now(timezone.utc) - age

    stale = rebound(wallet, issuer_jwt, disclosures, aud, nonce, now=then)
    assert refusal(lambda: verify(stale, trust, aud, nonce)) == "stale_key_binding"


def test_the_status_list_decides_revocation_and_suspension(presented, issuer):
    presentation, aud, nonce = presented
    statuses = {"revoked": [1] * 8, "suspended": [2] * 8}
    for reason, entries in statuses.items():
        trust = IssuerTrust(anchors=(issuer.trust_anchor,), fetch_status_list=lambda uri: issuer.status_list_token(entries))
        assert refusal(lambda: verify(presentation, trust, aud, nonce)) == reason


def test_an_unavailable_or_untrusted_status_list_refuses_the_pid(presented, issuer):
    presentation, aud, nonce = presented

    def unreachable(uri):
        raise ConnectionError("no route to host")

    foreign = TestIssuer()  # a list signed by someone our anchors do not know
    for fetch in (unreachable, lambda uri: "not a jwt", lambda uri: foreign.status_list_token([0] * 8)):
        trust = IssuerTrust(anchors=(issuer.trust_anchor,), fetch_status_list=fetch)
        assert refusal(lambda: verify(presentation, trust, aud, nonce)) == "status_unavailable"
