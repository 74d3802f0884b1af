"""The ELSTER rules of SPEC §6 through the pages and the ELSTER IdP simulator, without
a browser: who links which certificate, the locked organisation data, login,
registration "Mit ElsterID", unlinking, and the refusals with their own messages."""
from __future__ import annotations

import html
import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from elster_connector import app as elster_app
from elster_connector.errors import CANCELLED
from elster_connector.sp import TEST_ACCOUNT_REFUSED
from idp.authn.sessions import LoginSession
from idp.extensions import db
from idp.loa import Level
from idp.organisations import elster_links
from idp.accounts import deletion
from idp.audit.models import AuditEvent
from idp.organisations.company import delete_organisation
from idp.organisations.models import ElsterLink, ElsterOrganisation, Organisation
from tests.support.organisation_registration import ADMINISTRATOR, STEP2, activate, activation_link
from tests.support.organisations import PASSWORD, make_organisation

from tests.support.pages import error_of, is_disabled, value_of

from .support import (link_certificate, simulator_answer, start_link, start_login, start_registration,
                      through_elster)

ADMIN, USER = "admin@muster.example", "anna@muster.example"
BERGER, KRUEGER, NORDLICHT = "musterbau-berger", "musterbau-krueger", "nordlicht-vogt"
PRIVATE, TEST_ACCOUNT, HIGH = "privat-schmidt", "testkonto", "sicher-hartmann"
COMPANY = "/administration/unternehmensdaten"
MANAGE = "/mein-bereich/elster"


@pytest.fixture
def org(app, live_server):
    return make_organisation(app)


