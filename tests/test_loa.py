"""Levels of assurance (SPEC §2): order, the names other standards use, what a request
asks for, and the session limits per level."""
from datetime import timedelta

import pytest

from idp.loa import EIDAS_URIS, SESSION_LIMITS, SUPPORTED_ACR_VALUES, Level, parse_acr, required_level


def test_levels_are_ordered_niedrig_substanziell_hoch():
    assert Level.NIEDRIG < Level.SUBSTANZIELL < Level.HOCH
    assert sorted([Level.HOCH, Level.NIEDRIG, Level.SUBSTANZIELL]) == [Level.NIEDRIG, Level.SUBSTANZIELL, Level.HOCH]
    assert max(Level.NIEDRIG, Level.HOCH) is Level.HOCH
    assert min(Level.SUBSTANZIELL, Level.HOCH) is Level.SUBSTANZIELL


@pytest.mark.parametrize("level, word, uri", [
    (Level.NIEDRIG, "niedrig", "http://eidas.europa.eu/LoA/low"),
    (Level.SUBSTANZIELL, "substanziell", "http://eidas.europa.eu/LoA/substantial"),
    (Level.HOCH, "hoch", "http://eidas.europa.eu/LoA/high"),
])
def test_each_level_has_its_german_word_and_eidas_uri(level, word, uri):
    assert level.word == word == level.label
    assert level.eidas_uri == uri == EIDAS_URIS[level]
    assert Level.from_word(word) is level


@pytest.mark.parametrize("name, level", [
    ("http://eidas.europa.eu/LoA/low", Level.NIEDRIG),
    ("http://eidas.europa.eu/LoA/substantial", Level.SUBSTANZIELL),
    ("http://eidas.europa.eu/LoA/high", Level.HOCH),
    ("niedrig", Level.NIEDRIG),
    ("substanziell", Level.SUBSTANZIELL),
    ("hoch", Level.HOCH),
    ("http://bsi.bund.de/eID/LoA/normal", Level.NIEDRIG),
    ("http://bsi.bund.de/eID/LoA/substantiell", Level.SUBSTANZIELL),
    ("http://bsi.bund.de/eID/LoA/hoch", Level.HOCH),
    ("STORK-QAA-Level-1", Level.NIEDRIG),
    ("STORK-QAA-Level-2", Level.NIEDRIG),
    ("STORK-QAA-Level-3", Level.SUBSTANZIELL),
    ("STORK-QAA-Level-4", Level.HOCH),
    (" hoch ", Level.HOCH),
])
def test_every_alias_of_spec_names_its_level(name, level):
    assert parse_acr(name) is level
    assert name.strip() in SUPPORTED_ACR_VALUES


@pytest.mark.parametrize("name", [
    "", "mittel", "high", "http://eidas.europa.eu/LoA/medium", "http://eidas.europa.eu/LoA/HIGH",
    "STORK-QAA-Level-5", "STORK-QAA-Level-0", "urn:mace:incommon:iap:silver", "0",
])
def test_unknown_names_name_no_level(name):
    assert parse_acr(name) is None


@pytest.mark.parametrize("acr_values, essential, expected", [
    (None, None, None),
    ("", [], None),
    ("hoch", None, Level.HOCH),
    ("http://eidas.europa.eu/LoA/substantial", None, Level.SUBSTANZIELL),
    # A preference list: the least the service accepts is what it asks for.
    ("http://eidas.europa.eu/LoA/high http://eidas.europa.eu/LoA/substantial", None, Level.SUBSTANZIELL),
    ("STORK-QAA-Level-4 STORK-QAA-Level-2", None, Level.NIEDRIG),
    # Unknown values are ignored, not treated as "nothing asked" or as the lowest.
    ("gold hoch", None, Level.HOCH),
    ("gold silber", None, None),
    # The essential acr of the claims parameter counts as well.
    (None, ["http://eidas.europa.eu/LoA/high"], Level.HOCH),
    ("hoch", ["substanziell"], Level.SUBSTANZIELL),
    # It is a hard requirement (OIDC Core 5.5.1.1): acr_values never lower it.
    ("niedrig", ["hoch"], Level.HOCH),
    ("http://eidas.europa.eu/LoA/low", ["substanziell", "hoch"], Level.SUBSTANZIELL),
    # Unknown essential values name no level: acr_values decide.
    ("substanziell", ["gold"], Level.SUBSTANZIELL),
    ("  hoch   substanziell ", None, Level.SUBSTANZIELL),
])
def test_required_level_of_a_request(acr_values, essential, expected):
    assert required_level(acr_values, essential) is expected


@pytest.mark.parametrize("level, inactivity, total", [
    (Level.NIEDRIG, timedelta(minutes=20), timedelta(hours=12)),
    (Level.SUBSTANZIELL, timedelta(minutes=20), timedelta(hours=2)),
    (Level.HOCH, timedelta(minutes=5), timedelta(minutes=30)),
])
def test_session_limits_per_level(level, inactivity, total):
    limits = SESSION_LIMITS[level]
    assert limits.inactivity == inactivity
    assert limits.total == total


def test_higher_levels_never_have_looser_limits():
    for lower, higher in ((Level.NIEDRIG, Level.SUBSTANZIELL), (Level.SUBSTANZIELL, Level.HOCH)):
        assert SESSION_LIMITS[higher].inactivity <= SESSION_LIMITS[lower].inactivity
        assert SESSION_LIMITS[higher].total <= SESSION_LIMITS[lower].total
    # The seeds' 20 minutes of inactivity is the loosest any level may have.
    assert all(limits.inactivity <= timedelta(minutes=20) for limits in SESSION_LIMITS.values())
