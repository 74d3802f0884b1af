"""What an online service learns of an organisation user (SPEC §6): the organisation with
an id of its own per service, the roles for this service only, the level niedrig of a
self-declared organisation; and who is turned away, on a page that says why, with
`access_denied` for the service."""
from __future__ import annotations

import re

import jwt as pyjwt
import pytest

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import delegation as delegations
from idp.organisations.models import Organisation
from tests.conftest import Browserless
from tests.support.flows import (assert_error_redirect, authorize_query, exchange, location, obtain_code, path_of,
                                 pkce_pair, tokens, userinfo)
from tests.support.organisations import PASSWORD, group_grant, grant, make_organisation, subscribe

ADMIN, ANNA, BEN = "admin@muster.example", "anna@muster.example", "ben@muster.example"
SCOPE = "openid profile organisation"


@pytest.fixture
def business(app):
    return make_organisation(app, users=(ANNA, BEN))


def service(make_client, name="Gewerbeanmeldung", audience="organisations", roles=("Sachbearbeitung", "Freigabe"),
            redirect_uri="http://127.0.0.1:9/callback"):
    return make_client(name=name, audience=audience, roles=list(roles), redirect_uri=redirect_uri)


def log_in(user_agent, email):
    r = user_agent.login(email=email, password=PASSWORD)
    assert r.status_code == 302, r.text[:500]


def refused_page(user_agent, rp, **extra):
    """Authorize as the logged-in user; the browser must end on the "Kein Zugang" page."""
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1], scope=SCOPE, **extra))
    loc = location(r)
    assert path_of(loc).endswith("/kein-zugang"), loc
    page = user_agent.get(loc)
    assert page.status_code == 403
    return loc, page.text


def anna_at_a_service(app, user_agent, business, make_client, roles):
    """A service Anna may use with `roles`; Anna is logged in."""
    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id, roles=roles)
    log_in(user_agent, ANNA)
    return rp


def id_token_of(answer: dict) -> dict:
    return pyjwt.decode(answer["id_token"], options={"verify_signature": False})


def test_entitled_user_gets_organisation_and_own_roles(app, user_agent, business, make_client):
    rp = anna_at_a_service(app, user_agent, business, make_client, roles=["Sachbearbeitung"])
    answer = tokens(user_agent, rp, scope=SCOPE)
    claims = id_token_of(answer)
    assert claims["loa"] == "niedrig" and claims["amr"] == ["pwd"]  # self-declared until ELSTER
    info = userinfo(user_agent, answer["access_token"]).json
    organisation = info["organisation"]
    assert organisation["name"] == "Muster GmbH" and organisation["legal_form"] == "GmbH"
    assert organisation["register_number"] == "HRB 12345"
    assert organisation["register_court"] == "Amtsgericht Hamburg"
    assert organisation["address"] == {"street_address": "Hafenstraße 1", "postal_code": "20459",
                                       "locality": "Hamburg", "country": "DE"}
    assert organisation["id"] != business.organisation_id  # pairwise, not the database key
    assert info["roles"] == ["Sachbearbeitung"]
    assert info["given_name"] == "Anna"


def test_id_token_carries_organisation_and_roles_with_the_scope_alone(app, user_agent, business, make_client):
    """SPEC §6: the scope `organisation` is enough; the `claims` parameter is not needed."""
    from idp.consent.releases import DataRelease

    rp = anna_at_a_service(app, user_agent, business, make_client, roles=["Freigabe"])
    answer = tokens(user_agent, rp, scope=SCOPE)
    claims = id_token_of(answer)
    info = userinfo(user_agent, answer["access_token"]).json
    assert claims["roles"] == ["Freigabe"] == info["roles"]
    assert claims["organisation"] == info["organisation"] and claims["organisation"]["name"] == "Muster GmbH"
    # Only what the scope allows: the profile stays at userinfo.
    assert "given_name" not in claims
    with app.app_context():
        [release] = db.session.query(DataRelease).all()
    assert set(release.claims) == {"sub", "given_name", "family_name", "name", "organisation", "roles"}


def test_id_token_without_the_scope_carries_no_organisation(app, user_agent, business, make_client):
    rp = anna_at_a_service(app, user_agent, business, make_client, roles=["Freigabe"])
    claims = id_token_of(tokens(user_agent, rp, scope="openid profile"))
    assert "organisation" not in claims and "roles" not in claims


