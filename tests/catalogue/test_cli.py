"""The catalogue entry as the operator sets it with `servicekonto clients add` and fixes
it with `servicekonto clients catalogue` (SPEC §5, §8), and what the page then shows."""
from __future__ import annotations

import json

from tests.support.cli import run_cli

REDIRECT = ["--redirect-uri", "https://gewerbe.example.de/callback"]


def servicekonto(app, tmp_path, *args) -> dict:
    out = run_cli(app, tmp_path, *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_clients_add_puts_the_service_into_the_catalogue(app, tmp_path, user_agent):
    new = servicekonto(app, tmp_path, "clients", "add", "--name", "Gewerbeanmeldung", *REDIRECT,
                       "--description", "Melden Sie ein Gewerbe an.", "--authority", "Gewerbeamt Musterstadt",
                       "--start-url", "https://gewerbe.example.de/start", "--keyword", "Betrieb",
                       "--keyword", "Selbstständigkeit", "--fees", "26 Euro")
    assert {k: new[k] for k in ("description", "authority", "start_url", "keywords", "fees", "catalogue")} == {
        "description": "Melden Sie ein Gewerbe an.", "authority": "Gewerbeamt Musterstadt",
        "start_url": "https://gewerbe.example.de/start", "keywords": ["Betrieb", "Selbstständigkeit"],
        "fees": "26 Euro", "catalogue": True}
    page = user_agent.get("/online-dienste?q=selbststandigkeit")
    assert f'id="dienst-{new["client_id"]}"' in page.text and "Gewerbeamt Musterstadt" in page.text


def test_without_start_url_or_with_no_catalogue_a_service_is_not_listed(app, tmp_path, user_agent):
    plain = servicekonto(app, tmp_path, "clients", "add", "--name", "Intern", *REDIRECT)
    hidden = servicekonto(app, tmp_path, "clients", "add", "--name", "Verdeckt", *REDIRECT,
                          "--start-url", "https://verdeckt.example.de/", "--no-catalogue")
    assert plain["catalogue"] is False and hidden["catalogue"] is False
    page = user_agent.get("/online-dienste").text
    assert "Intern" not in page and "Verdeckt" not in page


def test_clients_add_refuses_a_bad_entry_and_adds_nothing(app, tmp_path):
    for args, complaint in [(["--catalogue"], "needs a start URL"),
                            (["--start-url", "http://gewerbe.example.de/"], "https"),
                            (["--start-url", "https://gewerbe.example.de/#start"], "fragment")]:
        out = run_cli(app, tmp_path, "clients", "add", "--name", "Gewerbe", *REDIRECT, *args)
        assert out.returncode == 2 and complaint in out.stderr
    assert servicekonto(app, tmp_path, "clients", "list") == []


def test_clients_catalogue_fixes_an_entry_and_takes_it_out(app, tmp_path, user_agent):
    new = servicekonto(app, tmp_path, "clients", "add", "--name", "Hundesteuer", *REDIRECT,
                       "--authority", "Steueramt Musterstdat", "--keyword", "Hund")
    assert new["catalogue"] is False
    fixed = servicekonto(app, tmp_path, "clients", "catalogue", new["client_id"], "--authority",
                         "Steueramt Musterstadt", "--start-url", "https://hund.example.de/")
    # The first start URL lists the service; what was not named stays.
    assert (fixed["authority"], fixed["keywords"], fixed["catalogue"]) == ("Steueramt Musterstadt", ["Hund"], True)
    assert "Steueramt Musterstadt" in user_agent.get("/online-dienste?q=hund").text

    out = servicekonto(app, tmp_path, "clients", "catalogue", new["client_id"], "--no-catalogue", "--no-keywords")
    assert (out["catalogue"], out["keywords"], out["start_url"]) == (False, [], "https://hund.example.de/")
    assert "Hundesteuer" not in user_agent.get("/online-dienste").text


def test_clients_catalogue_refuses_unknown_clients_and_bad_values(app, tmp_path):
    out = run_cli(app, tmp_path, "clients", "catalogue", "unbekannt", "--fees", "keine")
    assert out.returncode == 1 and "no client unbekannt" in out.stderr
    new = servicekonto(app, tmp_path, "clients", "add", "--name", "Wohngeld", *REDIRECT,
                       "--start-url", "https://wohngeld.example.de/")
    out = run_cli(app, tmp_path, "clients", "catalogue", new["client_id"], "--start-url", "")
    assert out.returncode == 2 and "needs a start URL" in out.stderr
    assert servicekonto(app, tmp_path, "clients", "list")[0]["start_url"] == "https://wohngeld.example.de/"
