"""The DCQL queries (OpenID4VP 1.0 §6) and what the wallet discloses for them."""
from __future__ import annotations

import json

from wallet_connector import Purpose, pid_query, read_response
from wallet_connector.dcql import claim_sets, fulfilled
from wallet_connector.jose import b64url_decode
from wallet_connector.pid import IDENTIFIER_CLAIMS
from wallet_connector.simulator import ADULT, UNDER_16


def names(paths):
    return [path[0] for path in paths]


def test_login_asks_for_the_identifier_and_the_names_only():
    [credential] = pid_query(Purpose.LOGIN)["credentials"]

    assert credential["format"] == "dc+sd-jwt"
    assert credential["meta"] == {"vct_values": ["urn:eudi:pid:de:1", "urn:eudi:pid:1"]}
    assert [names(paths) for paths in claim_sets(pid_query(Purpose.LOGIN))] == [
        ["given_name", "family_name", "birthdate", "place_of_birth", "birth_family_name"],
        ["given_name", "family_name", "birthdate", "place_of_birth"],
    ]


def test_login_asks_for_all_the_stable_identifier_is_made_of():
    preferred, fallback = claim_sets(pid_query(Purpose.LOGIN))
    assert set(IDENTIFIER_CLAIMS) <= set(names(preferred))
    assert set(IDENTIFIER_CLAIMS) - set(names(fallback)) == {"birth_family_name"}  # family_name stands in


def test_registration_also_asks_for_address_and_nationality():
    preferred, fallback = claim_sets(pid_query(Purpose.REGISTRATION))
    assert set(names(preferred)) - set(names(fallback)) == {"birth_family_name"}
    assert {"address", "nationalities"} <= set(names(fallback))


def test_a_query_without_claim_sets_asks_for_all_its_claims():
    query = {"credentials": [{"id": "pid", "claims": [{"path": ["a"]}, {"path": ["b", "c"]}]}]}
    assert claim_sets(query) == [[["a"], ["b", "c"]]]


def disclosed(transact, pid_id, purpose):
    exchange = transact(pid_id, purpose=purpose)
    presentation = read_response(exchange.pending, exchange.response, replay=exchange.replay)
    return [json.loads(b64url_decode(item)) for item in presentation.split("~")[1:-1]]


def test_the_wallet_discloses_only_the_asked_claims(transact):
    login = disclosed(transact, ADULT, Purpose.LOGIN)
    # Object properties by name; place_of_birth with its nested locality.
    assert sorted(item[1] for item in login) == [
        "birth_family_name", "birthdate", "family_name", "given_name", "locality", "place_of_birth"]

    registration = disclosed(transact, ADULT, Purpose.REGISTRATION)
    properties = {item[1] for item in registration if len(item) == 3}
    elements = [item[1] for item in registration if len(item) == 2]
    assert {"address", "street_address", "postal_code", "nationalities"} <= properties
    assert elements == ["DE"]  # the nationality, an array element disclosure
    assert "age_equal_or_over" not in properties and "16" not in properties


def test_a_pid_without_birth_name_answers_with_the_second_claim_set(transact):
    assert "birth_family_name" not in {item[1] for item in disclosed(transact, UNDER_16, Purpose.LOGIN)}


def test_fulfilled_means_one_claim_set_is_answered():
    query = pid_query(Purpose.LOGIN)
    login = {"given_name": "ERIKA", "family_name": "MUSTERMANN", "birthdate": "1964-08-12",
             "place_of_birth": {"locality": "BERLIN"}}

    assert fulfilled(query, login)  # the second set, without birth name
    assert not fulfilled(query, {**login, "given_name": None})
    assert not fulfilled(query, {name: value for name, value in login.items() if name != "birthdate"})


def test_claims_path_pointers_reach_into_objects_and_arrays():
    query = {"credentials": [{"id": "pid", "claims": [{"path": ["address", "locality"]},
                                                      {"path": ["nationalities", None]}]}]}
    assert fulfilled(query, {"address": {"locality": "KÖLN"}, "nationalities": ["DE"]})
    assert not fulfilled(query, {"address": {"locality": "KÖLN"}, "nationalities": []})
    assert not fulfilled(query, {"address": "KÖLN", "nationalities": ["DE"]})
