"""Input rules for organisations and their people (SPEC §6, seed 003). Each check
returns German messages for the field it concerns; empty means acceptable."""
from __future__ import annotations

import re

from ..accounts import policy as account_policy
from ..accounts.profile import age_on, check_birth_date, check_house_number
from ..i18n import _

ORGANISATION_NAME_MAX = 40
ORGANISATION_NAME_FORBIDDEN = set('"<>{}[]')
PO_BOX_RE = re.compile(r"^\d{4,20}$")
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 /()-]{4,29}$")
ADULT_AGE = 18
UMLAUTS = set("äöüÄÖÜß")

ORGANISATION_FIELDS = ("name", "legal_form", "register_number", "register_court",
                       "street", "house_number", "postal_code", "city", "po_box")
ORGANISATION_LABELS = {
    "name": _("Name der Organisation"),
    "legal_form": _("Rechtsform"),
    "register_number": _("Handelsregisternummer"),
    "register_court": _("Registergericht"),
    "street": _("Straße"),
    "house_number": _("Hausnummer"),
    "postal_code": _("Postleitzahl"),
    "city": _("Ort"),
    "po_box": _("Postfach"),
}
STREET_MISSING = _("Bitte geben Sie die Straße an. Gibt es keine, tragen Sie den Ort ein.")
HOUSE_NUMBER_MISSING = _("Bitte geben Sie die Hausnummer an. Gibt es keine, tragen Sie 0 ein.")
POSTAL_CODE_REFUSED = _("Bitte geben Sie eine Postleitzahl aus fünf Ziffern an.")
PHONE_MISSING = _("Bitte geben Sie eine Telefonnummer an. Administratoren müssen telefonisch erreichbar sein.")
PERSON_FIELDS = ("given_name", "family_name", "birth_date", "phone", "email")
PERSON_LABELS = {
    "given_name": _("Vorname"),
    "family_name": _("Nachname"),
    "birth_date": _("Geburtsdatum"),
    "phone": _("Telefonnummer"),
    "email": _("E-Mail-Adresse"),
}


def _text(value: str, label: str, max_len: int = 80) -> list[str]:
    if "<" in value or ">" in value:
        return [_("Das Feld „%(label)s“ darf die Zeichen < und > nicht enthalten.", label=label)]
    if len(value) > max_len:
        return [_("Das Feld „%(label)s“ darf höchstens %(count)d Zeichen lang sein.", label=label, count=max_len)]
    return []


def check_organisation_name(value: str) -> list[str]:
    value = (value or "").strip()
    if not value:
        return [_("Bitte geben Sie den Namen der Organisation ein.")]
    if len(value) > ORGANISATION_NAME_MAX:
        return [_("Der Name der Organisation darf höchstens %(count)d Zeichen lang sein.", count=ORGANISATION_NAME_MAX)]
    if ORGANISATION_NAME_FORBIDDEN & set(value):
        return [_('Der Name der Organisation darf die Zeichen " < > { } [ ] nicht enthalten.')]
    return []


def check_po_box(value: str) -> list[str]:
    if value and not PO_BOX_RE.match(value):
        return [_("Die Postfachnummer besteht aus 4 bis 20 Ziffern.")]
    return []


def validate_organisation(data: dict[str, str], locked: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Organisation data as entered; fields in `locked` (taken from ELSTER) are not checked
    because the caller does not take them from the form."""
    errors: dict[str, list[str]] = {}
    checks = {
        "name": lambda v: check_organisation_name(v),
        "legal_form": lambda v: _text(v, ORGANISATION_LABELS["legal_form"]),
        "register_number": lambda v: _text(v, ORGANISATION_LABELS["register_number"], 40),
        "register_court": lambda v: _text(v, ORGANISATION_LABELS["register_court"]),
        "street": lambda v: _text(v, _("Straße")) or ([] if v else [STREET_MISSING]),
        "house_number": lambda v: check_house_number(v) or ([] if v else [HOUSE_NUMBER_MISSING]),
        "postal_code": lambda v: [] if POSTAL_CODE_RE.match(v) else [POSTAL_CODE_REFUSED],
        "city": lambda v: _text(v, _("Ort")) or ([] if v else [_("Bitte geben Sie den Ort an.")]),
        "po_box": check_po_box,
    }
    for name, check in checks.items():
        if name in locked:
            continue
        if problems := check((data.get(name) or "").strip()):
            errors[name] = problems
    return errors


def check_phone(value: str, required: bool) -> list[str]:
    if not value:
        return [PHONE_MISSING] if required else []
    if not PHONE_RE.match(value):
        return [_("Bitte geben Sie eine Telefonnummer aus Ziffern an, z. B. 040 123456 oder +49 40 123456.")]
    return []


def check_org_email(value: str) -> list[str]:
    if UMLAUTS & set(value or ""):
        return [_("Die E-Mail-Adresse darf keine Umlaute (ä, ö, ü) und kein ß enthalten.")]
    return account_policy.check_email(value)


def validate_person(data: dict[str, str], admin: bool) -> dict[str, list[str]]:
    """A member of an organisation; administrators need a phone number and must be adults."""
    errors: dict[str, list[str]] = {}
    for name, label in (("given_name", _("Vornamen")), ("family_name", _("Nachnamen"))):
        if problems := account_policy.check_name(data.get(name, ""), label, required=True):
            errors[name] = problems
    birth_date = (data.get("birth_date") or "").strip()
    if admin and not birth_date:
        errors["birth_date"] = [_("Bitte geben Sie das Geburtsdatum an: Administratoren müssen volljährig sein.")]
    elif problems := check_birth_date(birth_date):
        errors["birth_date"] = problems
    elif admin and (age_on(birth_date) or 0) < ADULT_AGE:
        errors["birth_date"] = [_("Administratoren müssen volljährig sein (mindestens 18 Jahre).")]
    if problems := check_phone((data.get("phone") or "").strip(), required=admin):
        errors["phone"] = problems
    if problems := check_org_email((data.get("email") or "").strip()):
        errors["email"] = problems
    return errors
