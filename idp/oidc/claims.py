"""Which claims a request asks for, what the user is shown, and what is released."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from authlib.oauth2.rfc6749.util import scope_to_list

from ..accounts.models import Account
from ..loa import Level

SCOPE_CLAIMS = {
    "profile": ("given_name", "family_name", "name"),
    "email": ("email", "email_verified"),
}
# Attribute behind each claim; `name` and `email_verified` are derived.
CLAIM_LABELS = {
    "given_name": "Vorname",
    "family_name": "Nachname",
    "name": "Vollständiger Name",
    "email": "E-Mail-Adresse",
    "email_verified": "Bestätigung, dass die E-Mail-Adresse Ihnen gehört",
}
KNOWN_CLAIMS = tuple(CLAIM_LABELS)


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


def requested_claims(scope: str, claims: dict | None) -> dict[str, list[str]]:
    """Claim names per destination: scope claims go to userinfo; the `claims`
    parameter can put known claims into either."""
    userinfo = [c for s in scope_to_list(scope or "") or [] for c in SCOPE_CLAIMS.get(s, ())]
    id_token = []
    for name in (claims or {}).get("userinfo", {}):
        if name in KNOWN_CLAIMS and name not in userinfo:
            userinfo.append(name)
    for name in (claims or {}).get("id_token", {}):
        if name in KNOWN_CLAIMS:
            id_token.append(name)
    return {"userinfo": userinfo, "id_token": id_token}


def consent_claims(scope: str, claims: dict | None) -> list[str]:
    wanted = requested_claims(scope, claims)
    names = list(dict.fromkeys(wanted["userinfo"] + wanted["id_token"]))
    return [n for n in names if n in KNOWN_CLAIMS]


def release(account: Account, names: list[str], session_level: Level) -> dict:
    """The values of the claims `names` for `account`.

    Self-entered data (niedrig) go out in any session. Verified data will in addition
    go out as `verified_claims` at min(own level, session level) once a back end
    provides them (eID, issue 3).
    """
    out = {}
    for name in names:
        if name == "name":
            if account.display_name:
                out["name"] = account.display_name
        elif name == "email_verified":
            out["email_verified"] = account.attribute("email") is not None
        else:
            attr = account.attribute(name)
            if attr is not None:
                out[name] = attr.value
    return out


def pairwise_subject(secret: bytes, client_id: str, account_id: str) -> str:
    """A `sub` that differs per online service, so services cannot link their users
    (OIDC Core 8.1); stable as long as the secret in keys/ is."""
    mac = hmac.new(secret, f"{client_id}|{account_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
