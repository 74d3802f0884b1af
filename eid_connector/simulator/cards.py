"""Test cards of the eID simulators (development and tests only).

Every card has the test PIN 123456. The data follow the conventions of real cards:
upper case as printed in the chip, DateString yyyymmdd with spaces for unknown
parts, places as StructuredPlace, FreetextPlace or NoPlaceInfo.

Dates that decide what a test sees (age, validity) are computed from `today`, so
the 15-year-old stays 15 and the valid cards stay valid whenever the tests run.
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ..messages import (
    FreetextPlace,
    GeneralDate,
    NoPlaceInfo,
    PersonalData,
    Place,
    StructuredPlace,
)

TEST_PIN = "123456"
PIN_ATTEMPTS = 3


@dataclass(frozen=True)
class TestCard:
    id: str
    # German, for the eID-Client simulator's card choice.
    label: str
    description: str
    # What the chip holds; restricted_id is left out: it depends on the eService.
    data: PersonalData
    pin: str = TEST_PIN

    __test__ = False  # not a pytest test class despite its name

    def expired(self, today: date | None = None) -> bool:
        today = today or date.today()
        return self.data.date_of_expiry is not None and self.data.date_of_expiry < today

    def check_pin(self, pin: str) -> bool:
        return hmac.compare_digest(pin.encode(), self.pin.encode())


def _general_date(value: date) -> GeneralDate:
    return GeneralDate(value.strftime("%Y%m%d"), value)


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _koeln(street: str, zip_code: str = "51147") -> StructuredPlace:
    return StructuredPlace(street=street, city="KÖLN", country="D", zip_code=zip_code)


def _card(card_id: str, label: str, description: str, *, given_names: str, family_names: str,
          born: date | GeneralDate, place_of_birth: str | StructuredPlace, residence: Place,
          expiry: date, document_type: str = "ID", nationality: str = "D", **more) -> TestCard:
    """A card issued in Germany; a str place of birth is FreetextPlace, a date of birth
    is complete (a GeneralDate says which parts are unknown)."""
    return TestCard(card_id, label, description, PersonalData(
        document_type=document_type, issuing_state="D", date_of_expiry=expiry,
        given_names=given_names, family_names=family_names,
        date_of_birth=born if isinstance(born, GeneralDate) else _general_date(born),
        place_of_birth=FreetextPlace(place_of_birth) if isinstance(place_of_birth, str) else place_of_birth,
        nationality=nationality, place_of_residence=residence, **more,
    ))


def all_cards(today: date | None = None) -> tuple[TestCard, ...]:
    today = today or date.today()
    valid_until = date(today.year + 6, 10, 31)
    # 15 years and 40 days old: 15 today and for the rest of any test run.
    fifteen = _years_before(today, 15) - timedelta(days=40)
    return (
        _card("erika", "Erika Mustermann (Personalausweis, volljährig)",
              "Alle Daten vorhanden: Doktorgrad, Geburtsname, Geburtsort, Anschrift in Köln.",
              given_names="ERIKA", family_names="MUSTERMANN", academic_title="DR.", birth_name="GABLER",
              born=date(1964, 8, 12), place_of_birth="BERLIN", residence=_koeln("HEIDESTRASSE 17"),
              expiry=valid_until),
        _card("jonas", "Jonas Mustermann (Personalausweis, 15 Jahre alt)",
              "Jünger als 16 Jahre: erfüllt die Altersbestätigung für Servicekonto Plus nicht.",
              given_names="JONAS", family_names="MUSTERMANN",
              born=fifteen, place_of_birth="KÖLN", residence=_koeln("HEIDESTRASSE 17"), expiry=valid_until),
        _card("abgelaufen", "Ansgar Mustermann (Personalausweis, abgelaufen)",
              "Gültigkeit abgelaufen: der eID-Server meldet ein ungültiges Dokument.",
              given_names="ANSGAR", family_names="MUSTERMANN",
              born=date(1955, 3, 14), place_of_birth="BONN", residence=_koeln("VENLOER STRASSE 241-245", "50823"),
              expiry=date(today.year - 2, 3, 31)),
        _card("tag-unbekannt", "Hans Mustermann (Personalausweis, Geburtstag unbekannt)",
              "Geburtsdatum ohne Tag (August 1964), Geburtsort im Ausland.",
              given_names="HANS", family_names="MUSTERMANN",
              # TR-03130 DateString: spaces for the unknown day, no DateValue.
              born=GeneralDate("196408  "), place_of_birth="KABUL/AFGHANISTAN",
              residence=_koeln("HOHE STRASSE 12A", "50667"), expiry=valid_until),
        _card("aufenthaltstitel", "Olena Kovalenko (elektronischer Aufenthaltstitel)",
              "Dokumentart AR, ukrainische Staatsangehörigkeit, Geburtsort als strukturierte Angabe.",
              document_type="AR", given_names="OLENA", family_names="KOVALENKO", nationality="UKR",
              born=date(1990, 3, 15), place_of_birth=StructuredPlace(city="CHARKIW", country="UKR"),
              residence=_koeln("AACHENER STRASSE 1", "50674"),
              residence_permit_i="AUFENTHALTSERLAUBNIS § 24 AUFENTHG", expiry=valid_until),
        _card("ohne-wohnsitz", "Ludwig Mustermann (Personalausweis, ohne Wohnsitz in Deutschland)",
              "Anschrift als NoPlaceInfo: „keine Hauptwohnung in Deutschland“.",
              given_names="LUDWIG", family_names="MUSTERMANN",
              born=date(1978, 1, 30), place_of_birth="HAMBURG",
              residence=NoPlaceInfo("keine Hauptwohnung in Deutschland"), expiry=valid_until),
    )


def card(card_id: str, today: date | None = None) -> TestCard | None:
    return next((c for c in all_cards(today) if c.id == card_id), None)


def fulfils_age(data: PersonalData, age: int, today: date | None = None) -> bool:
    """Like the chip: the holder is at least `age` years old even on the latest birth
    date the DateString allows (unknown month -> December, unknown day -> month end)."""
    today = today or date.today()
    if data.date_of_birth is None:
        return False
    raw = data.date_of_birth.date_string
    year = int(raw[0:4]) if raw[0:4].isdigit() else None
    if year is None:
        return False
    month = int(raw[4:6]) if raw[4:6].isdigit() and 1 <= int(raw[4:6]) <= 12 else 12
    last_day = calendar.monthrange(year, month)[1]
    day = int(raw[6:8]) if raw[6:8].isdigit() and 1 <= int(raw[6:8]) <= last_day else last_day
    return date(year, month, day) <= _years_before(today, age)


def sector_key(server_secret: bytes, eservice_certificate_der: bytes) -> bytes:
    """Key of one eService's sector: the card's pseudonym differs per service (TR-03127
    Restricted Identification), and here per simulator key too."""
    return hmac.new(server_secret, b"sector|" + eservice_certificate_der, hashlib.sha256).digest()


def eservice_sector(server_key_pem: bytes, eservice_cert_pem: bytes) -> bytes:
    """The sector of the eService with this certificate at the simulator with this key."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(server_key_pem)
    certificate = x509.load_pem_x509_certificate(eservice_cert_pem)
    return sector_key(digest.finalize(), certificate.public_bytes(serialization.Encoding.DER))


def restricted_id(card_id: str, sector: bytes) -> bytes:
    """The card's pseudonym in one sector: stable for card and eService, 32 bytes."""
    return hmac.new(sector, b"restricted-id|" + card_id.encode(), hashlib.sha256).digest()
