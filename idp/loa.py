"""Levels of assurance (Vertrauensniveau), SPEC §2.

One ordered enum and the translations other standards use for it, so that every
other module compares levels and never strings.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from .i18n import _


class Level(enum.IntEnum):
    NIEDRIG = 1
    SUBSTANZIELL = 2
    HOCH = 3

    @property
    def word(self) -> str:
        return self.name.lower()

    @property
    def eidas_uri(self) -> str:
        return EIDAS_URIS[self]

    @property
    def label(self) -> str:
        # What the pages show, in the reader's language (eIDAS: low, substantial, high).
        return {1: _("niedrig"), 2: _("substanziell"), 3: _("hoch")}[self.value]

    @classmethod
    def from_word(cls, word: str) -> "Level":
        return cls[word.upper()]


EIDAS_URIS = {
    Level.NIEDRIG: "http://eidas.europa.eu/LoA/low",
    Level.SUBSTANZIELL: "http://eidas.europa.eu/LoA/substantial",
    Level.HOCH: "http://eidas.europa.eu/LoA/high",
}

_ALIASES: dict[str, Level] = {
    **{uri: level for level, uri in EIDAS_URIS.items()},
    "niedrig": Level.NIEDRIG,
    "substanziell": Level.SUBSTANZIELL,
    "hoch": Level.HOCH,
    "http://bsi.bund.de/eID/LoA/normal": Level.NIEDRIG,
    "http://bsi.bund.de/eID/LoA/substantiell": Level.SUBSTANZIELL,
    "http://bsi.bund.de/eID/LoA/hoch": Level.HOCH,
    "STORK-QAA-Level-1": Level.NIEDRIG,
    "STORK-QAA-Level-2": Level.NIEDRIG,
    "STORK-QAA-Level-3": Level.SUBSTANZIELL,
    "STORK-QAA-Level-4": Level.HOCH,
}

SUPPORTED_ACR_VALUES = list(_ALIASES)


def parse_acr(value: str) -> Level | None:
    """The level an `acr` value names, or None for a value nobody here knows."""
    return _ALIASES.get(value.strip())


def required_level(acr_values: str | None, essential_acr: list[str] | None = None) -> Level | None:
    """The level an authorization request asks for.

    An essential `acr` of the `claims` parameter is a hard requirement (OIDC Core
    5.5.1.1: the acr returned must be one of its values), so `acr_values`, a mere
    preference, never lowers it. Each is a list of what the client accepts: its
    lowest known value is the least it will take. Unknown values are ignored; if
    nothing is known the request asks for no particular level.
    """
    for candidates in (list(essential_acr or []), (acr_values or "").split()):
        levels = [lvl for lvl in (parse_acr(v) for v in candidates) if lvl is not None]
        if levels:
            return min(levels)
    return None


@dataclass(frozen=True)
class SessionLimits:
    inactivity: timedelta
    total: timedelta


# Seeds: 20 min inactivity; TR-03160-1 per level; the stricter of the two wins.
SESSION_LIMITS = {
    Level.NIEDRIG: SessionLimits(timedelta(minutes=20), timedelta(hours=12)),
    Level.SUBSTANZIELL: SessionLimits(timedelta(minutes=20), timedelta(hours=2)),
    Level.HOCH: SessionLimits(timedelta(minutes=5), timedelta(minutes=30)),
}
