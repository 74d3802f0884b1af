"""The whole exchange, request object to verified PID, for every test PID and every
broken answer the simulator can give: what the IdP's pages will see."""
from __future__ import annotations

from datetime import date

import pytest

from wallet_connector import Purpose, is_at_least, request_object
from wallet_connector.simulator import ADULT, EXPIRED, REVOKED, UNDER_16, Defect

from .conftest import Transaction, refusal


def test_adult_pid_is_accepted_with_the_asked_claims(transact, trust):
    verified = transact(ADULT).verify(trust)

    assert verified.vct == "urn:eudi:pid:de:1"
    assert verified.issuer == "https://pid-issuer.simulator.invalid"
    assert verified.claims["given_name"] == "ERIKA"
    assert verified.claims["birth_family_name"] == "GABLER"
    assert verified.claims["place_of_birth"] == {"locality": "BERLIN"}
    assert verified.claims["address"] == {"street_address": "HEIDESTRASSE 17", "postal_code": "51147",
                                          "locality": "KÖLN", "country": "DE"}
    assert verified.claims["nationalities"] == ["DE"]
    assert is_at_least(verified.claims, 16, date.today())


def test_the_15_year_old_is_accepted_and_recognisably_under_16(transact, trust):
    verified = transact(UNDER_16).verify(trust)

    assert verified.claims["given_name"] == "JONAS"
    assert "birth_family_name" not in verified.claims  # the second claim set: no birth name on the card
    assert not is_at_least(verified.claims, 16, date.today())


def test_a_revoked_pid_is_refused(transact, trust):
    assert refusal(lambda: transact(REVOKED).verify(trust)) == "revoked"


def test_an_expired_pid_is_refused(transact, trust):
    assert refusal(lambda: transact(EXPIRED).verify(trust)) == "expired"


@pytest.mark.parametrize(("defect", "reason"), [
    (Defect.WRONG_NONCE, "wrong_nonce"),
    (Defect.WRONG_AUDIENCE, "wrong_audience"),
    (Defect.TAMPERED_DISCLOSURE, "bad_disclosure"),
    (Defect.MISSING_KEY_BINDING, "missing_key_binding"),
    (Defect.UNTRUSTED_ISSUER, "untrusted_issuer"),
])
def test_each_broken_answer_is_refused_with_its_reason(transact, trust, defect, reason):
    assert refusal(lambda: transact(ADULT, defect).verify(trust)) == reason


def test_a_replayed_response_is_refused(transact, trust, wallet, verifier):
    first = transact(ADULT)
    first.verify(trust)

    # The wallet's response posted again to its transaction (what someone who
    # captured it would do); the replay guard is the transaction's, as in the IdP.
    request = wallet.read_request(request_object(verifier, first.pending))
    replayed = wallet.respond(request, ADULT, Defect.REPLAYED_RESPONSE).form["response"]
    assert replayed == first.response
    assert refusal(lambda: Transaction(first.pending, replayed, first.replay).verify(trust)) == "replayed"


def test_a_refused_presentation_also_uses_up_its_transaction(transact, trust):
    broken = transact(ADULT, Defect.WRONG_NONCE)
    assert refusal(lambda: broken.verify(trust)) == "wrong_nonce"

    again = transact(ADULT, pending=broken.pending, replay=broken.replay)
    assert refusal(lambda: again.verify(trust)) == "replayed"


def test_a_response_for_another_transaction_is_refused(transact, trust):
    mine, theirs = transact(ADULT), transact(ADULT)

    # Encrypted to the other transaction's key: this one cannot even read it.
    assert refusal(lambda: Transaction(mine.pending, theirs.response, mine.replay).verify(trust)) == "bad_response"
    mine.verify(trust)  # and it used nothing up


def test_login_discloses_only_what_login_needs(transact, trust):
    verified = transact(ADULT, purpose=Purpose.LOGIN).verify(trust)

    assert set(verified.claims) == {"given_name", "family_name", "birth_family_name", "birthdate",
                                    "place_of_birth", "issuing_country"}
    assert "address" not in verified.claims and "nationalities" not in verified.claims
    assert "age_equal_or_over" not in verified.claims
