"""Test PIDs of the wallet simulator (development and tests only).

Data in the style of the German PID (upper case as on the ID card, ISO country codes).
Birth dates that decide what a test sees are computed from `today`, so the 15-year-old
stays 15 whenever the tests run.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ADULT, UNDER_16, REVOKED, EXPIRED = "erika", "jonas", "max", "hans"


@dataclass(frozen=True)
class TestPid:
    id: str
    # German, for the simulator's choice of PID.
    label: str
    description: str
    claims: dict
    revoked: bool = False
    expired: bool = False

    __test__ = False  # not a pytest test class despite its name


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _person(given: str, family: str, born: date, place: str, street: str, postal_code: str, city: str,
            birth_family_name: str | None = None) -> dict:
    claims = {
        "given_name": given,
        "family_name": family,
        "birthdate": born.isoformat(),
        "place_of_birth": {"locality": place},
        "address": {"street_address": street, "postal_code": postal_code, "locality": city, "country": "DE"},
        "nationalities": ["DE"],
    }
    if birth_family_name:
        claims["birth_family_name"] = birth_family_name
    return claims


def pids_for(today: date | None = None) -> tuple[TestPid, ...]:
    today = today or date.today()
    return (
        TestPid(ADULT, "Erika Mustermann", "Gültige PID einer Erwachsenen mit Geburtsnamen.",
                _person("ERIKA", "MUSTERMANN", date(1964, 8, 12), "BERLIN", "HEIDESTRASSE 17", "51147", "KÖLN",
                        birth_family_name="GABLER")),
        TestPid(UNDER_16, "Jonas Mustermann (15 Jahre)", "Gültige PID eines 15-Jährigen: zu jung für Servicekonto Plus.",
                _person("JONAS", "MUSTERMANN", _years_before(today, 15), "KÖLN", "HEIDESTRASSE 17", "51147", "KÖLN")),
        TestPid(REVOKED, "Max Mustermann (widerrufen)", "PID, die der Aussteller in der Statusliste widerrufen hat.",
                _person("MAX", "MUSTERMANN", date(1979, 3, 1), "HAMBURG", "ALTONAER STRASSE 5", "22765", "HAMBURG"),
                revoked=True),
        TestPid(EXPIRED, "Hans Schmidt (abgelaufen)", "PID, deren Gültigkeit abgelaufen ist.",
                _person("HANS", "SCHMIDT", date(1955, 1, 20), "DRESDEN", "HAUPTSTRASSE 1", "01067", "DRESDEN"),
                expired=True),
    )
