"""The console "Betrieb" in English: its pages, refusals and notices show no German of
the message catalogue once the operator has chosen English."""
from __future__ import annotations

import pytest

from idp.loa import Level
from idp.operations import operators
from tests.support.languages import german_in, visible_text
from tests.support.sessions import log_in_at_level


@pytest.fixture
def console(app, user_agent, make_account):
    """An operator whose name is no German word of the catalogue, at hoch."""
    account_id = make_account(email="ops@land.example", given_name="Olaf", family_name="Olsen")
    with app.app_context():
        operators.grant("ops@land.example")
    log_in_at_level(app, user_agent, account_id, Level.HOCH)
    return user_agent


def english(answer, status: int = 200) -> str:
    assert answer.status_code == status
    assert '<html lang="en"' in answer.text
    text = visible_text(answer.text)
    assert german_in(text) == []
    return text


def test_the_console_in_english(console, make_client):
    console.submit("/betrieb", {"sprache": "en", "zurueck": "/betrieb"}, action="/sprache")
    assert "Operator accounts" in english(console.get("/betrieb"))
    client = make_client(name="Dog licence")
    assert "Add online service" in english(console.get("/betrieb/online-dienste"))
    text = english(console.get(f"/betrieb/online-dienste/{client.client_id}"))
    assert "Redirect addresses and minimum level of assurance" in text and "Generate new secret" in text
    refused = english(console.submit("/betrieb/online-dienste/neu", {"name": "", "redirect_uris": "",
                                                                     "min_loa": "x", "audience": "citizens",
                                                                     "kind": "vertraulich"}), 400)
    assert "Please enter the name of the online service." in refused
    assert "Please choose one of the values offered." in refused
    assert "Rotate keys" in english(console.get("/betrieb/signaturschluessel"))
    roles = english(console.submit("/betrieb/rollen", {"clerk_email": "nobody@example.org"},
                                   action="/betrieb/rollen/meldebehoerde"), 400)
    assert "There is no active Servicekonto with this e-mail address." in roles
    partners = english(console.get("/betrieb/foederationspartner"))
    assert "Add federation partner" in partners and "No federation partner has been added yet." in partners
    protocol = english(console.get("/betrieb/protokoll"))
    assert "Role given or taken" in protocol and "Online service managed" in protocol
