"""From a PID to the account: attributes, the stable identifier, the age check."""
from __future__ import annotations

from datetime import date

import pytest

from wallet_connector import PidDataMissing, Purpose, age_on, attributes, is_at_least, stable_identifier
from wallet_connector.simulator import ADULT, UNDER_16, pids_for

SECRET = b"a secret of this IdP, 32 bytes.."


@pytest.fixture
def erika():
    return next(pid for pid in pids_for() if pid.id == ADULT).claims


def test_pid_claims_become_account_attributes(erika):
    assert attributes(erika).as_dict() == {
        "given_name": "ERIKA", "family_name": "MUSTERMANN", "birth_name": "GABLER", "birth_date": "12.08.1964",
        "place_of_birth": "BERLIN", "street": "HEIDESTRASSE", "house_number": "17", "postal_code": "51147",
        "city": "KÖLN", "country": "DE", "nationality": "DE",
    }


def test_address_variants_follow_the_account_rules():
    separate = {"address": {"street_address": "Am Markt", "house_number": "3a", "locality": "Bonn"}}
    no_street = {"address": {"locality": "Kleindorf", "postal_code": "12345"}}
    abroad = {"place_of_birth": {"locality": "WIEN", "country": "AT"}}

    assert (attributes(separate).street, attributes(separate).house_number) == ("Am Markt", "3a")
    assert (attributes(no_street).street, attributes(no_street).house_number) == ("Kleindorf", "0")
    assert attributes(abroad).place_of_birth == "WIEN, AT"
    assert attributes({}).as_dict() == {}


def test_the_identifier_is_the_same_for_every_presentation_of_the_person(transact, trust):
    login = transact(ADULT, purpose=Purpose.LOGIN).verify(trust).claims
    registration = transact(ADULT, purpose=Purpose.REGISTRATION).verify(trust).claims

    assert stable_identifier(login, SECRET) == stable_identifier(registration, SECRET)
    assert len(stable_identifier(login, SECRET)) == 64


def test_the_identifier_reveals_nothing_without_the_secret(erika):
    identifier = stable_identifier(erika, SECRET)

    assert stable_identifier(erika, b"another IdP's secret") != identifier
    assert not any(value in identifier for value in ("ERIKA", "GABLER", "1964"))
    with pytest.raises(ValueError):
        stable_identifier(erika, b"")


def test_the_identifier_survives_a_change_of_family_name_by_marriage(erika):
    before = {**erika, "family_name": "GABLER"}
    before.pop("birth_family_name")

    assert stable_identifier(before, SECRET) == stable_identifier(erika, SECRET)
    assert stable_identifier({**erika, "given_name": " erika "}, SECRET) == stable_identifier(erika, SECRET)


def test_different_people_have_different_identifiers(erika):
    twin = {**erika, "given_name": "ERNA"}
    assert stable_identifier(twin, SECRET) != stable_identifier(erika, SECRET)
    assert stable_identifier({**erika, "birthdate": "1964-08-13"}, SECRET) != stable_identifier(erika, SECRET)


@pytest.mark.parametrize("missing", ["given_name", "birthdate", "place_of_birth"])
def test_without_the_lasting_data_there_is_no_identifier(erika, missing):
    claims = {name: value for name, value in erika.items() if name != missing}
    with pytest.raises(PidDataMissing):
        stable_identifier(claims, SECRET)


def test_the_15_year_old_is_under_16():
    today = date(2026, 12, 3)
    jonas = next(pid for pid in pids_for(today) if pid.id == UNDER_16).claims

    assert age_on(jonas, today) == 15
    assert not is_at_least(jonas, 16, today)


@pytest.mark.parametrize(("birthdate", "today", "age"), [
    ("2010-12-03", date(2026, 12, 3), 16),  # the 16th birthday
    ("2010-12-04", date(2026, 12, 3), 15),  # one day short
    ("2010-12-00", date(2026, 12, 30), 15),  # unknown day: counted as the month's last
    ("2010-00-00", date(2026, 12, 30), 15),  # unknown month and day: the year's last
    ("2010-00-00", date(2026, 12, 31), 16),
])
def test_age_in_completed_years(birthdate, today, age):
    assert age_on({"birthdate": birthdate}, today) == age


def test_without_a_birth_date_the_pids_age_statement_decides():
    today = date(2026, 12, 3)
    assert is_at_least({"age_equal_or_over": {"16": True}}, 16, today)
    assert not is_at_least({"age_equal_or_over": {"16": False}}, 16, today)
    assert not is_at_least({"birthdate": "unknown"}, 16, today)
    assert not is_at_least({}, 16, today)
