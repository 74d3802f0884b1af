"""Which claims a request asks for, what the user is shown, and what is released."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from authlib.oauth2.rfc6749.util import scope_to_list

from ..accounts.models import Account
from ..accounts.wallet_links import SOURCE as WALLET_SOURCE
from ..i18n import _
from ..loa import Level

SCOPE_CLAIMS = {
    "profile": ("given_name", "family_name", "name", "birthdate"),
    "email": ("email", "email_verified"),
    "address": ("address",),
    # Servicekonto Business (SPEC §6): the user's organisation and roles for this service.
    "organisation": ("organisation", "roles"),
}
# Scopes whose claims go into the ID token as well (SPEC §6: an organisation user's ID
# token carries the organisation and the roles), not only to userinfo.
ID_TOKEN_SCOPES = ("organisation",)
# What the citizen is shown on the consent page and under "Datenzugriff verwalten".
CLAIM_LABELS = {
    "salutation": _("Anrede"),
    "title": _("Doktorgrad"),
    "given_name": _("Vorname"),
    "family_name": _("Nachname"),
    "name": _("Vollständiger Name"),
    "birth_family_name": _("Geburtsname"),
    "birthdate": _("Geburtsdatum"),
    "place_of_birth": _("Geburtsort"),
    "nationalities": _("Staatsangehörigkeit"),
    "address": _("Anschrift"),
    "email": _("E-Mail-Adresse"),
    "email_verified": _("Bestätigung, dass die E-Mail-Adresse Ihnen gehört"),
    "organisation": _("Ihre Organisation (Name, Rechtsform, Register, Anschrift)"),
    "roles": _("Ihre Rollen für diesen Online-Dienst"),
}
KNOWN_CLAIMS = tuple(CLAIM_LABELS)
# The account attributes each claim is made of; its level is the weakest of theirs.
CLAIM_SOURCES = {
    "salutation": ("salutation",),
    "title": ("academic_title", "title"),
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "name": ("given_name", "family_name"),
    "birth_family_name": ("birth_name",),
    "birthdate": ("birth_date",),
    "place_of_birth": ("place_of_birth",),
    "nationalities": ("nationality",),
    "address": ("street", "house_number", "postal_code", "city"),
    "email": ("email",),
    "email_verified": ("email",),
    # Not account attributes: they come from the organisation (`context`).
    "organisation": (),
    "roles": (),
}
# Claims that describe the person and can be verified (OpenID Connect for Identity
# Assurance 1.0); e-mail is never part of an identity check.
VERIFIABLE_CLAIMS = frozenset(CLAIM_SOURCES) - {"email", "email_verified", "organisation", "roles"}
# Claims whose values depend on the requesting service, not only on the account.
CONTEXT_CLAIMS = frozenset({"organisation", "roles"})
TRUST_FRAMEWORK = "eidas"
# How claims from the EU Digital Identity Wallet were verified (OIDC4IDA 1.0 §5.4.4):
# an electronic record, the PID (its SD-JWT VC type), presented from the wallet.
# Services can tell them from the ID card's, which carry no evidence.
WALLET_EVIDENCE = ({"type": "electronic_record",
                    "record": {"type": "urn:eudi:pid:1", "source": {"name": "EUDI-Wallet"}}},)


class ClaimsRequestError(ValueError):
    pass


def parse_claims_parameter(raw: str | None) -> dict:
    """The `claims` request parameter (OIDC Core 5.5), checked for shape."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ClaimsRequestError("The 'claims' parameter is not valid JSON.") from exc
    if not isinstance(value, dict) or any(
        key not in ("id_token", "userinfo") or not isinstance(part, dict) for key, part in value.items()
    ):
        raise ClaimsRequestError("The 'claims' parameter must hold 'id_token' and/or 'userinfo' objects.")
    for part in value.values():
        for member in part.values():
            if member is not None and not isinstance(member, dict):
                raise ClaimsRequestError("Each requested claim must be null or an object.")
    return value


def essential_acr_values(claims: dict) -> list[str]:
    request = (claims.get("id_token") or {}).get("acr") or {}
    if not isinstance(request, dict) or not request.get("essential"):
        return []
    values = request.get("values") or ([request["value"]] if request.get("value") else [])
    return [v for v in values if isinstance(v, str)]


def _named_in(request: dict) -> list[str]:
    """Claim names in one part of the `claims` parameter, including those asked
    for inside `verified_claims` (OIDC4IDA 1.0 §6)."""
    names = [n for n in request if n != "verified_claims"]
    verified = request.get("verified_claims")
    for entry in verified if isinstance(verified, list) else [verified]:
        if isinstance(entry, dict) and isinstance(entry.get("claims"), dict):
            names.extend(entry["claims"])
    return [n for n in dict.fromkeys(names) if n in KNOWN_CLAIMS]


def requested_claims(scope: str, claims: dict | None) -> dict[str, list[str]]:
    """Claim names per destination: scope claims go to userinfo, those of
    ID_TOKEN_SCOPES into the ID token too; the `claims` parameter can put known
    claims into either."""
    scopes = scope_to_list(scope or "") or []
    userinfo = [c for s in scopes for c in SCOPE_CLAIMS.get(s, ())]
    for name in _named_in((claims or {}).get("userinfo") or {}):
        if name not in userinfo:
            userinfo.append(name)
    id_token = _named_in((claims or {}).get("id_token") or {})
    for name in (c for s in scopes if s in ID_TOKEN_SCOPES for c in SCOPE_CLAIMS[s]):
        if name not in id_token:
            id_token.append(name)
    return {"userinfo": userinfo, "id_token": id_token}