def text(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def message_in(page, message: str) -> bool:
    return " ".join(message.split()) in text(page)


def link(user_agent, email, certificate):
    user_agent.login(email, PASSWORD)
    return link_certificate(user_agent, certificate)


def organisation(app, organisation_id) -> Organisation:
    with app.app_context():
        return db.session.get(Organisation, organisation_id)


def current_session(app, account_id) -> LoginSession:
    with app.app_context():
        return db.session.scalars(select(LoginSession).where(LoginSession.account_id == account_id)
                                  .order_by(LoginSession.auth_time.desc())).first()


# -- linking -----------------------------------------------------------------------------------
def test_an_administrator_links_the_first_certificate_and_the_data_are_taken_and_locked(app, org, user_agent):
    done = link(user_agent, ADMIN, BERGER)
    assert done.status_code == 200 and "Ihr ELSTER-Zertifikat ist hinterlegt" in done.text
    saved = organisation(app, org.organisation_id)
    assert (saved.name, saved.legal_form, saved.register_number, saved.register_court) == (
        "Musterbau GmbH", "GmbH", "HRB 123456", "Amtsgericht Hamburg")
    assert (saved.street, saved.house_number, saved.postal_code, saved.city) == ("Hafenstraße", "12", "20457",
                                                                                "Hamburg")
    assert set(saved.locked_fields) == {"name", "legal_form", "register_number", "register_court", "street",
                                        "house_number", "postal_code", "city"}
    page = user_agent.get(COMPANY).text
    assert value_of(page, "name") == "Musterbau GmbH" and is_disabled(page, "name")
    forged = user_agent.submit(COMPANY, {"name": "Gefälscht AG", "street": "Hafenstraße", "house_number": "12",
                                         "postal_code": "20457", "city": "Hamburg"})
    assert forged.status_code == 400 and "aus ELSTER übernommen" in error_of(forged.text, "name")
    assert organisation(app, org.organisation_id).name == "Musterbau GmbH"
    with app.app_context():
        stored = db.session.get(ElsterLink, org.accounts[ADMIN])
        # Only a keyed digest of the certificate's pseudonym is kept.
        assert "sim-musterbau-berger" not in stored.certificate_digest and len(stored.certificate_digest) == 64


def test_declining_on_the_check_page_links_nothing(app, org, user_agent):
    user_agent.login(ADMIN, PASSWORD)
    check = through_elster(user_agent, start_link(user_agent), BERGER)
    assert "ELSTER-Zertifikat prüfen" in check.text and "Musterbau GmbH" in check.text
    assert user_agent.submit(check.request.path, {"decision": "abbrechen"}).status_code == 303
    with app.app_context():
        assert elster_links.linked_count(org.organisation_id) == 0
    assert organisation(app, org.organisation_id).locked_fields == []


def test_the_first_certificate_not_by_an_administrator_is_refused(app, org, user_agent):
    refused = link(user_agent, USER, KRUEGER)
    assert refused.status_code == 400 and message_in(refused, elster_links.FIRST_BY_ADMIN)
    assert organisation(app, org.organisation_id).locked_fields == []


def test_after_the_administrator_users_link_their_own(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    done = link(user_agent_2, USER, KRUEGER)
    assert "Ihr ELSTER-Zertifikat ist hinterlegt" in done.text
    with app.app_context():
        assert elster_links.linked_count(org.organisation_id) == 2


def test_a_certificate_of_another_organisation_is_refused(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    refused = link(user_agent_2, USER, NORDLICHT)
    assert refused.status_code == 400 and message_in(refused, elster_links.OTHER_ORGANISATION)


def test_a_certificate_linked_by_another_user_is_refused(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    refused = link(user_agent_2, USER, BERGER)
    assert refused.status_code == 400 and message_in(refused, elster_links.ALREADY_LINKED)


def test_a_private_certificate_is_refused(app, org, user_agent):
    refused = link(user_agent, ADMIN, PRIVATE)
    assert refused.status_code == 400 and message_in(refused, elster_links.PRIVATE_CERTIFICATE)


def test_citizen_accounts_cannot_use_elster(app, live_server, user_agent, make_account):
    make_account()
    user_agent.login()
    page = user_agent.get(MANAGE)
    assert page.status_code == 200 and message_in(page, elster_links.CITIZEN_ACCOUNT)
    assert "Zertifikat hinterlegen" not in page.text
    forged = user_agent.submit(MANAGE, {}, action="/mein-bereich/elster/hinterlegen")
    assert forged.status_code == 400 and message_in(forged, elster_links.CITIZEN_ACCOUNT)


# -- login -------------------------------------------------------------------------------------
def test_a_linked_certificate_logs_in_at_substanziell_with_swk_and_pwd(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    landed = through_elster(user_agent_2, start_login(user_agent_2), BERGER)
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/mein-bereich")
    session = current_session(app, org.accounts[ADMIN])
    assert (session.level, session.method, session.amr) == (int(Level.SUBSTANZIELL), "elster", ["swk", "pwd"])
    # The certificate proves the person at an ELSTER login only: the password stays niedrig.
    user_agent.login(ADMIN, PASSWORD)
    assert current_session(app, org.accounts[ADMIN]).level == int(Level.NIEDRIG)


def test_a_certificate_at_level_hoch_gives_substanziell_never_more(app, live_server, user_agent, user_agent_2):
    built = make_organisation(app, admin="chef@sicher.example", users=())
    link(user_agent, "chef@sicher.example", HIGH)
    through_elster(user_agent_2, start_login(user_agent_2), HIGH)
    session = current_session(app, built.accounts["chef@sicher.example"])
    assert session.method == "elster" and session.level == int(Level.SUBSTANZIELL)


def test_an_unlinked_certificate_does_not_log_in(app, org, user_agent):
    refused = through_elster(user_agent, start_login(user_agent), KRUEGER)
    assert refused.status_code == 400 and message_in(refused, elster_links.NOT_LINKED)
    with app.app_context():
        failed = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "login.failed")).one()
        assert failed.details == {"method": "elster", "reason": "certificate_not_linked"}


def test_deleting_the_organisation_takes_its_certificate_links_along(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    link(user_agent_2, USER, KRUEGER)
    with app.app_context():
        delete_organisation(db.session.get(Organisation, org.organisation_id))
        assert db.session.scalars(select(ElsterLink)).all() == []
        assert db.session.scalars(select(ElsterOrganisation)).all() == []
    # The company's certificates can register or be linked anew.
    registration = through_elster(user_agent, start_registration(user_agent), BERGER)
    assert registration.status_code == 200 and "aus ELSTER übernommen" in registration.text


def test_cancelling_at_elster_logs_nobody_in(app, org, user_agent):
    refused = through_elster(user_agent, start_login(user_agent), None)
    assert refused.status_code == 400 and message_in(refused, CANCELLED)


@contextmanager
def production_configuration(app):
    services = elster_app.services(app)
    services.accept_test_accounts = False
    try:
        yield
    finally:
        services.accept_test_accounts = True


def test_a_test_account_is_refused_in_production_configuration(app, live_server, user_agent):
    make_organisation(app, admin="test@testfirma.example", users=())
    with production_configuration(app):
        refused = link(user_agent, "test@testfirma.example", TEST_ACCOUNT)
    assert refused.status_code == 400 and message_in(refused, TEST_ACCOUNT_REFUSED)
    assert "Ihr ELSTER-Zertifikat ist hinterlegt" in link(user_agent, "test@testfirma.example", TEST_ACCOUNT).text


def test_an_answer_is_used_once_and_only_by_the_browser_that_started(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    start = start_login(user_agent)
    acs_url, fields = simulator_answer(start.text, BERGER)
    stranger = user_agent_2
    back = stranger.post(urlsplit(acs_url).path, data=fields)
    assert back.status_code == 303
    refused = stranger.get(urlsplit(back.headers["Location"]).path)
    assert refused.status_code == 400 and "gehört nicht zu diesem Browser" in refused.text
    replayed = user_agent.post(urlsplit(acs_url).path, data=fields)
    assert replayed.status_code == 400 and "gehört zu keiner laufenden Anmeldung" in replayed.text


# -- unlinking ---------------------------------------------------------------------------------
def test_unlinking_unlocks_the_data_only_when_no_certificate_is_left(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    link(user_agent_2, USER, KRUEGER)
    assert user_agent_2.submit(MANAGE, {}, action="/mein-bereich/elster/loesen").status_code == 303
    assert organisation(app, org.organisation_id).locked_fields != []
    unlinked = user_agent.submit(MANAGE, {}, action="/mein-bereich/elster/loesen")
    target = urlsplit(unlinked.headers["Location"])
    assert "ELSTER-Verknüpfung ist gelöst" in user_agent.get(f"{target.path}?{target.query}").text
    assert organisation(app, org.organisation_id).locked_fields == []
    with app.app_context():
        assert elster_links.linked_count(org.organisation_id) == 0
    page = user_agent.get(COMPANY).text
    assert not is_disabled(page, "name")
    # Unbound, the organisation may link a certificate of another company again.
    assert "Ihr ELSTER-Zertifikat ist hinterlegt" in link(user_agent, ADMIN, NORDLICHT).text


def test_deleting_the_last_linked_user_unlocks_the_data(app, org, user_agent, user_agent_2):
    link(user_agent, ADMIN, BERGER)
    link(user_agent_2, USER, KRUEGER)
    user_agent.submit(MANAGE, {}, action="/mein-bereich/elster/loesen")
    assert organisation(app, org.organisation_id).locked_fields != []
    with app.app_context():
        deletion.delete_account(org.accounts[USER])
    assert organisation(app, org.organisation_id).locked_fields == []


# -- registration "Mit ElsterID" ---------------------------------------------------------------
def test_registration_with_elster_prefills_and_locks_and_links_the_administrator(app, live_server, user_agent,
                                                                                user_agent_2, mailbox):
    page = through_elster(user_agent, start_registration(user_agent), BERGER)
    assert page.status_code == 200
    assert value_of(page.text, "name") == "Musterbau GmbH" and is_disabled(page.text, "name")
    assert "aus ELSTER übernommen" in page.text
    forged = user_agent.submit("/organisation/registrierung", {"name": "Gefälscht AG", "po_box": ""})
    assert forged.status_code == 400 and "aus ELSTER übernommen" in error_of(forged.text, "name")
    assert user_agent.submit("/organisation/registrierung", {"po_box": ""}).headers["Location"] == STEP2
    admin_page = user_agent.get(STEP2).text
    assert 'value="Anna"' in admin_page and 'value="Berger"' in admin_page
    assert user_agent.submit(STEP2, {**ADMINISTRATOR, "given_name": "Anna", "family_name": "Berger",
                                     "action": "weiter"}).status_code == 302
    user_agent.submit("/organisation/registrierung/online-dienste", {"action": "weiter"})
    created = user_agent.submit("/organisation/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert created.headers["Location"].endswith("/gesendet")
    activate(user_agent, activation_link(mailbox))
    with app.app_context():
        saved = db.session.scalar(select(Organisation).where(Organisation.name == "Musterbau GmbH"))
        assert saved.is_active and "register_number" in saved.locked_fields and saved.register_number == "HRB 123456"
        assert elster_links.linked_count(saved.id) == 1
    assert through_elster(user_agent_2, start_login(user_agent_2), BERGER).headers["Location"].endswith(
        "/mein-bereich")


@pytest.mark.parametrize("certificate, message", [
    (PRIVATE, elster_links.PRIVATE_CERTIFICATE),
    (BERGER, elster_links.ALREADY_LINKED),
    (KRUEGER, elster_links.ORGANISATION_TAKEN),
])
def test_registration_with_elster_refusals(app, org, user_agent, user_agent_2, certificate, message):
    link(user_agent, ADMIN, BERGER)
    refused = through_elster(user_agent_2, start_registration(user_agent_2), certificate)
    assert refused.status_code == 400 and message_in(refused, message)


def test_our_sp_metadata_is_published(app, user_agent):
    answer = user_agent.get("/elster/metadata")
    assert answer.status_code == 200 and answer.mimetype == "application/samlmetadata+xml"
    assert b"/elster/acs" in answer.data and b"DatenuebermittlerPseudonymId" in answer.data
