"""The search rules of the catalogue (SPEC §5), at the level of the service module."""
from __future__ import annotations

import pytest

from idp.catalogue import search
from idp.clients import ClientError, catalogue_settings, change_catalogue, set_disabled
from tests.catalogue.support import list_service


def names(query: str) -> list[str]:
    return [client.name for client in search.search(query)]


def test_a_word_finds_services_whose_name_contains_it_whatever_the_case(app, app_ctx):
    list_service(app, "Gewerbeanmeldung")
    list_service(app, "Hundesteuer")
    assert names("Gewerbe") == names("gewerbe") == names("GEWERBE") == ["Gewerbeanmeldung"]
    assert names("anmeld") == ["Gewerbeanmeldung"]


@pytest.mark.parametrize("query", ["Führerschein", "Fuehrerschein", "fuhrerschein", "FÜHRER"])
def test_umlauts_are_found_however_they_are_typed(app, app_ctx, query):
    list_service(app, "Führerschein umtauschen")
    list_service(app, "Fahrzeug zulassen")
    assert names(query) == ["Führerschein umtauschen"]


@pytest.mark.parametrize("query", ["Straße", "strasse", "STRASSEN"])
def test_sharp_s_and_ss_are_one(app, app_ctx, query):
    list_service(app, "Sondernutzung", authority="Straßenverkehrsamt Musterstadt")
    assert names(query) == ["Sondernutzung"]


def test_description_authority_and_keywords_are_searched(app, app_ctx):
    list_service(app, "Wohngeld", description="Zuschuss zur Miete für Haushalte mit geringem Einkommen.")
    list_service(app, "Anwohnerparken", authority="Ordnungsamt Musterstadt")
    list_service(app, "Kita-Platz", keywords=["Kindergarten", "Betreuung"])
    assert names("Miete") == ["Wohngeld"]
    assert names("ordnungsamt") == ["Anwohnerparken"]
    assert names("kindergarten") == ["Kita-Platz"]


def test_every_word_of_the_query_must_occur(app, app_ctx):
    list_service(app, "Hundesteuer", authority="Steueramt Musterstadt")
    list_service(app, "Gewerbesteuer", authority="Steueramt Beispielstadt")
    assert names("steuer musterstadt") == ["Hundesteuer"]
    assert names("steuer, beispielstadt") == ["Gewerbesteuer"]
    assert names("steuer nirgendwo") == []


def test_name_matches_come_first_then_keywords_then_the_rest(app, app_ctx):
    list_service(app, "Abfallkalender", description="Wann die Tonne für Hausmüll geleert wird.")
    list_service(app, "Sperrmüll anmelden", keywords=["Abfall"])
    list_service(app, "Müllgebühren", description="Gebühren für Abfall und Hausmüll.", keywords=["Abfall"])
    list_service(app, "Wertstoffhof", authority="Abfallwirtschaftsbetrieb")
    assert names("Abfall") == ["Abfallkalender", "Müllgebühren", "Sperrmüll anmelden", "Wertstoffhof"]
    # A name that starts with the word before one that only contains it.
    list_service(app, "Biomüll", description="Biotonne")
    assert names("müll")[:3] == ["Müllgebühren", "Biomüll", "Sperrmüll anmelden"]


def test_an_empty_query_lists_every_listed_service_by_name(app, app_ctx):
    for name in ("Wohngeld", "Anwohnerparken", "Kita-Platz"):
        list_service(app, name)
    assert names("") == names("  ") == ["Anwohnerparken", "Kita-Platz", "Wohngeld"]


def test_only_listed_services_that_are_not_disabled_are_found(app, app_ctx):
    list_service(app, "Gewerbeanmeldung")
    list_service(app, "Gewerbeabmeldung", listed=False)
    list_service(app, "Gewerbeummeldung", start_url=None)  # no start URL: not listed by default
    disabled = list_service(app, "Gewerbeuntersagung")
    set_disabled(disabled, True)
    assert names("gewerbe") == ["Gewerbeanmeldung"]


def test_suggestions_wait_for_two_letters_and_stop_at_eight(app, app_ctx):
    for number in range(10):
        list_service(app, f"Antrag {number}")
    assert search.suggest("a") == []
    assert len(search.suggest("an")) == search.SUGGESTION_COUNT == 8


# -- the catalogue entry's rules (`servicekonto clients add` and `clients catalogue`) -------------
def test_a_start_url_lists_the_service_unless_the_operator_says_otherwise():
    assert catalogue_settings(start_url="https://a.example/")["in_catalogue"] is True
    assert catalogue_settings()["in_catalogue"] is False
    assert catalogue_settings(start_url="https://a.example/", listed=False)["in_catalogue"] is False


@pytest.mark.parametrize("settings, complaint", [
    (dict(listed=True), "needs a start URL"),
    (dict(start_url="http://dienst.example.de/"), "https"),
    (dict(start_url="https://dienst.example.de/#start"), "fragment"),
    (dict(start_url="dienst.example.de"), "absolute"),
    (dict(keywords=["x" * 65]), "keywords"),
    (dict(authority="A" * 201), "authority"),
])
def test_the_entry_is_checked(settings, complaint):
    with pytest.raises(ClientError, match=complaint):
        catalogue_settings(**settings)


def test_keywords_are_trimmed_and_kept_once():
    assert catalogue_settings(keywords=[" Hund ", "Hund", "", "Steuer"])["keywords"] == ["Hund", "Steuer"]


def test_changing_the_entry_keeps_what_is_not_named(app, app_ctx):
    client_id = list_service(app, "Hundesteuer", description="Anmeldung eines Hundes", authority="Steueramt",
                             keywords=["Hund"], fees="keine")
    client = change_catalogue(client_id, {"description": "Anmeldung eines Hundes zur Steuer", "fees": ""})
    assert (client.description, client.authority, client.keywords, client.fees, client.in_catalogue) == (
        "Anmeldung eines Hundes zur Steuer", "Steueramt", ["Hund"], None, True)
    with pytest.raises(ClientError, match="needs a start URL"):
        change_catalogue(client_id, {"start_url": ""})
    assert change_catalogue(client_id, {"start_url": ""}, listed=False).in_catalogue is False
    # Its first start URL lists a service again, as at `clients add`.
    assert change_catalogue(client_id, {"start_url": "https://hund.example/"}).in_catalogue is True
    assert change_catalogue("unbekannt", {"fees": "x"}) is None
