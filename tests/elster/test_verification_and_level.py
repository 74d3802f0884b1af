"""An answer that does not verify gets its own message and is audited as a failed
login; a certificate without the holder's names still logs in at `substanziell`
(SPEC §2: the ELSTER organisation certificate), without lifting the account's own
names."""
from __future__ import annotations

import base64
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest
from sqlalchemy import select

from elster_connector.app import UNREACHABLE
from elster_connector.errors import INVALID, NOT_VERIFIED
from idp.audit.models import AuditEvent
from idp.extensions import db
from idp.loa import Level
from tests.federation.saml.support import make_keypair
from tests.conftest import Browserless
from tests.support.flows import (Grant, authorize_query, consent, exchange, location, pkce_pair, query_of,
                                 userinfo)
from tests.support.organisations import grant, make_organisation, subscribe

from .support import follow, link_certificate, simulator_answer, start_link, start_login
from .test_rules import ADMIN, BERGER, PASSWORD, USER, current_session, link, message_in

NO_NAMES = "musterbau-ohne-namen"


@pytest.fixture
def org(app, live_server):
    return make_organisation(app)


def failed_logins(app) -> list[dict]:
    with app.app_context():
        return [event.details | {"account_id": event.account_id} for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "login.failed"))]


def post_answer(user_agent, acs_url: str, fields: dict):
    return follow(user_agent, user_agent.post(urlsplit(acs_url).path, data=fields))


def with_altered_signature(fields: dict) -> dict:
    raw = base64.b64decode(fields["SAMLResponse"])
    at = raw.index(b"SignatureValue>") + len(b"SignatureValue>")
    raw = raw[:at] + (b"B" if raw[at:at + 1] == b"A" else b"A") + raw[at + 1:]
    return {**fields, "SAMLResponse": base64.b64encode(raw).decode()}


# -- answers that do not verify ----------------------------------------------------------------
def test_an_altered_answer_is_refused_with_its_own_message_and_audited(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    acs_url, fields = simulator_answer(start_login(user_agent_2).text, BERGER)
    refused = post_answer(user_agent_2, acs_url, with_altered_signature(fields))
    assert refused.status_code == 400 and message_in(refused, NOT_VERIFIED)
    assert str(UNREACHABLE) not in refused.text and str(INVALID) not in refused.text
    assert 'href="/anmelden"' in refused.text  # back to the login, to try again
    assert failed_logins(app) == [{"method": "elster", "reason": "signature", "purpose": "login",
                                   "account_id": None}]
    assert current_session(app, org.accounts[ADMIN]).method == "password"  # nobody logged in with ELSTER


def test_an_answer_signed_with_a_key_elster_never_published_is_refused(app, org, user_agent, elster_simulator):
    user_agent.login(ADMIN, PASSWORD)
    start = start_link(user_agent)
    simulator = elster_simulator.simulator
    published, simulator.signing = simulator.signing, make_keypair("Nicht ELSTER")
    try:
        acs_url, fields = simulator_answer(start.text, BERGER)
    finally:
        simulator.signing = published
    refused = post_answer(user_agent, acs_url, fields)
    assert refused.status_code == 400 and message_in(refused, NOT_VERIFIED)
    assert failed_logins(app) == [{"method": "elster", "reason": "signature", "purpose": "link",
                                   "account_id": org.accounts[ADMIN]}]
    assert "Ihr ELSTER-Zertifikat ist hinterlegt" in link_certificate(user_agent, BERGER).text


def test_a_cancelled_login_is_audited_with_its_reason(app, org, user_agent):
    post_answer(user_agent, *simulator_answer(start_login(user_agent).text, None))
    assert [event["reason"] for event in failed_logins(app)] == ["cancelled"]


# -- no names from ELSTER ----------------------------------------------------------------------
def test_a_certificate_without_names_still_logs_in_at_substanziell(app, org, user_agent, user_agent_2,
                                                                  make_client):
    rp = make_client(name="Vergabe", audience="organisations", min_loa="substanziell")
    subscribe(app, org.organisation_id, rp.client_id)
    link(user_agent, ADMIN, BERGER)
    link(user_agent_2, USER, NO_NAMES)
    grant(app, org.accounts[USER], rp.client_id)
    agent = Browserless(app)
    verifier, challenge = pkce_pair()
    step_up = location(agent.get("/authorize", query_string=authorize_query(
        rp, challenge, scope="openid profile organisation")))
    record = query_of(step_up)["anfrage"]
    landed = location(post_answer(agent, *simulator_answer(start_login(agent, anfrage=record).text, NO_NAMES)))
    session = current_session(app, org.accounts[USER])
    assert (session.method, session.level) == ("elster", int(Level.SUBSTANZIELL))
    resumed = location(agent.get(landed))
    if "/zustimmung" in resumed:
        resumed = location(consent(agent, resumed))
    assert resumed.startswith(rp.redirect_uri), resumed
    answer = exchange(agent, rp, Grant(query_of(resumed)["code"], verifier, {})).json
    claims = pyjwt.decode(answer["id_token"], options={"verify_signature": False})
    assert claims["loa"] == "substanziell" and claims["amr"] == ["swk", "pwd"]
    info = userinfo(agent, answer["access_token"]).json
    assert info["organisation"]["name"] == "Musterbau GmbH"
    # The names were typed in at the registration: they stay unverified.
    assert info["given_name"] == "Anna" and "verified_claims" not in info
