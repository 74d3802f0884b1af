"""Federation with other states in the audit log: data taken over from a partner
(new account, later logins, the link undone), data asserted to a partner over SAML,
and a partner's answer refused as a failed login."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from federation.saml import bindings, messages, parse_redirect, post_fields, safexml
from idp.accounts.models import Account
from idp.extensions import db
from tests.audit.support import assert_no_personal_data, events, summary
from tests.federation.saml.support import GIVEN_NAME, LEVEL_3, SURNAME, make_keypair
from tests.support.federation import add_oidc_partner, add_saml_partner, arrived, land_b as land_b_state

PERSONAL = ("Berta", "Beispiel", "berta@example.org", "Erika", "Mustermann", "erika@example.org")


@pytest.fixture
def oidc_partner(app):
    return add_oidc_partner(app)


def test_data_taken_over_from_another_state(app, user_agent, oidc_partner):
    taken = user_agent.submit(arrived(app, user_agent, oidc_partner),
                              {"decision": "zustimmen", "email": "berta@example.org"})
    assert taken.status_code == 302
    # Logging in again through the partner takes its data over again.
    assert user_agent.get(arrived(app, user_agent, oidc_partner)).status_code == 302
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
    return land_b_state()


@pytest.fixture
def saml_partner(app, tmp_path, land_b):
    return add_saml_partner(app, tmp_path, land_b)


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
