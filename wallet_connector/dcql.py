"""The DCQL query for the PID (OpenID4VP 1.0 §6), asking only for what a flow needs.

Claim names are those of the ARF PID rulebook's SD-JWT VC encoding (as used by the
German PID `urn:eudi:pid:de:1`). `birth_family_name` is on a PID only when the ID card
holds a birth name, so each query offers two claim sets (§6.4.1): with it, preferred,
and without it.
"""
from __future__ import annotations

import enum

from .sd_jwt_vc import PID_VCTS

CREDENTIAL_ID = "pid"
FORMAT = "dc+sd-jwt"


class Purpose(enum.Enum):
    # Recognise an account: the claims of the stable identifier (pid.IDENTIFIER_CLAIMS)
    # and the names, which the login shows and hands to online services.
    LOGIN = "login"
    # Register or upgrade to Servicekonto Plus (SPEC §3): also the address and the
    # nationality, as the eID registration reads them from the card.
    REGISTRATION = "registration"


_LOGIN = ("given_name", "family_name", "birthdate", "place_of_birth")
_REGISTRATION = _LOGIN + ("address", "nationalities")
_OPTIONAL = "birth_family_name"


def pid_query(purpose: Purpose) -> dict:
    names = _LOGIN if purpose is Purpose.LOGIN else _REGISTRATION
    # Whole objects (place_of_birth, address) are asked for by their top-level path:
    # the wallet discloses all their parts (§7.1 claims path pointer).
    claims = [{"id": name, "path": [name]} for name in (*names, _OPTIONAL)]
    return {
        "credentials": [{
            "id": CREDENTIAL_ID,
            "format": FORMAT,
            "meta": {"vct_values": list(PID_VCTS)},
            "claims": claims,
            "claim_sets": [[*names, _OPTIONAL], list(names)],
        }],
    }


def claim_sets(query: dict, credential_id: str = CREDENTIAL_ID) -> list[list[list]]:
    """The claim paths of each claim set of one credential query, in order of preference
    (§6.4.1); a query without claim_sets has one set: all its claims."""
    credential = next(item for item in query["credentials"] if item["id"] == credential_id)
    claims = credential.get("claims", [])
    if "claim_sets" not in credential:
        return [[claim["path"] for claim in claims]]
    paths = {claim["id"]: claim["path"] for claim in claims}  # §6.3: ids are required with claim_sets
    return [[paths[claim_id] for claim_id in claim_set] for claim_set in credential["claim_sets"]]


def fulfilled(query: dict, claims: dict, credential_id: str = CREDENTIAL_ID) -> bool:
    """Whether the disclosed claims answer one of the claim sets: a wallet may send
    less than asked (the user's choice), which the flow then cannot use."""
    return any(all(_resolves(claims, path) for path in paths) for paths in claim_sets(query, credential_id))


def _resolves(value: object, path: list) -> bool:
    """§7.1 claims path pointer: names select object members, integers array
    elements, null every element (one is enough here)."""
    if not path:
        return value is not None
    step, rest = path[0], path[1:]
    if isinstance(step, str) and isinstance(value, dict) and step in value:
        return _resolves(value[step], rest)
    if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
        return _resolves(value[step], rest)
    if step is None and isinstance(value, list):
        return any(_resolves(item, rest) for item in value)
    return False
