"""Levels in SAML: German state accounts name them STORK-QAA-Level-n in
AuthnContextClassRef and in the EID-CITIZEN-QAA-LEVEL attribute; the eIDAS LoA URIs
are understood too (`idp.loa.parse_acr` knows both)."""
from __future__ import annotations

from idp.loa import Level, parse_acr

STORK = {Level.NIEDRIG: "STORK-QAA-Level-1", Level.SUBSTANZIELL: "STORK-QAA-Level-3", Level.HOCH: "STORK-QAA-Level-4"}


def class_ref(level: Level) -> str:
    return STORK[level]


def requested_class_refs(level: Level) -> list[str]:
    """What to put into RequestedAuthnContext (Comparison minimum) for `level`: our
    name and the eIDAS one, so partners speaking either understand."""
    return [STORK[level], level.eidas_uri]


def level_of(value: str | None) -> Level | None:
    return parse_acr(value) if value else None


def required_level(class_refs: list[str] | tuple[str, ...], comparison: str = "minimum") -> Level | None:
    """The least level a RequestedAuthnContext accepts. With `exact` or `minimum` that
    is the lowest named level; `better` asks for more than the highest named one."""
    levels = [lvl for lvl in (level_of(r) for r in class_refs) if lvl is not None]
    if not levels:
        return None
    if comparison == "better":
        top = max(levels)
        return Level(min(top + 1, Level.HOCH))
    return min(levels)
