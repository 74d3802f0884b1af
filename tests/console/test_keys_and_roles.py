"""Betrieb → Signaturschlüssel and Rollen: a rotation shows in the JWKS, a role given
in the console lets the clerk in (and taking it keeps them out), audited as the
operator's."""
from __future__ import annotations

from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import LeitstelleMember
from tests.console.conftest import audit_events
from tests.support.sessions import log_in_at_level
from tests.conftest import Browserless

ROLES = "/betrieb/rollen"
CLERK = "sachbearbeitung@meldeamt.example"


def kids(user_agent) -> set[str]:
    return {key["kid"] for key in user_agent.get("/jwks").json["keys"]}


def test_rotation_changes_the_jwks_and_the_page_shows_the_new_fingerprints(app, console):
    page = console.get("/betrieb/signaturschluessel").text
    before = kids(console)
    assert all(kid in page for kid in before) and "aktiv (signiert)" in page
    signing = {key.kid for key in app.extensions["servicekonto.keys"].list() if key.status == "current"}

    r = console.submit("/betrieb/signaturschluessel", {}, action="/betrieb/signaturschluessel/rotieren")
    assert r.status_code == 302
    after = kids(console)
    # Two new keys; the ones that signed until now stay published as the previous ones.
    assert len(after - before) == 2 and signing < after and len(after) == 4
    page = console.get(r.headers["Location"]).text
    assert "Die Schlüssel wurden rotiert." in page
    assert all(kid in page for kid in after) and "vorheriger Schlüssel" in page


def test_the_meldebehoerde_role_lets_the_clerk_in_and_out(app, console, operator, make_account):
    clerk_id = make_account(email=CLERK)
    clerk = Browserless(app)
    log_in_at_level(app, clerk, clerk_id, Level.HOCH)
    assert clerk.get("/meldebehoerde").status_code == 403

    r = console.submit(ROLES, {"clerk_email": "Sachbearbeitung@Meldeamt.example"},
                       action=f"{ROLES}/meldebehoerde")
    assert r.status_code == 302
    page = console.get(r.headers["Location"]).text
    assert "Die Rolle Meldebehörde wurde vergeben." in page and CLERK in page
    assert clerk.get("/meldebehoerde").status_code == 200

    assert console.submit(ROLES, {"email": CLERK}, action=f"{ROLES}/meldebehoerde/entziehen").status_code == 302
    assert clerk.get("/meldebehoerde").status_code == 403

    events = audit_events(app, "operator.role")
    assert [(e.account_id, e.actor, e.details) for e in events if e.account_id == clerk_id] == [
        (clerk_id, operator.actor, {"what": "grant", "which": "meldebehoerde"}),
        (clerk_id, operator.actor, {"what": "revoke", "which": "meldebehoerde"})]


def test_a_role_for_an_unknown_address_is_refused_and_kept(app, console):
    r = console.submit(ROLES, {"clerk_email": "niemand@meldeamt.example"}, action=f"{ROLES}/meldebehoerde")
    assert r.status_code == 400
    assert "Zu dieser E-Mail-Adresse gibt es kein aktives Servicekonto." in r.text
    assert 'value="niemand@meldeamt.example"' in r.text and 'aria-invalid="true"' in r.text
    r = console.submit(ROLES, {"clerk_email": " "}, action=f"{ROLES}/meldebehoerde")
    assert r.status_code == 400 and "Bitte geben Sie die E-Mail-Adresse eines Servicekontos an." in r.text


def test_leitstelle_members_are_named_and_removed(app, console, operator, make_account, make_client):
    rp = make_client(name="Gewerbeanmeldung", approval="leitstelle", audience="organisations")
    member_id = make_account(email="leitstelle@amt.example")

    r = console.submit(ROLES, {"client_id": "", "member_email": "leitstelle@amt.example"}, action=f"{ROLES}/leitstelle")
    assert r.status_code == 400 and "Bitte wählen Sie einen Online-Dienst aus." in r.text
    assert 'value="leitstelle@amt.example"' in r.text
    r = console.submit(ROLES, {"client_id": rp.client_id, "member_email": "fremd@amt.example"},
                       action=f"{ROLES}/leitstelle")
    assert r.status_code == 400 and "kein aktives Servicekonto" in r.text
    assert f'<option value="{rp.client_id}" selected>' in r.text

    r = console.submit(ROLES, {"client_id": rp.client_id, "member_email": "leitstelle@amt.example"},
                       action=f"{ROLES}/leitstelle")
    assert r.status_code == 302
    page = console.get(r.headers["Location"]).text
    assert "Das Konto gehört jetzt zur Fachlichen Leitstelle." in page and "leitstelle@amt.example" in page
    with app.app_context():
        assert db.session.get(LeitstelleMember, (rp.client_id, member_id)) is not None

    r = console.submit(ROLES, {"client_id": rp.client_id, "email": "leitstelle@amt.example"},
                       action=f"{ROLES}/leitstelle/entziehen")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(LeitstelleMember, (rp.client_id, member_id)) is None
    again = console.submit(ROLES, {"client_id": rp.client_id, "email": "leitstelle@amt.example"},
                           action=f"{ROLES}/leitstelle/entziehen")
    assert again.status_code == 404
    assert [(e.client_id, e.actor, e.details) for e in audit_events(app, "operator.role")
            if e.account_id == member_id] == [
        (rp.client_id, operator.actor, {"what": "grant", "which": "leitstelle"}),
        (rp.client_id, operator.actor, {"what": "revoke", "which": "leitstelle"})]
