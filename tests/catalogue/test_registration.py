"""Dynamic registration (RFC 7591/7592) knows nothing of the catalogue: a service that
registered itself is listed only when the operator says so, and its own updates
leave the operator's entry alone."""
from __future__ import annotations

from idp.clients import change_catalogue
from idp.oidc.registration import issue_initial_token
from tests.support.client_registration import METADATA, manage, register


def test_a_registered_service_updating_itself_keeps_its_catalogue_entry(app, user_agent):
    with app.app_context():
        token = issue_initial_token()[0]
    client = app.test_client()
    body = register(client, token, {**METADATA, "description": "ignored", "start_url": "https://x.example/"}).json
    assert "Hundesteuer" not in user_agent.get("/online-dienste").text
    with app.app_context():
        change_catalogue(body["client_id"], {"start_url": "https://hund.example.de/", "authority": "Steueramt"})

    changed = manage(client, "PUT", body, {**METADATA, "client_id": body["client_id"], "client_name": "Hundesteuer 2"})
    assert changed.status_code == 200, changed.json
    page = user_agent.get("/online-dienste?q=hund").text
    assert "Hundesteuer 2" in page and "Steueramt" in page and 'href="https://hund.example.de/"' in page
