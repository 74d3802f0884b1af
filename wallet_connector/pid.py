"""From a verified PID to what the account core needs (SPEC §3, Servicekonto Plus).

Attributes come in the eID's `EidAttributes` (`idp.authn.eid.CARD_ATTRIBUTES`), so an
account looks the same whichever way it was verified. Dates use the account format
TT.MM.JJJJ.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date

from eid_connector.personal_data import EidAttributes, split_street

# What the stable identifier is made of: data of the person that an ID card renewal
# does not change. The birth family name stands in for the family name where there is
# one, so a change of name by marriage keeps the identifier (the card then records the
# former name as birth name).
IDENTIFIER_CLAIMS = ("given_name", "family_name", "birth_family_name", "birthdate", "place_of_birth")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class PidDataMissing(ValueError):
    """The presentation lacks a claim the identifier or the account needs."""


def attributes(claims: dict) -> EidAttributes:
    """The account's verified-identity attributes, in the eID's shape so the account
    core takes them alike (`restricted_id` stays None: the link is `stable_identifier`).
    Country codes stay ISO 3166-1 alpha-2 as the PID gives them (the card says "D")."""
    address = claims.get("address") if isinstance(claims.get("address"), dict) else {}
    nationalities = claims.get("nationalities")
    return EidAttributes(
        given_name=_text(claims.get("given_name")),
        family_name=_text(claims.get("family_name")),
        birth_name=_text(claims.get("birth_family_name")),
        birth_date=_account_date(claims.get("birthdate")),
        place_of_birth=_place(claims.get("place_of_birth")),
        nationality=_text(nationalities[0]) if isinstance(nationalities, list) and nationalities else None,
        **_address(address),
    )


def stable_identifier(claims: dict, secret: bytes) -> str:
    """HMAC-SHA256 (hex) of the person's lasting PID data under this IdP's secret: the
    link between a PID and an account, never the data themselves (issue #16)."""
    if not secret:
        raise ValueError("a secret is required")
    family = _text(claims.get("birth_family_name")) or _text(claims.get("family_name"))
    parts = [_text(claims.get("given_name")), family, _text(claims.get("birthdate")),
             _place(claims.get("place_of_birth"))]
    if any(part is None for part in parts):
        raise PidDataMissing("the PID lacks names, birth date or place of birth")
    # Case and spacing of the names may differ between issuers: compare them folded.
    canonical = json.dumps([" ".join(part.split()).casefold() for part in parts], ensure_ascii=False)
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


def age_on(claims: dict, today: date) -> int | None:
    """Completed years on `today`; None when the PID gives no birth date. An unknown day
    or month (00) counts as its last possible value, so nobody is made older."""
    match = _FULL_DATE.match(claims.get("birthdate") or "") if isinstance(claims.get("birthdate"), str) else None
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    month = month or 12
    day = day or 31
    return today.year - year - ((today.month, today.day) < (month, day))


def is_at_least(claims: dict, years: int, today: date) -> bool:
    """The age check (SPEC §3: Plus from 16): from the birth date, else from the PID's
    `age_equal_or_over` statement; without either the answer is no."""
    age = age_on(claims, today)
    if age is not None:
        return age >= years
    statement = claims.get("age_equal_or_over")
    return isinstance(statement, dict) and statement.get(str(years)) is True


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _account_date(value: object) -> str | None:
    match = _FULL_DATE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    year, month, day = match.groups()
    return f"{day}.{month}.{year}"


def _place(value: object) -> str | None:
    """PID place_of_birth is an object (locality, region, country); the account keeps text."""
    if not isinstance(value, dict):
        return None
    locality, country = _text(value.get("locality")), _text(value.get("country"))
    if locality and country and country != "DE":
        return f"{locality}, {country}"
    return locality


def _address(address: dict) -> dict[str, str | None]:
    street = _text(address.get("street_address"))
    number = _text(address.get("house_number"))
    city = _text(address.get("locality"))
    if street and not number:
        # The German PID keeps the number in street_address, as the card does.
        street, number = split_street(street)
    elif not street and city:
        street, number = city, "0"  # account rule: without a street the town goes there
    return {"street": street, "house_number": number, "postal_code": _text(address.get("postal_code")),
            "city": city, "country": _text(address.get("country"))}
