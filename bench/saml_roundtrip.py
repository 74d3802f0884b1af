"""What one federated login costs in SAML processing, per side: building the signed
AuthnRequest and reading it at the partner, and building the signed, encrypted
Response and reading it back (decrypt, verify, all checks). Prints the figures;
they depend on the machine and the key size (3072-bit RSA, as `federation/credentials`
creates them).

    .venv/bin/python bench/saml_roundtrip.py [rounds]
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta

from federation.credentials import self_signed
from federation.saml import KeyPair, bindings, messages
from federation.saml.metadata import build_metadata, parse_metadata
from federation.saml.namespaces import HTTP_REDIRECT

A, B = "https://land-a.example/saml/metadata", "https://land-b.example/saml/metadata"
GIVEN = "urn:oid:2.5.4.42"


def _pair(name: str) -> KeyPair:
    return KeyPair(*self_signed(name))


def _metadata(entity: str, signing: KeyPair, encryption: KeyPair):
    base = entity.rsplit("/saml", 1)[0]
    return parse_metadata(build_metadata(
        entity_id=entity, signing=signing, encryption_certs=[encryption.cert_pem], sso_redirect_url=base + "/sso",
        acs_url=base + "/acs", display_name=entity, organization_url=base, valid_for=timedelta(days=1)))


def _time(rounds: int, work) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _report(name: str, figures: list[float]) -> None:
    figures.sort()
    print(f"{name:34} median {statistics.median(figures):7.2f} ms   p90 {figures[int(len(figures) * 0.9)]:7.2f} ms")


def main(rounds: int = 100) -> None:
    a_sign, a_enc, b_sign, b_enc = (_pair(n) for n in ("A sign", "A enc", "B sign", "B enc"))
    a, b = _metadata(A, a_sign, a_enc), _metadata(B, b_sign, b_enc)
    a_acs, b_sso = A.replace("/saml/metadata", "/acs"), B.replace("/saml/metadata", "/sso")
    lookup = {A: a}.get
    state = {}

    def request():
        request_id, element = messages.build_authn_request(sp_entity_id=A, acs_url=a_acs, destination=b_sso,
                                                           class_refs=["STORK-QAA-Level-3"])
        state["id"], state["url"] = request_id, bindings.redirect_url(b_sso, element, "relay", a_sign)

    def read_request():
        messages.parse_authn_request(HTTP_REDIRECT, state["url"].split("?", 1)[1], lookup=lookup, sso_url=b_sso)

    def response():
        element = messages.build_response(
            idp_entity_id=B, in_response_to=state["id"], acs_url=a_acs, sp_entity_id=A,
            sp_encryption_cert=a_enc.cert_pem, signing=b_sign, name_id="pairwise-subject",
            class_ref="STORK-QAA-Level-3", attributes=[(GIVEN, "givenName", "Erika", "STORK-QAA-Level-3")])
        state["response"] = bindings.post_fields(element)["SAMLResponse"]

    def read_response():
        messages.parse_response(bindings.decode_post(state["response"]), idp=b, sp_entity_id=A, acs_url=a_acs,
                                expected_request_id=state["id"], decryption_keys=[a_enc],
                                first_use=lambda *_: True)

    print(f"{rounds} rounds, RSA 3072")
    for name, work in (("AuthnRequest: build + sign", request), ("AuthnRequest: verify + read", read_request),
                       ("Response: build, sign, encrypt", response),
                       ("Response: decrypt, verify, check", read_response)):
        _report(name, _time(rounds, work))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
