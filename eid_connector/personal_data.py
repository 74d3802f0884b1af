"""Map the card's PersonalData to the attributes of a Servicekonto (SPEC §3).

Values stay strings as the card delivers them (names usually upper case); dates use
the account format TT.MM.JJJJ with 00 for an unknown day or month. What is not on the
card or not released is None.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from .messages import (
    FreetextPlace,
    GeneralDate,
    NoPlaceInfo,
    PersonalData,
    Place,
    StructuredPlace,
)

_GERMANY = {"D", "DEU"}
# House numbers of the account form: at most 11 characters without spaces, e.g. 12,
# 12a, 12a-c, 48-50, 5/1 (SPEC §3 address rules).
_HOUSE_NUMBER_MAX = 11
_TRAILING_NUMBER = re.compile(
    r"^(?P<street>.*?\D)\s+(?P<number>\d+\s*[A-Za-z]?(?:\s*[-/]\s*(?:\d+\s*[A-Za-z]?|[A-Za-z]))?)$"
)


@dataclass(frozen=True)
class EidAttributes:
    given_name: str | None = None
    family_name: str | None = None
    birth_name: str | None = None
    academic_title: str | None = None
    birth_date: str | None = None
    place_of_birth: str | None = None
    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    # A residence given as FreetextPlace or NoPlaceInfo (e.g. "keine Hauptwohnung in
    # Deutschland") cannot fill the address fields; its text lands here.
    address_note: str | None = None
    nationality: str | None = None
    document_type: str | None = None
    issuing_state: str | None = None
    date_of_expiry: str | None = None
    # Hex (lower case) of RestrictedID/ID: the pseudonym for card + service.
    restricted_id: str | None = None
    # FulfilsAgeVerification; None when not asked or not answered.
    age_verified: bool | None = None

    def as_dict(self) -> dict[str, str]:
        """Attributes that are present, as name -> string (age: "true"/"false")."""
        out = {}
        for name, value in asdict(self).items():
            if isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif value is not None:
                out[name] = value
        return out


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def format_birth_date(general: GeneralDate | None) -> str | None:
    """yyyymmdd (spaces or 00 = unknown) -> TT.MM.JJJJ with 00; None if the year is unknown."""
    if general is None:
        return None
    raw = general.date_string
    year, month, day = raw[0:4], raw[4:6], raw[6:8]
    if not year.isdigit() or int(year) == 0:
        return None
    month = month if month.isdigit() and 1 <= int(month) <= 12 else "00"
    # A day without its month says nothing.
    day = day if month != "00" and day.isdigit() and 1 <= int(day) <= 31 else "00"
    return f"{day}.{month}.{year}"


def format_date(value: date | None) -> str | None:
    return value.strftime("%d.%m.%Y") if value is not None else None


def split_street(street: str) -> tuple[str, str | None]:
    """("Heidestraße 17") -> ("Heidestraße", "17"); a street without any digit gets "0";
    a number that cannot be told apart (e.g. "Am Markt 1 Hinterhaus") stays in the
    street and the house number is None."""
    street = " ".join(street.split())
    if not any(c.isdigit() for c in street):
        return street, "0"
    match = _TRAILING_NUMBER.match(street)
    if match:
        number = re.sub(r"\s+", "", match.group("number"))
        name = match.group("street").strip()
        if len(number) <= _HOUSE_NUMBER_MAX and any(c.isalpha() for c in name):
            return name, number
    return street, None


def format_place_of_birth(place: Place | None) -> str | None:
    if isinstance(place, StructuredPlace):
        city = _text(place.city)
        country = _text(place.country)
        if city and country and country not in _GERMANY:
            return f"{city}, {country}"
        return city
    if isinstance(place, FreetextPlace):
        return _text(place.text)
    return None  # NoPlaceInfo or not released


def _address(place: Place | None) -> dict[str, str | None]:
    if isinstance(place, StructuredPlace):
        city = _text(place.city)
        street = _text(place.street)
        if street:
            street, number = split_street(street)
        else:
            # Account rule: without a street the town goes into the street field.
            street, number = city, "0"
        return {
            "street": street,
            "house_number": number,
            "postal_code": _text(place.zip_code),
            "city": city,
            "country": _text(place.country),
        }
    if isinstance(place, (FreetextPlace, NoPlaceInfo)):
        return {"address_note": _text(place.text)}
    return {}


def map_personal_data(
    data: PersonalData | None, *, fulfils_age_verification: bool | None = None
) -> EidAttributes:
    data = data or PersonalData()
    restricted = data.restricted_id
    return EidAttributes(
        given_name=_text(data.given_names),
        family_name=_text(data.family_names),
        birth_name=_text(data.birth_name),
        academic_title=_text(data.academic_title),
        birth_date=format_birth_date(data.date_of_birth),
        place_of_birth=format_place_of_birth(data.place_of_birth),
        nationality=_text(data.nationality),
        document_type=_text(data.document_type),
        issuing_state=_text(data.issuing_state),
        date_of_expiry=format_date(data.date_of_expiry),
        restricted_id=restricted.id.hex() if restricted is not None and restricted.id else None,
        age_verified=fulfils_age_verification,
        **_address(data.place_of_residence),
    )
