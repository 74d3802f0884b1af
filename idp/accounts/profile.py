"""The personal data of an account and who may change them (SPEC §3).

A Servicekonto holds what its owner typed in and can change all of it. In a
Servicekonto Plus the locked fields (Sperrfelder) come from a verified source (the
ID card, a registration office) and change only through that source again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import audit
from ..extensions import db
from ..i18n import LOCALES, _
from ..loa import Level
from ..timeutil import utcnow
from . import policy
from .models import Account

SALUTATIONS = ("", "Frau", "Herr", "Divers")
ADDRESS_FIELDS = ("street", "house_number", "postal_code", "city")
FIELDS = ("salutation", "title", "given_name", "family_name", "birth_date") + ADDRESS_FIELDS
LOCKED_FIELDS = frozenset(FIELDS)
LABELS = {
    "salutation": _("Anrede"),
    "title": _("Titel"),
    "given_name": _("Vorname"),
    "family_name": _("Nachname"),
    "birth_date": _("Geburtsdatum"),
    "street": _("Straße"),
    "house_number": _("Hausnummer"),
    "postal_code": _("Postleitzahl"),
    "city": _("Ort"),
}
# The salutations as the pages show them: stored in German, the templates translate
# the value with _(), these entries put them into the message catalogue.
SALUTATION_LABELS = {"Frau": _("Frau"), "Herr": _("Herr"), "Divers": _("Divers")}
MISSING_ADDRESS_PART = {
    "house_number": _("Bitte geben Sie „Hausnummer“ an. Gibt es keine, tragen Sie 0 ein."),
    "street": _("Bitte geben Sie „Straße“ an. Gibt es keine Straße, tragen Sie den Ort ein."),
}
# The names in "Bitte geben Sie Ihren … ein." (accusative in German).
NAME_LABELS = (("given_name", _("Vornamen")), ("family_name", _("Nachnamen")))
HOUSE_NUMBER_MAX = 11
# Servicekonto Plus, by the ID card or at the registration office (SPEC §3).
PLUS_MIN_AGE = 16
_BIRTH_DATE_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_POSTAL_CODE_RE = re.compile(r"^\d{5}$")


def is_plus(account: Account) -> bool:
    return account.identity_level >= Level.SUBSTANZIELL


OTHER_PERSON = _("Dieser Nachweis gehört zu einer anderen Person als der, die für Ihr Servicekonto bestätigt ist: "
                 "das Geburtsdatum stimmt nicht überein. Ihre Daten wurden nicht geändert.")


def other_person(account: Account, birth_date: str | None) -> str | None:
    """Why a card or PID may not replace the account's confirmed data, if it may not.

    Once the person behind an account is confirmed, a synchronisation keeps them:
    else a password alone (phished, or a family member's) would let any card take
    the account over at level hoch. Names change with a marriage and the address
    with a move; the birth date does not."""
    known = account.attribute("birth_date")
    if known is None or known.level < Level.SUBSTANZIELL or not known.value:
        return None  # a self-entered birth date is what the card corrects
    return OTHER_PERSON if birth_date != known.value else None


def locked_fields(account: Account) -> frozenset[str]:
    return LOCKED_FIELDS if is_plus(account) else frozenset()


def current(account: Account) -> dict[str, str]:
    return {name: account.value(name) for name in FIELDS}


def check_birth_date(value: str, today: date | None = None) -> list[str]:
    """TT.MM.JJJJ; day, or day and month, may be 00 when unknown (00.00.1945)."""
    if not value:
        return []
    match = _BIRTH_DATE_RE.match(value)
    if not match:
        return [_("Bitte geben Sie das Geburtsdatum im Format TT.MM.JJJJ an, z. B. 24.12.1980. "
                "Unbekannte Teile schreiben Sie als 00, z. B. 00.00.1945.")]
    day, month, year = (int(part) for part in match.groups())
    today = today or utcnow().date()
    if month == 0 and day != 0:
        return [_("Ist der Monat unbekannt (00), muss auch der Tag 00 sein.")]
    if year < 1890:
        return [_("Bitte prüfen Sie das Geburtsjahr.")]
    try:
        known = date(year, month or 1, day or 1)
    except ValueError:
        return [_("Dieses Datum gibt es nicht. Bitte prüfen Sie Tag und Monat.")]
    if known > today:
        return [_("Das Geburtsdatum darf nicht in der Zukunft liegen.")]
    return []


def age_on(birth_date: str, today: date | None = None) -> int | None:
    """Completed years for TT.MM.JJJJ (unknown day/month as 00 count as the latest possible date)."""
    try:
        day, month, year = (int(p) for p in birth_date.split("."))
    except ValueError:
        return None
    today = today or utcnow().date()
    month, day = month or 12, day or 31
    return today.year - year - ((today.month, today.day) < (month, day))


def old_enough_for_plus(birth_date: str) -> bool:
    age = age_on(birth_date)
    return age is not None and age >= PLUS_MIN_AGE


def check_house_number(value: str) -> list[str]:
    if not value:
        return []
    if any(c.isspace() for c in value):
        return [_("Die Hausnummer darf keine Leerzeichen enthalten, z. B. 12a-c oder 48-50.")]
    if len(value) > HOUSE_NUMBER_MAX:
        return [_("Die Hausnummer darf höchstens %(count)d Zeichen lang sein.", count=HOUSE_NUMBER_MAX)]
    return []


def _check_text(value: str, label: str, max_len: int = 80) -> list[str]:
    if "<" in value or ">" in value:
        return [_("Das Feld „%(label)s“ darf die Zeichen < und > nicht enthalten.", label=label)]
    if len(value) > max_len:
        return [_("Das Feld „%(label)s“ darf höchstens %(count)d Zeichen lang sein.", label=label, count=max_len)]
    return []


@dataclass
class ProfileResult:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def validate(data: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        if problems := _check_text(data[name], LABELS[name]):
            errors[name] = problems
    if data["salutation"] not in SALUTATIONS:
        errors["salutation"] = [_("Bitte wählen Sie eine Anrede aus der Liste.")]
    for name, label in NAME_LABELS:
        if name not in errors and (problems := policy.check_name(data[name], label, required=True)):
            errors[name] = problems
    if "birth_date" not in errors and (problems := check_birth_date(data["birth_date"])):
        errors["birth_date"] = problems
    if "house_number" not in errors and (problems := check_house_number(data["house_number"])):
        errors["house_number"] = problems
    if data["postal_code"] and "postal_code" not in errors and not _POSTAL_CODE_RE.match(data["postal_code"]):
        errors["postal_code"] = [_("Bitte geben Sie eine Postleitzahl aus fünf Ziffern an.")]
    # An address is either complete or absent: online services rely on all parts.
    if any(data[n] for n in ADDRESS_FIELDS):
        for name in ADDRESS_FIELDS:
            if not data[name] and name not in errors:
                missing = MISSING_ADDRESS_PART.get(name) or _("Bitte geben Sie „%(label)s“ an.", label=LABELS[name])
                errors[name] = [missing]
    return errors


def update(account: Account, form: dict[str, str]) -> ProfileResult:
    """Apply the form to the account. A change to a locked field is refused as a
    whole, even when the page did not offer it (a forged request)."""
    locked = locked_fields(account)
    stored = current(account)
    data = {name: (form.get(name) or "").strip() if name in form else stored[name] for name in FIELDS}
    errors: dict[str, list[str]] = {}
    for name in locked:
        if data[name] != stored[name]:
            errors[name] = [_("„%(label)s“ ist durch die Online-Ausweisfunktion bestätigt und kann "
                              "nur mit „Daten mit Ausweis synchronisieren“ geändert werden.", label=LABELS[name])]
            data[name] = stored[name]
    errors.update({k: v for k, v in validate(data).items() if k not in errors})
    if errors:
        return ProfileResult(data, errors)
    changed = [name for name in FIELDS if data[name] != stored[name]]
    for name in changed:
        account.set_attribute(name, data[name], Level.NIEDRIG, "self")
    if changed:
        audit.record("account.changed", account_id=account.id, fields=changed)
    db.session.commit()
    return ProfileResult(data)


def set_language(account_id: str, language: str) -> None:
    """The language the holder reads the pages in; the account's mails follow it."""
    if language not in LOCALES:
        raise ValueError(f"not a language of the pages: {language!r}")
    account = db.session.get(Account, account_id)
    if account is not None:
        account.locale = language
        db.session.commit()
