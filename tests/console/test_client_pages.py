"""Betrieb → Online-Dienste: what an operator does to a service shows at the token
endpoint, refused input is kept with German messages, and the console's own change
is audited as the operator's."""
from __future__ import annotations

import re

from idp.extensions import db
from idp.loa import Level
from idp.oidc.models import Client
from tests.console.conftest import audit_events
from tests.support.flows import back_channel

PAGES = "/betrieb/online-dienste"


def token_error(user_agent, client_id: str, secret: str) -> str:
    """What /token says to a request with a made-up code: invalid_client when the
    client is refused, invalid_grant when it authenticated."""
    r = back_channel(user_agent).post("/token", data={"grant_type": "authorization_code", "code": "erfunden",
                                                      "redirect_uri": "http://127.0.0.1:9/callback"},
                                      auth=(client_id, secret))
    return r.json["error"]


def secret_on(page_html: str) -> str:
    return re.search(r'<code id="client-secret">([^<]+)</code>', page_html).group(1)


def test_add_a_service_shows_its_secret_once(app, console):
    r = console.submit(f"{PAGES}/neu", {"name": "Wohngeld", "redirect_uris": "https://wg.example/cb\n\nhttps://wg.example/cb2",
                                        "min_loa": "substanziell", "audience": "both", "kind": "vertraulich"})
    assert r.status_code == 200 and "Online-Dienst hinzugefügt" in r.text
    assert r.headers["Cache-Control"] == "no-store"
    client_id = re.search(r'<code id="client-id">([^<]+)</code>', r.text).group(1)
    secret = secret_on(r.text)
    with app.app_context():
        client = db.session.get(Client, client_id)
        assert (client.name, client.redirect_uris, client.min_level, client.audience, client.public) == (
            "Wohngeld", ["https://wg.example/cb", "https://wg.example/cb2"], int(Level.SUBSTANZIELL), "both", False)
    assert token_error(console, client_id, secret) == "invalid_grant"
    listing = console.get(PAGES).text
    assert "Wohngeld" in listing and secret not in listing and secret not in console.get(f"{PAGES}/{client_id}").text


def test_a_public_service_has_no_secret(app, console):
    r = console.submit(f"{PAGES}/neu", {"name": "App", "redirect_uris": "http://127.0.0.1:8080/cb",
                                        "min_loa": "niedrig", "audience": "citizens", "kind": "oeffentlich"})
    assert r.status_code == 200 and 'id="client-secret"' not in r.text
    client_id = re.search(r'<code id="client-id">([^<]+)</code>', r.text).group(1)
    page = console.get(f"{PAGES}/{client_id}").text
    assert "Neues Secret erzeugen" not in page
    assert console.submit(f"{PAGES}/{client_id}", {}, action=f"{PAGES}/{client_id}/secret").status_code == 404
    with app.app_context():
        assert db.session.get(Client, client_id).client_secret_hash is None


def test_refused_input_is_kept_with_german_messages(app, console):
    entered = {"name": "", "redirect_uris": "ftp://wg.example/cb", "min_loa": "hoch", "audience": "organisations",
               "kind": "vertraulich"}
    r = console.submit(f"{PAGES}/neu", entered)
    assert r.status_code == 400
    assert "Bitte geben Sie den Namen des Online-Dienstes an." in r.text
    assert "Bitte korrigieren Sie die markierten Angaben." in r.text
    assert "ftp://wg.example/cb</textarea>" in r.text
    assert '<option value="hoch" selected>' in r.text and '<option value="organisations" selected>' in r.text

    r = console.submit(f"{PAGES}/neu", dict(entered, name="Wohngeld", redirect_uris="http://wg.example/cb"))
    assert r.status_code == 400
    assert "http nur für 127.0.0.1 oder localhost" in r.text and 'value="Wohngeld"' in r.text
    r = console.submit(f"{PAGES}/neu", dict(entered, name="Wohngeld", redirect_uris="https://wg.example/cb",
                                            min_loa="sehr hoch"))
    assert r.status_code == 400 and "Bitte wählen Sie einen der angebotenen Werte." in r.text
    with app.app_context():
        assert db.session.query(Client).count() == 0


def test_edit_redirect_uris_and_level_is_audited_as_the_operator(app, console, operator, make_client):
    rp = make_client()
    page = f"{PAGES}/{rp.client_id}"
    r = console.submit(page, {"redirect_uris": "https://neu.example/cb", "min_loa": "hoch"})
    assert r.status_code == 302 and "hinweis=gespeichert" in r.headers["Location"]
    assert "Die Änderungen wurden gespeichert." in console.get(r.headers["Location"]).text
    with app.app_context():
        client = db.session.get(Client, rp.client_id)
        assert (client.redirect_uris, client.min_level) == (["https://neu.example/cb"], int(Level.HOCH))
    # The old redirect URI is refused at /authorize now.
    assert console.get("/authorize", query_string={"response_type": "code", "client_id": rp.client_id,
                                                   "redirect_uri": rp.redirect_uri, "scope": "openid"}).status_code == 400

    refused = console.submit(page, {"redirect_uris": "", "min_loa": "niedrig"})
    assert refused.status_code == 400 and "Bitte geben Sie mindestens eine Weiterleitungsadresse an" in refused.text
    with app.app_context():
        assert db.session.get(Client, rp.client_id).min_level == int(Level.HOCH)

    [event] = [e for e in audit_events(app, "operator.client") if e.details.get("what") == "settings"]
    assert (event.client_id, event.actor, event.details["fields"]) == (
        rp.client_id, operator.actor, ["redirect_uris", "min_loa"])
    assert console.get(f"{PAGES}/unbekannt").status_code == 404


def test_rotated_secret_works_and_the_old_one_not(app, console, make_client):
    rp = make_client()
    r = console.submit(f"{PAGES}/{rp.client_id}", {}, action=f"{PAGES}/{rp.client_id}/secret")
    assert r.status_code == 200 and "Neues Client-Secret" in r.text and r.headers["Cache-Control"] == "no-store"
    new_secret = secret_on(r.text)
    assert new_secret != rp.client_secret
    assert token_error(console, rp.client_id, new_secret) == "invalid_grant"
    assert token_error(console, rp.client_id, rp.client_secret) == "invalid_client"


def test_a_disabled_service_is_refused_at_the_token_endpoint_until_enabled(app, console, make_client):
    rp = make_client()
    page = f"{PAGES}/{rp.client_id}"
    r = console.submit(page, {}, action=f"{page}/deaktivieren")
    assert r.status_code == 302
    assert "Der Online-Dienst ist deaktiviert." in console.get(r.headers["Location"]).text
    assert token_error(console, rp.client_id, rp.client_secret) == "invalid_client"
    assert "deaktiviert" in console.get(PAGES).text

    assert console.submit(page, {}, action=f"{page}/aktivieren").status_code == 302
    assert token_error(console, rp.client_id, rp.client_secret) == "invalid_grant"
    assert console.submit(page, {}, action=f"{PAGES}/unbekannt/aktivieren").status_code == 404
