"""Betrieb → Föderationspartner (federation's section of the console): add by the
metadata URL, refresh, disable and enable, with what citizens then see."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from eid_connector.simulator.devkeys import self_signed
from federation import partners
from federation.saml import KeyPair
from federation.saml.metadata import build_metadata
from tests.conftest import free_port
from tests.support.languages import german_in, visible_text

PAGE = "/betrieb/foederationspartner"
ENTITY = "https://land-b.example/saml/metadata"


class MetadataServer:
    """Land B's metadata on 127.0.0.1; `xml` can change between fetches."""

    def __init__(self):
        key, cert = self_signed("Land B")
        self.xml = build_metadata(entity_id=ENTITY, signing=KeyPair(key, cert),
                                  sso_redirect_url="https://land-b.example/sso", acs_url="https://land-b.example/acs",
                                  display_name="Servicekonto Land B", organization_url="https://land-b.example/")
        self.status = 200
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/saml/metadata"
        self._server = make_server("127.0.0.1", port, self._app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _app(self, environ, start_response):
        return Response(self.xml, self.status, content_type="application/samlmetadata+xml")(environ, start_response)


@pytest.fixture(scope="module")
def land_b():
    server = MetadataServer()
    yield server
    server._server.shutdown()


def test_add_refresh_disable_enable(app, console, land_b):
    land_b.status = 200
    r = console.submit(PAGE, {"name": "Land B", "protocol": "saml", "source": land_b.url, "max_loa": "substanziell"})
    assert r.status_code == 302
    page = console.get(r.headers["Location"]).text
    assert "Der Föderationspartner wurde hinzugefügt." in page and ENTITY in page and "substanziell" in page
    assert "Land B" in console.get("/anmelden/servicekonto").text
    with app.app_context():
        partner_id = partners.by_entity_id(ENTITY).id

    assert console.submit(PAGE, {}, action=f"{PAGE}/{partner_id}/deaktivieren").status_code == 302
    assert "Land B" not in console.get("/anmelden/servicekonto").text
    assert console.submit(PAGE, {}, action=f"{PAGE}/{partner_id}/aktivieren").status_code == 302
    assert "Land B" in console.get("/anmelden/servicekonto").text

    r = console.submit(PAGE, {}, action=f"{PAGE}/{partner_id}/aktualisieren")
    assert r.status_code == 302 and "hinweis=aktualisiert" in r.headers["Location"]
    land_b.status = 503
    r = console.submit(PAGE, {}, action=f"{PAGE}/{partner_id}/aktualisieren")
    assert r.status_code == 400 and "Die Metadaten wurden nicht aktualisiert" in r.text
    with app.app_context():
        assert partners.get(partner_id).enabled and partners.get(partner_id).metadata_xml
    assert console.submit(PAGE, {}, action=f"{PAGE}/unbekannt/aktualisieren").status_code == 404


def test_refused_partner_input_is_kept_with_german_messages(app, console, land_b):
    land_b.status = 200
    r = console.submit(PAGE, {"name": "", "protocol": "oidc", "source": "/etc/passwd", "max_loa": "hoch",
                              "client_id": "", "client_secret": ""})
    assert r.status_code == 400
    assert "Bitte geben Sie den Namen an" in r.text
    assert "als https-Adresse an" in r.text and 'value="/etc/passwd"' in r.text
    assert "Für einen Partner mit OpenID Connect sind Client-ID und Client-Secret nötig." in r.text
    assert '<option value="oidc" selected>' in r.text and '<option value="hoch" selected>' in r.text

    console.submit(PAGE, {"name": "Land B", "protocol": "saml", "source": land_b.url, "max_loa": "hoch"})
    again = console.submit(PAGE, {"name": "Land B2", "protocol": "saml", "source": land_b.url, "max_loa": "hoch"})
    assert again.status_code == 400 and "bereits eingetragen" in again.text and 'value="Land B2"' in again.text
    with app.app_context():
        assert [p.name for p in partners.all_partners()] == ["Land B"]


def test_a_refusal_of_the_partner_registry_in_english(app, console, land_b):
    """The registry's own refusals follow the operator's language (the CLI, outside
    a page, keeps German: tests/federation/test_partners_cli.py)."""
    land_b.status = 200
    console.submit(PAGE, {"name": "Land B", "protocol": "saml", "source": land_b.url, "max_loa": "hoch"})
    console.submit(PAGE, {"sprache": "en", "zurueck": PAGE}, action="/sprache")
    again = console.submit(PAGE, {"name": "Land B2", "protocol": "saml", "source": land_b.url, "max_loa": "hoch"})
    assert again.status_code == 400 and '<html lang="en"' in again.text
    assert f"The partner {ENTITY} has already been added." in again.text
    assert german_in(visible_text(again.text)) == []
