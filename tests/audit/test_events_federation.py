"""Federation with other states in the audit log: data taken over from a partner
(new account, later logins, the link undone), data asserted to a partner over SAML,
and a partner's answer refused as a failed login."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from federation import broker, partners
from federation.models import FederationPartner
from federation.remote import RemoteAttribute, RemoteIdentity
from federation.saml import bindings, messages, parse_redirect, post_fields, safexml
from federation.views import BROWSER_KEY
from idp.accounts.models import Account
from idp.extensions import db
from idp.loa import Level
from tests.audit.support import assert_no_personal_data, events, summary
from tests.federation.saml.support import GIVEN_NAME, LEVEL_3, SURNAME, make_account, make_keypair

PERSONAL = ("Berta", "Beispiel", "berta@example.org", "Erika", "Mustermann", "erika@example.org")


@pytest.fixture
def oidc_partner(app):
    with app.app_context():
        partner = FederationPartner(name="Land C", protocol="oidc", entity_id="https://land-c.example",
                                    source="https://land-c.example", discovery={"issuer": "https://land-c.example"},
                                    client_id="c", client_secret="s", max_level=int(Level.SUBSTANZIELL))
        db.session.add(partner)
        db.session.commit()
        return partner.id


def back_from_partner(app, user_agent, partner_id) -> str:
    """Berta's login at the partner came back to this browser, as the back ends leave
    it (the protocols are tested in tests/federation); returns the page it leads to."""
    with app.app_context():
        login, secret = broker.begin(db.session.get(FederationPartner, partner_id), "login")
        db.session.commit()
        broker.arrived(login, RemoteIdentity(partner_id, "sub-berta", Level.HOCH, ("pwd",), tuple(
            RemoteAttribute(name, value, Level.HOCH) for name, value in
            (("given_name", "Berta"), ("family_name", "Beispiel"), ("email", "berta@example.org")))))
        login_id = login.id
    with user_agent.client.session_transaction() as session:
        session[BROWSER_KEY] = [login_id, secret]
    return f"/anmelden/servicekonto/ergebnis/{login_id}"


def test_data_taken_over_from_another_state(app, user_agent, oidc_partner):
    taken = user_agent.submit(back_from_partner(app, user_agent, oidc_partner),
                              {"decision": "zustimmen", "email": "berta@example.org"})
    assert taken.status_code == 302
    # Logging in again through the partner takes its data over again.
    assert user_agent.get(back_from_partner(app, user_agent, oidc_partner)).status_code == 302
    user_agent.submit("/mein-bereich/servicekonten", {"partner": oidc_partner})
    with app.app_context():
        account_id = db.session.query(Account).filter_by(email="berta@example.org").one().id

    found = events(app)
    received = {"partner": oidc_partner, "level": "substanziell", "fields": ["family_name", "given_name"]}
    login = {"method": "fed", "level": "substanziell"}
    assert summary(found) == [
        ("account.registered", True, {"method": "fed", "partner": oidc_partner}),
        ("federation.received", True, received),
        ("account.activated", True, {"method": "fed"}),
        ("login.succeeded", True, login),
        ("federation.received", True, received),
        ("login.succeeded", True, login),
        ("federation.unlinked", True, {"partner": oidc_partner}),
    ]
    assert {e.account_id for e in found} == {account_id}
    assert_no_personal_data(found, *PERSONAL)


@pytest.fixture(scope="module")
def land_b():
    return make_account("land-b", make_keypair("Land B signing"), make_keypair("Land B encryption"), "Land B")


@pytest.fixture
def saml_partner(app, tmp_path, land_b):
    source = tmp_path / "land-b.xml"
    source.write_bytes(land_b.metadata_xml)
    with app.app_context():
        return partners.add("Land B", "saml", str(source), Level.SUBSTANZIELL).id


def test_data_asserted_to_another_state(app, user_agent, make_account, saml_partner, land_b):
    account_id = make_account()
    sso_url = app.config["SERVICEKONTO"].issuer + "/saml/sso"
    _, request = messages.build_authn_request(sp_entity_id=land_b.entity_id, acs_url=land_b.acs_url,
                                              destination=sso_url, class_refs=[])
    asked = urlparse(bindings.redirect_url(sso_url, request, "relay-1", land_b.signing))
    claim = user_agent.get(f"{asked.path}?{asked.query}").headers["Location"]
    consent = user_agent.get(claim).headers["Location"]
    user_agent.login()
    answered = user_agent.submit(consent, {"decision": "zustimmen"})
    assert answered.status_code == 200 and land_b.acs_url in answered.text

    found = events(app, "federation.", "logout")
    assert [(e.event, e.account_id) for e in found] == [("federation.asserted", account_id),
                                                         ("logout", account_id)]
    asserted = found[0].details
    assert (asserted["partner"], asserted["level"]) == (saml_partner, "niedrig")
    assert {"givenName", "surname"} <= set(asserted["fields"])
    assert_no_personal_data(events(app), *PERSONAL)


def test_a_refused_answer_of_another_state_is_a_failed_login(app, user_agent, saml_partner, land_b):
    sent = user_agent.submit("/anmelden/servicekonto", {"partner": saml_partner})
    request = parse_redirect(sent.headers["Location"].split("?", 1)[1])
    services = app.extensions["servicekonto.federation"]
    # Signed with a key the partner's metadata does not name.
    forged = messages.build_response(
        idp_entity_id=land_b.entity_id, in_response_to=safexml.parse(request.xml).get("ID"),
        acs_url=services.acs_url, sp_entity_id=services.entity_id,
        sp_encryption_cert=services.credentials.encryption.cert_pem, signing=make_keypair("Fremd"),
        name_id="land-b-subject-4711", class_ref=LEVEL_3,
        attributes=[(GIVEN_NAME, "givenName", "Berta", None), (SURNAME, "surname", "Beispiel", None)])
    refused = user_agent.post("/saml/acs", data=post_fields(forged, request.relay_state))
    assert refused.status_code == 400

    [failed] = events(app, "login.")
    assert (failed.event, failed.succeeded, failed.account_id) == ("login.failed", False, None)
    assert failed.details == {"method": "fed", "partner": saml_partner, "reason": "signature"}
