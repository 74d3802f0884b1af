"""The support contact of the state (SERVICEKONTO_SUPPORT_EMAIL / _URL) in the footer
of every page, in both languages; unset, the footer names none."""
from __future__ import annotations

from idp import create_app
from idp.config import Settings
from tests.support.pages import link_to


def _app(tmp_path, **overrides):
    return create_app(Settings.from_env({}, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                                        keys_dir=tmp_path / "keys", instance_dir=tmp_path, testing=True, **overrides))


def test_every_page_names_the_support_contact(tmp_path):
    client = _app(tmp_path, support_email="hilfe@servicekonto.example.de",
                  support_url="https://land.example.de/hilfe").test_client()
    for path in ("/", "/anmelden", "/registrieren"):
        page = client.get(path).text
        assert "Hilfe und Kontakt:" in page
        assert link_to(page, "hilfe@servicekonto.example.de") == "mailto:hilfe@servicekonto.example.de"
        assert link_to(page, "Hilfeseite") == "https://land.example.de/hilfe"
    english = client.get("/anmelden", headers={"Accept-Language": "en"}).text
    assert "Help and contact:" in english and link_to(english, "Help page") == "https://land.example.de/hilfe"


def test_without_a_contact_the_footer_names_none(user_agent):
    assert "Hilfe und Kontakt" not in user_agent.get("/anmelden").text
