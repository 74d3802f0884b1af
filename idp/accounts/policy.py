"""Input rules for e-mail addresses and passwords (SPEC §3, seed password policy).

Each check returns German messages meant for the field they concern; an empty list
means the value is acceptable.
"""
from __future__ import annotations

import re
import unicodedata

from ..i18n import _
from ..mail import addresses

PASSWORD_MIN = 8
PASSWORD_MAX = 40

# Lists of leaked passwords are long; these are the ones the policy's own rules let
# through and that still appear at the top of every published list.
_COMMON_PASSWORDS = frozenset(
    p.lower()
    for p in (
        "Passwort1", "Passwort123", "Passwort!", "Password1", "Password123", "Password!",
        "Qwertz123", "Qwerty123", "Abc12345", "Abcd1234", "Hallo123", "Hallo1234",
        "Sommer2024", "Sommer2025", "Sommer2026", "Winter2024", "Winter2025", "Winter2026",
        "Fruehling1", "Herbst2025", "Geheim123", "Schatz123", "Berlin123", "Muenchen1",
        "Deutschland1", "Welcome1", "Willkommen1", "Admin123", "Test1234", "Iloveyou1",
        "Passw0rd", "P@ssw0rd", "P@ssword1", "12345678a", "1234567a", "a1234567",
        "Aa123456", "Aa12345678", "Servicekonto1", "Servicekonto!", "Start123",
    )
)

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)


def normalize_email(email: str) -> str:
    """The form used for uniqueness: trimmed and case-folded, and the domain in its
    Unicode form (`müller.de` and `xn--mller-kva.de` are one domain)."""
    email = unicodedata.normalize("NFC", (email or "").strip())
    local, at, domain = email.rpartition("@")
    if at:
        email = local + at + (addresses.unicode_domain(domain) or domain)
    return email.casefold()


def check_email(email: str) -> list[str]:
    email = (email or "").strip()
    if not email:
        return [_("Bitte geben Sie Ihre E-Mail-Adresse ein.")]
    if "<" in email or ">" in email:
        return [_("Die E-Mail-Adresse darf die Zeichen < und > nicht enthalten.")]
    # The domain may be internationalised (müller.de); its ASCII form is what the
    # syntax and the lengths of RFC 5321 apply to.
    local, _at, domain = email.rpartition("@")
    sent = f"{local}@{addresses.ascii_domain(domain) or domain}"
    if len(sent) > 254 or not _EMAIL_RE.match(sent) or len(local) > 64:
        return [_("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")]
    return []


def _classes(password: str) -> int:
    has_upper = any(c.isalpha() and c.isupper() for c in password)
    # ß has no upper case of its own in most fonts' sense; it counts as a lower case letter.
    has_lower = any(c.isalpha() and (c.islower() or c == "ß") for c in password)
    has_digit = any(c.isdigit() for c in password)
    has_special = any(not c.isalnum() for c in password)
    return sum((has_upper and has_lower, has_digit, has_special))


def check_password(password: str, email: str | None = None) -> list[str]:
    password = password or ""
    errors = []
    if len(password) < PASSWORD_MIN:
        errors.append(_("Das Passwort muss mindestens %(count)d Zeichen lang sein.", count=PASSWORD_MIN))
    elif len(password) > PASSWORD_MAX:
        errors.append(_("Das Passwort darf höchstens %(count)d Zeichen lang sein.", count=PASSWORD_MAX))
    if any(c.isspace() for c in password):
        errors.append(_("Das Passwort darf keine Leerzeichen enthalten."))
    if "<" in password or ">" in password:
        errors.append(_("Das Passwort darf die Zeichen < und > nicht enthalten."))
    if errors:
        return errors
    if _classes(password) < 2:
        errors.append(
            _("Das Passwort muss mindestens zwei der drei Bedingungen erfüllen: Groß- und "
            "Kleinbuchstaben, mindestens eine Ziffer, mindestens ein Sonderzeichen.")
        )
    elif password.lower() in _COMMON_PASSWORDS:
        errors.append(_("Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes."))
    elif email and normalize_email(email) and normalize_email(email) in password.casefold():
        errors.append(_("Das Passwort darf Ihre E-Mail-Adresse nicht enthalten."))
    elif email and len(local := normalize_email(email).split("@")[0]) >= 4 and local in password.casefold():
        errors.append(_("Das Passwort darf Ihre E-Mail-Adresse nicht enthalten."))
    return errors


def check_name(value: str, label: str, required: bool = True, max_len: int = 80) -> list[str]:
    value = (value or "").strip()
    if not value:
        return [_("Bitte geben Sie Ihren %(label)s ein.", label=label)] if required else []
    if "<" in value or ">" in value:
        return [_("Der %(label)s darf die Zeichen < und > nicht enthalten.", label=label)]
    if len(value) > max_len:
        return [_("Der %(label)s darf höchstens %(count)d Zeichen lang sein.", label=label, count=max_len)]
    return []