def test_organisation_id_is_stable_per_service_and_differs_between_services(app, user_agent, business, make_client):
    first = service(make_client, name="Dienst A")
    second = service(make_client, name="Dienst B", redirect_uri="http://127.0.0.1:9/b")
    for rp in (first, second):
        subscribe(app, business.organisation_id, rp.client_id)
        grant(app, business.accounts[ANNA], rp.client_id)
    log_in(user_agent, ANNA)
    ids = []
    for rp in (first, first, second):
        ids.append(userinfo(user_agent, tokens(user_agent, rp, scope=SCOPE)["access_token"]).json["organisation"]["id"])
    assert ids[0] == ids[1] != ids[2]


def test_roles_of_another_service_never_leak(app, user_agent, business, make_client):
    mine = service(make_client, name="Dienst A", roles=("Lesen", "Schreiben"))
    other = service(make_client, name="Dienst B", roles=("Geheim",), redirect_uri="http://127.0.0.1:9/b")
    for rp in (mine, other):
        subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], mine.client_id, roles=["Lesen"])
    grant(app, business.accounts[ANNA], other.client_id, roles=["Geheim"])
    log_in(user_agent, ANNA)
    info = userinfo(user_agent, tokens(user_agent, mine, scope=SCOPE, claims='{"id_token": {"roles": null}}')
                    ["access_token"]).json
    assert info["roles"] == ["Lesen"]
    answer = tokens(user_agent, mine, scope=SCOPE, claims='{"id_token": {"roles": null, "organisation": null}}')
    claims = pyjwt.decode(answer["id_token"], options={"verify_signature": False})
    assert claims["roles"] == ["Lesen"] and claims["organisation"]["name"] == "Muster GmbH"


def test_roles_from_groups_and_direct_grant_are_joined(app, user_agent, business, make_client):
    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id, roles=["Sachbearbeitung"])
    group_grant(app, business.organisation_id, business.accounts[ANNA], rp.client_id, roles=["Freigabe"])
    log_in(user_agent, ANNA)
    assert userinfo(user_agent, tokens(user_agent, rp, scope=SCOPE)["access_token"]).json["roles"] == [
        "Freigabe", "Sachbearbeitung"]


@pytest.mark.parametrize("situation, text", [
    ("not_subscribed", "nicht abonniert"),
    ("pending", "noch nicht freigeschaltet"),
    ("refused", "abgelehnt"),
    ("not_granted", "nicht berechtigt"),
])
def test_user_without_access_sees_why_and_service_gets_access_denied(app, user_agent, business, make_client,
                                                                      situation, text):
    rp = service(make_client)
    if situation != "not_subscribed":
        subscribe(app, business.organisation_id, rp.client_id,
                  status={"pending": "pending", "refused": "refused"}.get(situation, "active"))
    if situation in ("pending", "refused"):
        grant(app, business.accounts[ANNA], rp.client_id)
    log_in(user_agent, ANNA)
    url, page = refused_page(user_agent, rp)
    assert "Kein Zugang zu diesem Online-Dienst" in page and text in page
    assert ADMIN in page  # whom to ask
    r = user_agent.submit(url, {})
    assert_error_redirect(r, rp, "access_denied", app)


def test_administrators_use_services_only_when_switched_on(app, user_agent, business, make_client):
    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ADMIN], rp.client_id, roles=["Freigabe"])
    log_in(user_agent, ADMIN)
    _, page = refused_page(user_agent, rp)
    assert "Administratoren dürfen Online-Dienste nutzen" in page

    with app.app_context():
        db.session.get(Organisation, business.organisation_id).admins_use_services = True
        db.session.commit()
    info = userinfo(user_agent, tokens(user_agent, rp, scope=SCOPE)["access_token"]).json
    assert info["roles"] == ["Freigabe"]


def test_citizen_cannot_use_a_service_for_organisations(app, user_agent, make_account, make_client):
    make_account()
    rp = service(make_client)
    user_agent.login()
    _, page = refused_page(user_agent, rp)
    assert "nur Organisationen offen" in page


def test_organisation_account_cannot_use_a_citizen_service(app, user_agent, business, make_client):
    rp = service(make_client, audience="citizens")
    log_in(user_agent, ANNA)
    _, page = refused_page(user_agent, rp)
    assert "persönlichen Servicekonto" in page


def test_citizen_gets_no_organisation_claims_from_a_service_for_both(app, user_agent, make_account, make_client):
    make_account()
    rp = service(make_client, audience="both")
    user_agent.login()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1], scope=SCOPE))
    consent_page = user_agent.get(location(r))
    assert "Ihre Organisation" not in consent_page.text and "Vorname" in consent_page.text
    answer = tokens(user_agent, rp, scope=SCOPE)
    info = userinfo(user_agent, answer["access_token"]).json
    assert "organisation" not in info and "roles" not in info and info["given_name"] == "Erika"
    claims = id_token_of(answer)
    assert "organisation" not in claims and "roles" not in claims


