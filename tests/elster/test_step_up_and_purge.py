"""A service that needs `substanziell`: an organisation user with a linked certificate
is sent to "Mit ElsterID" and comes back into the waiting request with ELSTER's level;
and `servicekonto purge` forgets trips to ELSTER and used assertion IDs."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import jwt as pyjwt
import pytest

from elster_connector.models import ElsterLogin, ElsterUsedAssertion
from idp import timeutil
from idp.extensions import db
from idp.maintenance import purge_expired
from tests.conftest import Browserless
from tests.support.flows import Grant, authorize_query, consent, exchange, location, pkce_pair, query_of
from tests.support.organisations import PASSWORD, grant, make_organisation, subscribe

from .support import link_certificate, simulator_answer, start_login, through_elster

ADMIN, USER = "admin@muster.example", "anna@muster.example"


@pytest.fixture
def linked(app, live_server):
    """Musterbau: the administrator linked the first certificate, Anna her own."""
    business = make_organisation(app)
    for email, certificate in ((ADMIN, "musterbau-berger"), (USER, "musterbau-krueger")):
        agent = Browserless(app)
        agent.login(email, PASSWORD)
        link_certificate(agent, certificate)
    return business


def test_step_up_to_substanziell_goes_through_mit_elsterid_and_keeps_the_request(app, user_agent, linked,
                                                                                make_client):
    rp = make_client(name="Vergabe", audience="organisations", min_loa="substanziell")
    subscribe(app, linked.organisation_id, rp.client_id)
    grant(app, linked.accounts[USER], rp.client_id)
    user_agent.login(USER, PASSWORD)
    verifier, challenge = pkce_pair()
    step_up = user_agent.get(location(user_agent.get(
        "/authorize", query_string=authorize_query(rp, challenge, scope="openid organisation"))))
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text and "Mit ElsterID fortfahren" in step_up.text
    onward = html.unescape(re.search(r'href="([^"]+)"><span class="kern-label">Mit ElsterID fortfahren',
                                     step_up.text)[1])
    back = through_elster(user_agent, user_agent.get(onward), "musterbau-krueger")
    resumed = location(user_agent.get(location(back)))
    if "/zustimmung" in resumed:
        resumed = location(consent(user_agent, resumed))
    assert resumed.startswith(rp.redirect_uri), resumed
    tokens = exchange(user_agent, rp, Grant(query_of(resumed)["code"], verifier, {}))
    claims = pyjwt.decode(tokens.json["id_token"], options={"verify_signature": False})
    assert claims["loa"] == "substanziell" and claims["amr"] == ["swk", "pwd"]


def test_a_user_without_own_certificate_is_told_to_ask_the_administration(app, user_agent, make_client):
    business = make_organisation(app)
    rp = make_client(name="Vergabe", audience="organisations", min_loa="substanziell")
    subscribe(app, business.organisation_id, rp.client_id)
    grant(app, business.accounts[USER], rp.client_id)
    user_agent.login(USER, PASSWORD)
    page = user_agent.get(location(user_agent.get("/authorize", query_string=authorize_query(rp, pkce_pair()[1]))))
    assert "ELSTER-Organisationszertifikat" in page.text and "Mit ElsterID fortfahren" not in page.text


def test_purge_forgets_old_trips_to_elster_and_expired_assertion_ids(app, linked, user_agent):
    simulator_answer(start_login(user_agent).text, None)  # a trip that never came back
    with app.app_context():
        assert db.session.query(ElsterLogin).count() == 1 and db.session.query(ElsterUsedAssertion).count() == 2
        timeutil.travel(timedelta(hours=1))
        counts = purge_expired()
        assert counts["ELSTER logins"] == 1 and counts["used ELSTER assertion IDs"] == 2
        assert db.session.query(ElsterLogin).count() == 0 and db.session.query(ElsterUsedAssertion).count() == 0
