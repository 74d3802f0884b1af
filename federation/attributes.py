"""The attribute vocabulary between German state accounts (SPEC §7: BundID/AKDB
profile, `urn:oid:` names) and this IdP's account attributes.

A SAML attribute may map to more than one account attribute (the postal address line
holds street and house number), so each entry converts both ways.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from eid_connector.personal_data import split_street
from idp.i18n import _

OID = "urn:oid:"
BPK2 = OID + "1.3.6.1.4.1.25484.494450.3"
TRUST_LEVEL = OID + "1.2.40.0.10.2.1.1.261.94"  # EID-CITIZEN-QAA-LEVEL


def birth_date_from_iso(value) -> str | None:
    """An ISO date as partners send it (YYYY-MM-DD; YYYY-MM or YYYY when day or month
    is unknown) → TT.MM.JJJJ with 00 for the unknown parts, as the card has it. None
    for anything else, including OIDC's year 0000 (withheld: an account needs one)."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    if len(parts[0]) != 4 or parts[0] == "0000" or any(len(p) != 2 for p in parts[1:]):
        return None
    year, month, day = (parts + ["00", "00"])[:3]
    try:
        date(int(year), int(month) or 1, int(day) or 1)
    except ValueError:
        return None
    return f"{day}.{month}.{year}"


def _german_to_iso(value: str) -> str:
    """12.08.1984 → 1984-08-12; a date with unknown parts gives only what is known."""
    try:
        day, month, year = value.split(".")
    except ValueError:
        return value
    if month == "00":
        return year
    return f"{year}-{month}" if day == "00" else f"{year}-{month}-{day}"


def _street_line(values: dict[str, str]) -> str | None:
    street, number = values.get("street"), values.get("house_number")
    if not street:
        return None
    return f"{street} {number}" if number and number != "0" else street


def _street_parts(line: str) -> dict[str, str]:
    street, number = split_street(line)
    return {"street": street, **({"house_number": number} if number else {})}


@dataclass(frozen=True)
class SamlAttribute:
    oid: str
    friendly_name: str
    label: str  # for the consent pages (German, translated when shown)
    sources: tuple[str, ...]  # account attributes it is made of
    out: Callable[[dict[str, str]], str | None]
    into: Callable[[str], dict[str, str]]

    @property
    def name(self) -> str:
        return OID + self.oid


def _plain(oid: str, friendly: str, label: str, source: str) -> SamlAttribute:
    return SamlAttribute(oid, friendly, label, (source,), lambda values: values.get(source) or None,
                         lambda value: {source: value.strip()})


ATTRIBUTES: tuple[SamlAttribute, ...] = (
    _plain("2.5.4.42", "givenName", _("Vorname"), "given_name"),
    _plain("2.5.4.4", "surname", _("Nachname"), "family_name"),
    SamlAttribute("1.2.40.0.10.2.1.1.55", "birthdate", _("Geburtsdatum"), ("birth_date",),
                  lambda v: _german_to_iso(v["birth_date"]) if v.get("birth_date") else None,
                  lambda value: {"birth_date": d} if (d := birth_date_from_iso(value)) else {}),
    _plain("1.3.6.1.5.5.7.9.2", "placeOfBirth", _("Geburtsort"), "place_of_birth"),
    _plain("1.2.40.0.10.2.1.1.225566", "birthName", _("Geburtsname"), "birth_name"),
    _plain("1.2.40.0.10.2.1.1.225577", "nationality", _("Staatsangehörigkeit"), "nationality"),
    _plain("0.9.2342.19200300.100.1.40", "personalTitle", _("Doktorgrad"), "academic_title"),
    SamlAttribute("2.5.4.16", "street", _("Straße und Hausnummer"), ("street", "house_number"), _street_line,
                  _street_parts),
    _plain("2.5.4.17", "postalCode", _("Postleitzahl"), "postal_code"),
    _plain("2.5.4.7", "locality", _("Wohnort"), "city"),
    _plain("1.2.40.0.10.2.1.1.225599", "country", _("Staat"), "country"),
    _plain("0.9.2342.19200300.100.1.3", "mail", _("E-Mail-Adresse"), "email"),
    _plain("2.5.4.20", "phone", _("Telefonnummer"), "phone"),
)
BY_NAME = {a.name: a for a in ATTRIBUTES}
# What this IdP asks a partner for when a citizen comes from there: the data of an
# account, names required (without them there is no account), the rest optional.
REQUESTED = tuple((a.name, a.friendly_name in ("givenName", "surname")) for a in ATTRIBUTES if a.oid != "2.5.4.20")


def label(name: str) -> str:
    if name == BPK2:
        return _("Pseudonym für das andere Servicekonto")
    if name == TRUST_LEVEL:
        return _("Vertrauensniveau der Anmeldung")
    attribute = BY_NAME.get(name)
    return attribute.label if attribute else name