def consent_claims(scope: str, claims: dict | None) -> list[str]:
    wanted = requested_claims(scope, claims)
    return list(dict.fromkeys(wanted["userinfo"] + wanted["id_token"]))


def _birthdate(value: str) -> str | None:
    """TT.MM.JJJJ with 00 for unknown parts → OIDC `birthdate`: YYYY-MM-DD, or
    the year alone when day or month is unknown (OIDC Core 5.1)."""
    try:
        day, month, year = value.split(".")
    except ValueError:
        return None
    if day == "00" or month == "00":
        return year
    return f"{year}-{month}-{day}"


def _value(account: Account, name: str):
    v = account.value
    if name == "name":
        return account.display_name or None
    if name == "email_verified":
        return account.attribute("email") is not None
    if name == "birthdate":
        return _birthdate(v("birth_date")) if v("birth_date") else None
    if name == "address":
        if not (v("street") and v("city")):
            return None
        number = v("house_number")
        address = {"street_address": f"{v('street')} {number}" if number and number != "0" else v("street"),
                   "postal_code": v("postal_code"), "locality": v("city")}
        if v("country"):
            address["country"] = v("country")
        return {k: x for k, x in address.items() if x}
    if name == "place_of_birth":
        return {"locality": v("place_of_birth")} if v("place_of_birth") else None
    if name == "nationalities":
        return [v("nationality")] if v("nationality") else None
    for source in CLAIM_SOURCES[name]:
        if v(source):
            return v(source)
    return None


def context_for(account: Account, client, pairwise_secret: bytes) -> dict:
    """The organisation claims of an organisation user for `client`: the organisation
    (with an id of its own per service) and the roles for this service only."""
    from ..organisations import entitlements
    from ..organisations.claims import organisation_claim

    organisation = entitlements.organisation_of(account.id) if entitlements.is_organisation_account(account) else None
    if organisation is None:
        return {}
    return {"organisation": organisation_claim(organisation, client.client_id, pairwise_secret),
            "roles": entitlements.granted_roles(account.id, client) or []}


def claim_level(account: Account, name: str) -> Level:
    """A claim is worth what its weakest attribute is worth."""
    levels = [a.level for a in (account.attribute(s) for s in CLAIM_SOURCES[name]) if a is not None]
    return Level(min(levels)) if levels else Level.NIEDRIG


def release(account: Account, names: list[str], session_level: Level, context: dict | None = None) -> dict:
    """The values of the claims `names` for `account`; `context` holds the values of
    CONTEXT_CLAIMS for the requesting service (see `context_for`).

    Every value goes out as a standard claim. Those verified by a source above
    niedrig (eID, Meldebehörde) go out in addition as `verified_claims`, at their
    own level but never above the session's (SPEC §2, TR-03160-1).
    """
    out: dict = {}
    verified: dict[tuple[Level, bool], dict] = {}
    for name in names:
        value = (context or {}).get(name) if name in CONTEXT_CLAIMS else _value(account, name)
        if value is None:
            continue
        out[name] = value
        level = min(claim_level(account, name), session_level)
        if name in VERIFIABLE_CLAIMS and level > Level.NIEDRIG:
            verified.setdefault((level, from_wallet(account, name)), {})[name] = value
    if verified:
        out["verified_claims"] = [_verified(level, wallet, claims)
                                  for (level, wallet), claims in sorted(verified.items(), reverse=True)]
    return out


def from_wallet(account: Account, name: str) -> bool:
    attributes = [a for a in (account.attribute(s) for s in CLAIM_SOURCES[name]) if a is not None]
    return bool(attributes) and all(a.source == WALLET_SOURCE for a in attributes)


def _verified(level: Level, wallet: bool, claims: dict) -> dict:
    verification = {"trust_framework": TRUST_FRAMEWORK, "assurance_level": level.eidas_uri.rsplit("/", 1)[-1]}
    if wallet:
        verification["evidence"] = [dict(item) for item in WALLET_EVIDENCE]
    return {"verification": verification, "claims": claims}


def describe(name: str, value) -> str:
    """A released value as the citizen reads it on the consent page."""
    if name == "address" and isinstance(value, dict):
        return ", ".join(x for x in (value.get("street_address"), " ".join(
            y for y in (value.get("postal_code"), value.get("locality")) if y), value.get("country")) if x)
    if name == "organisation" and isinstance(value, dict):
        return value.get("name", "")
    if name == "place_of_birth" and isinstance(value, dict):
        return value.get("locality", "")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return str(_("ja") if value else _("nein"))
    return "" if value is None else str(value)


def pairwise_subject(secret: bytes, client_id: str, account_id: str) -> str:
    """A `sub` that differs per online service, so services cannot link their users
    (OIDC Core 8.1); stable as long as the secret in keys/ is."""
    mac = hmac.new(secret, f"{client_id}|{account_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