def test_prompt_none_without_access_is_access_denied_at_once(app, user_agent, business, make_client):
    rp = service(make_client)
    log_in(user_agent, ANNA)
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1], scope=SCOPE, prompt="none"))
    assert_error_redirect(r, rp, "access_denied", app)


def test_a_revoked_grant_refuses_the_next_login(app, user_agent, business, make_client):
    """Entitlement is decided at the authorization endpoint: a code issued before a
    revocation is the service's to redeem once, and the next login is refused."""
    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id)
    log_in(user_agent, ANNA)
    code = obtain_code(user_agent, rp, scope=SCOPE)
    with app.app_context():
        from idp.organisations.models import ServiceGrant

        db.session.delete(db.session.get(ServiceGrant, (business.accounts[ANNA], rp.client_id)))
        db.session.commit()
    assert exchange(user_agent, rp, code).status_code == 200
    refused_page(user_agent, rp)


def test_organisation_user_and_citizen_are_separate_accounts(app, user_agent, business, make_account, make_client):
    """A person may have both; each login gives only its own account's data."""
    make_account(email="anna.privat@example.org", given_name="Anna", family_name="Privat")
    rp = service(make_client, audience="both")
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id)
    log_in(user_agent, ANNA)
    business_info = userinfo(user_agent, tokens(user_agent, rp, scope=SCOPE)["access_token"]).json
    citizen = Browserless(app)  # another browser
    citizen.login(email="anna.privat@example.org")
    citizen_info = userinfo(citizen, tokens(citizen, rp, scope=SCOPE)["access_token"]).json
    assert business_info["sub"] != citizen_info["sub"]
    assert "organisation" in business_info and "organisation" not in citizen_info
    with app.app_context():
        assert db.session.get(Account, business.accounts[ANNA]).kind == "organisation"


def _delegate(app, business, scope: str) -> None:
    """Ben is Anna's deputy from today, open-ended."""
    from idp.organisations.delegation import today
    from idp.organisations.models import Delegation

    with app.app_context():
        db.session.add(Delegation(organisation_id=business.organisation_id, principal_id=business.accounts[ANNA],
                                  deputy_id=business.accounts[BEN], starts_on=today(), scope=scope))
        db.session.commit()


def _act_as_deputy(user_agent):
    log_in(user_agent, BEN)
    page = user_agent.get("/vertretung")
    delegation_id = re.search(r'/vertretung/(\d+)/wahrnehmen', page.text).group(1)
    r = user_agent.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen")
    assert r.status_code == 302, r.text[:500]


def test_unrestricted_deputy_logs_in_for_the_colleague_as_actor(app, user_agent, business, make_client):
    from idp.oidc.claims import pairwise_subject
    from idp.organisations.models import DelegationEvent

    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id, roles=["Freigabe"])  # Ben has no grant of his own
    _delegate(app, business, "vollstaendig")
    _act_as_deputy(user_agent)

    answer = tokens(user_agent, rp, scope=SCOPE)
    claims = pyjwt.decode(answer["id_token"], options={"verify_signature": False})
    with app.app_context():
        secret = app.extensions["servicekonto.keys"].secret("pairwise")
        events = [(e.action, e.subject) for e in db.session.query(DelegationEvent).all()]
    assert claims["sub"] == pairwise_subject(secret, rp.client_id, business.accounts[ANNA])
    assert claims["act"] == {"sub": pairwise_subject(secret, rp.client_id, business.accounts[BEN])}
    info = userinfo(user_agent, answer["access_token"]).json
    assert info["roles"] == ["Freigabe"] and info["given_name"] == "Anna" and info["act"] == claims["act"]
    assert (delegations.LOGGED_IN, "Gewerbeanmeldung") in events


def test_deputy_for_mailboxes_only_may_not_use_services(app, user_agent, business, make_client):
    rp = service(make_client)
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id)
    grant(app, business.accounts[BEN], rp.client_id)
    _delegate(app, business, "postfach")
    _act_as_deputy(user_agent)
    _, page = refused_page(user_agent, rp)
    assert "nur den Zugriff auf Postfächer" in page


def test_organisation_user_below_the_services_level_is_not_sent_to_a_citizens_upgrade(app, user_agent, business,
                                                                                      make_client):
    rp = make_client(name="Vergabe", audience="organisations", min_loa="substanziell")
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[ANNA], rp.client_id)
    log_in(user_agent, ANNA)
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1], scope=SCOPE))
    page = user_agent.get(location(r)).text
    assert "Höheres Vertrauensniveau erforderlich" in page and "ELSTER-Organisationszertifikat" in page
    assert "Upgrade starten" not in page
