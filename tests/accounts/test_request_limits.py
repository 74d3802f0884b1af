"""Limits on what sends a mail or starts an eID transaction: per target address (3
within 15 minutes) and per source address (10 within 15 minutes), each with a clear
German message, the same for known and unknown addresses, and open again once the
window has passed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from idp import timeutil
from idp.authn import request_limits
from idp.authn.request_limits import PER_ACCOUNT_EID_STARTS, PER_SOURCE, PER_TARGET
from idp.extensions import db
from idp.loa import Level
from idp.mail.outbox import OutboxMail
from tests.conftest import Browserless, csrf_from
from tests.organisations.support import PASSWORD, make_organisation
from tests.support.registration import FORM
from tests.support.sessions import log_in_at_level

ELSEWHERE = {"REMOTE_ADDR": "192.0.2.77"}

# The German message, as the pages show it by default.
EXCEEDED = str(request_limits.EXCEEDED)


def mails_to(app, address: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(OutboxMail.recipient == address))


def agent_from(app, environ: dict | None = None) -> Browserless:
    agent = Browserless(app)
    if environ:
        agent.client.environ_base.update(environ)
    return agent


def reset(agent, email):
    return agent.submit("/passwort-vergessen", {"email": email})


@pytest.mark.parametrize("known", [True, False])
def test_password_reset_mails_per_address(app, user_agent, make_account, mail_worker_stopped, known):
    if known:
        make_account()
    for _ in range(PER_TARGET):
        assert "Wenn zu erika@example.org ein Servicekonto besteht" in reset(user_agent, "erika@example.org").text
    refused = reset(user_agent, "Erika@Example.org")
    assert refused.status_code == 400 and EXCEEDED in refused.text
    assert mails_to(app, "erika@example.org") == (PER_TARGET if known else 0)
    # Another source does not help: the limit belongs to the address.
    assert EXCEEDED in reset(agent_from(app, ELSEWHERE), "erika@example.org").text
    timeutil.travel(timedelta(minutes=16))
    assert "Wenn zu erika@example.org" in reset(user_agent, "erika@example.org").text


def test_password_reset_requests_per_source(app, user_agent, mail_worker_stopped):
    for n in range(PER_SOURCE):
        assert reset(user_agent, f"person{n}@example.org").status_code == 200
    refused = reset(user_agent, "noch-jemand@example.org")
    assert refused.status_code == 400 and EXCEEDED in refused.text
    assert reset(agent_from(app, ELSEWHERE), "noch-jemand@example.org").status_code == 200


def register(agent, email):
    agent.submit("/registrierung", {**FORM, "email": email})
    return agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})


def test_registrations_per_address_and_per_source(app, mail_worker_stopped):
    agent = agent_from(app)
    for _ in range(PER_TARGET):
        assert register(agent, "erika@example.org").status_code == 302
    refused = register(agent, "erika@example.org")
    assert refused.status_code == 400 and EXCEEDED in refused.text
    assert mails_to(app, "erika@example.org") == PER_TARGET
    for n in range(PER_SOURCE - PER_TARGET):
        assert register(agent, f"person{n}@example.org").status_code == 302
    assert EXCEEDED in register(agent, "noch-jemand@example.org").text
    assert register(agent_from(app, ELSEWHERE), "noch-jemand@example.org").status_code == 302


def test_email_changes_per_target_address(app, user_agent, make_account, mail_worker_stopped):
    make_account()
    user_agent.login()
    for _ in range(PER_TARGET):
        sent = user_agent.submit("/mein-bereich/e-mail", {"email": "neu@example.org", "email_repeat": "neu@example.org"})
        assert "Bestätigung versendet" in sent.text
    refused = user_agent.submit("/mein-bereich/e-mail", {"email": "neu@example.org", "email_repeat": "neu@example.org"})
    assert refused.status_code == 400 and EXCEEDED in refused.text
    assert 'value="neu@example.org"' in refused.text
    assert mails_to(app, "neu@example.org") == PER_TARGET


def test_invitations_per_source(app, user_agent, mail_worker_stopped):
    make_organisation(app)
    assert user_agent.login("admin@muster.example", PASSWORD).status_code == 302
    form = {"given_name": "Berta", "family_name": "Neu", "birth_date": "", "phone": ""}
    for n in range(PER_SOURCE):
        created = user_agent.submit("/administration/benutzer/neu", {**form, "email": f"berta{n}@muster.example"})
        assert created.status_code == 302, created.text[:500]
    refused = user_agent.submit("/administration/benutzer/neu", {**form, "email": "zuviel@muster.example"})
    assert refused.status_code == 400 and EXCEEDED in refused.text
    assert mails_to(app, "zuviel@muster.example") == 0


def test_eid_starts_per_source(app):
    agent = agent_from(app)
    for _ in range(PER_SOURCE):
        assert agent.get("/anmelden/eid").status_code == 302
    refused = agent.get("/anmelden/eid")
    assert refused.status_code == 429 and EXCEEDED in refused.text
    assert agent_from(app, ELSEWHERE).get("/anmelden/eid").status_code == 302


def test_eid_starts_per_account(app, make_account):
    account_id = make_account()
    for n in range(PER_ACCOUNT_EID_STARTS):
        # From other addresses each time: only the account's own limit counts here.
        agent = agent_from(app, {"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        log_in_at_level(app, agent, account_id, Level.NIEDRIG)
        assert agent.post("/mein-bereich/upgrade/eid", data={"csrf_token": _csrf(agent)}).status_code == 302
    agent = agent_from(app, {"REMOTE_ADDR": "192.0.2.200"})
    log_in_at_level(app, agent, account_id, Level.NIEDRIG)
    refused = agent.post("/mein-bereich/upgrade/eid", data={"csrf_token": _csrf(agent)})
    assert refused.status_code == 429 and EXCEEDED in refused.text


def _csrf(agent) -> str:
    return csrf_from(agent.get("/mein-bereich/upgrade").text)
