"""The relying-side pages along the paths a citizen can take besides the happy one,
driven without a partner: the login in flight and its remote identity are put in
place as the back ends leave them, then the pages answer as they would after a
partner's answer. (The protocol parts are covered against pysaml2 and oidc-provider.)"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from federation import broker
from federation.models import FederatedLink
from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from tests.conftest import Browserless, csrf_from, pkce_pair, query_of
from tests.support.federation import add_oidc_partner, arrived
from tests.support.flows import authorize_query, consent, location


@pytest.fixture
def partner_id(app):
    return add_oidc_partner(app)


def account(app, email):
    with app.app_context():
        found = db.session.scalar(select(Account).where(Account.email == email))
        return None if found is None else (found.id, found.status)


def test_linking_needs_a_login_here_first(user_agent):
    r = user_agent.get("/anmelden/servicekonto?zweck=verbinden")
    assert r.status_code == 302 and r.location.startswith("/anmelden?next=")


def test_partner_answer_without_a_login_in_flight(user_agent, partner_id):
    r = user_agent.get("/anmelden/servicekonto/rueckkehr?code=abc&state=xyz")
    assert r.status_code == 400 and "keiner laufenden Anmeldung" in r.text


def test_take_over_with_a_bad_address_keeps_the_data(app, user_agent, partner_id):
    page = arrived(app, user_agent, partner_id)
    r = user_agent.submit(page, {"decision": "zustimmen", "email": "keine-adresse"})
    assert r.status_code == 400 and 'id="email-fehler"' in r.text and "Beispiel" in r.text
    r = user_agent.submit(page, {"decision": "zustimmen", "email": "berta@example.org"})
    assert r.status_code == 302 and account(app, "berta@example.org")[1] == "active"


def test_take_over_expires_with_the_login(app, user_agent, partner_id):
    page = arrived(app, user_agent, partner_id)
    timeutil.travel(broker.VALIDITY + timedelta(minutes=1))
    r = user_agent.get(page)
    assert r.status_code == 400 and "abgelaufen" in r.text


def test_other_address_activates_by_mail_then_the_partner_logs_in(app, user_agent, partner_id, mailbox):
    page = arrived(app, user_agent, partner_id)
    r = user_agent.submit(page, {"decision": "zustimmen", "email": "berta.neu@example.org"})
    assert "E-Mail-Adresse bestätigen" in r.text and account(app, "berta.neu@example.org")[1] == "pending"
    # Before activation the partner's login is no login here: the citizen is asked again.
    r = user_agent.client.get(arrived(app, user_agent, partner_id))
    assert r.status_code == 200 and "Daten übernehmen" in r.text
    open_activation_link(user_agent, mailbox, "berta.neu@example.org")
    assert account(app, "berta.neu@example.org")[1] == "active"
    r = user_agent.client.get(arrived(app, user_agent, partner_id))
    assert r.status_code == 302 and r.location.endswith("/mein-bereich")


def open_activation_link(user_agent, mailbox, email: str):
    """The newest activation link mailed to `email`, opened and confirmed."""
    link = next(x for x in mailbox.wait_for(email, "Aktivieren").links() if "aktivieren" in x)
    path = re.sub(r"^https?://[^/]+", "", link)
    return user_agent.client.post(path, data={"csrf_token": csrf_from(user_agent.get(path).text)})


def test_other_address_confirmed_continues_the_services_request(app, user_agent, partner_id, mailbox, make_client):
    rp = make_client()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1]))
    record_id = query_of(location(r))["anfrage"]
    page = arrived(app, user_agent, partner_id, record_id=record_id)
    r = user_agent.submit(page, {"decision": "zustimmen", "email": "berta.neu@example.org"})
    assert "E-Mail-Adresse bestätigen" in r.text and "beim Online-Dienst weiter" in r.text
    link = next(x for x in mailbox.wait_for("berta.neu@example.org", "Aktivieren").links() if "aktivieren" in x)
    # Opened in the mail program's browser: the request goes on there, as after a login.
    elsewhere = Browserless(app)
    r = elsewhere.submit(re.sub(r"^https?://[^/]+", "", link), {})
    assert r.location.endswith(f"/authorize/weiter/{record_id}")
    answer = location(consent(elsewhere, location(elsewhere.get(r.location))))
    assert answer.startswith(rp.redirect_uri + "?") and query_of(answer)["code"]


def test_a_remote_identity_links_to_one_account_only(app, user_agent, partner_id, make_account):
    make_account(email="erika@example.org")
    make_account(email="otto@example.org", given_name="Otto")
    user_agent.login("otto@example.org")
    page = arrived(app, user_agent, partner_id, purpose="link", account_id=account(app, "otto@example.org")[0])
    assert "Konten verbunden" in user_agent.submit(page, {"decision": "zustimmen"}).text

    erika = Browserless(app)
    erika.login()
    page = arrived(app, erika, partner_id, purpose="link", account_id=account(app, "erika@example.org")[0])
    r = erika.submit(page, {"decision": "zustimmen"})
    assert r.status_code == 400 and "bereits mit einem anderen Konto" in r.text
    with app.app_context():
        assert db.session.scalar(select(FederatedLink.account_id)) == account(app, "otto@example.org")[0]


def test_linking_in_another_login_is_refused(app, user_agent, partner_id, make_account):
    make_account(email="erika@example.org")
    make_account(email="otto@example.org", given_name="Otto")
    user_agent.login("otto@example.org")
    # The link was asked for by Erika's login; Otto is logged in now.
    page = arrived(app, user_agent, partner_id, purpose="link", account_id=account(app, "erika@example.org")[0])
    r = user_agent.get(page)
    assert r.status_code == 400 and "erneut an" in r.text


def test_partner_request_here_expires(app, user_agent, partner_id):
    from federation.models import AssertionRequest

    with app.app_context():
        db.session.add(AssertionRequest(id="anfrage-1", browser_digest="", partner_id=partner_id, request_id="_r1",
                                        acs_url="https://land-c.example/acs", attributes=[]))
        db.session.commit()
    timeutil.travel(timedelta(minutes=31))
    r = user_agent.get("/saml/anfrage/anfrage-1")
    assert r.status_code == 400 and "abgelaufen" in r.text
    timeutil.travel(None)
    r = user_agent.get("/saml/anfrage/anfrage-1")
    assert r.status_code == 302 and r.location.endswith("/saml/anfrage/anfrage-1/zustimmung")


def test_signing_up_again_before_activation_replaces_the_first_try(app, user_agent, partner_id, mailbox):
    """The first address was mistyped, or its mail never came: signing in at the
    partner again starts over, a fresh link goes out and the first one is dead."""
    page = arrived(app, user_agent, partner_id)
    user_agent.submit(page, {"decision": "zustimmen", "email": "berta.vertippt@example.org"})
    mailbox.wait_for("berta.vertippt@example.org", "Aktivieren")

    page = arrived(app, user_agent, partner_id)
    r = user_agent.submit(page, {"decision": "zustimmen", "email": "berta.neu@example.org"})
    assert r.status_code == 200 and "E-Mail-Adresse bestätigen" in r.text
    assert account(app, "berta.vertippt@example.org") is None
    assert account(app, "berta.neu@example.org")[1] == "pending"

    r = open_activation_link(user_agent, mailbox, "berta.vertippt@example.org")
    assert "Aktivierung nicht möglich" in r.text and account(app, "berta.neu@example.org")[1] == "pending"
    open_activation_link(user_agent, mailbox, "berta.neu@example.org")
    assert account(app, "berta.neu@example.org")[1] == "active"
    r = user_agent.client.get(arrived(app, user_agent, partner_id))
    assert r.status_code == 302 and r.location.endswith("/mein-bereich")
    with app.app_context():
        assert db.session.scalar(select(FederatedLink.account_id)) == account(app, "berta.neu@example.org")[0]


def test_linking_an_account_replaces_an_unactivated_sign_up_of_the_same_person(app, user_agent, partner_id, mailbox,
                                                                             make_account):
    page = arrived(app, user_agent, partner_id)
    user_agent.submit(page, {"decision": "zustimmen", "email": "berta.vertippt@example.org"})
    mailbox.wait_for("berta.vertippt@example.org", "Aktivieren")
    make_account(email="berta@example.org", given_name="Berta")
    berta = Browserless(app)
    berta.login("berta@example.org")
    page = arrived(app, berta, partner_id, purpose="link", account_id=account(app, "berta@example.org")[0])
    assert "Konten verbunden" in berta.submit(page, {"decision": "zustimmen"}).text
    assert account(app, "berta.vertippt@example.org") is None
    with app.app_context():
        assert db.session.scalar(select(FederatedLink.account_id)) == account(app, "berta@example.org")[0]
