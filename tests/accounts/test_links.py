"""Registration as the citizen sees it: the form, the overview, the activation mail and
its link (single-use, 24 h), and what happens to registrations nobody activates."""
import re
from datetime import timedelta

import pytest

from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from idp.maintenance import purge_expired
from idp.organisations.models import OrganisationMember
from tests.conftest import Browserless
from tests.organisations.support import add_member, make_organisation
from tests.support.flows import location, path_of
from tests.support.registration import (ACTIVATION_SUBJECT, FORM, WRONG_CREDENTIALS, activate, activation_path,
                                        can_log_in, register)


# -- the activation link -----------------------------------------------------------------------
def test_activation_link_completes_registration_and_logs_in(app, user_agent, mailbox):
    page = register(user_agent)
    assert "24 Stunden" in page.text
    path = activation_path(mailbox)
    assert not can_log_in(app)  # not before the link is used
    r = activate(user_agent, path)
    assert location(r).endswith("/mein-bereich?hinweis=aktiviert")
    home = user_agent.get(location(r))
    assert home.status_code == 200
    assert "Ihr Servicekonto ist aktiviert" in home.text
    assert "Erika" in home.text and "Mustermann" in home.text and "erika@example.org" in home.text
    assert can_log_in(app)


def test_activation_link_is_single_use(app, user_agent, mailbox):
    register(user_agent)
    path = activation_path(mailbox)
    assert location(activate(user_agent, path)).endswith("/mein-bereich?hinweis=aktiviert")
    again = activate(Browserless(app), path)
    assert again.status_code == 400
    assert "Dieser Aktivierungslink wurde bereits verwendet" in again.text
    assert "/mein-bereich" not in again.headers.get("Location", "")


def test_activation_link_is_valid_for_24_hours(app, user_agent, mailbox):
    register(user_agent)
    path = activation_path(mailbox)
    timeutil.travel(timedelta(hours=23, minutes=59))
    assert location(activate(user_agent, path)).endswith("/mein-bereich?hinweis=aktiviert")


def test_activation_link_expires_after_24_hours(app, user_agent, mailbox):
    register(user_agent)
    path = activation_path(mailbox)
    timeutil.travel(timedelta(hours=24, minutes=1))
    r = activate(user_agent, path)
    assert r.status_code == 400
    assert "Dieser Aktivierungslink ist abgelaufen. Bitte registrieren Sie sich erneut." in r.text
    assert not can_log_in(app)


def test_unknown_activation_link_is_refused(user_agent):
    r = activate(user_agent, "/registrierung/aktivieren/ausgedacht")
    assert r.status_code == 400 and "Dieser Aktivierungslink ist ungültig" in r.text


def test_registering_again_sends_a_fresh_link_and_the_old_one_stops(app, user_agent, mailbox):
    register(user_agent)
    first = activation_path(mailbox)
    mailbox.clear()
    register(Browserless(app), password="Neues-Passwort8", password_repeat="Neues-Passwort8")
    second = activation_path(mailbox)
    assert first != second
    assert activate(Browserless(app), first).status_code == 400
    assert location(activate(user_agent, second)).endswith("/mein-bereich?hinweis=aktiviert")
    # The newer registration is the one that counts.
    assert can_log_in(app, password="Neues-Passwort8")
    assert not can_log_in(app)


# -- the registration draft ----------------------------------------------------------------------
def test_draft_survives_failed_steps(app, user_agent, mailbox):
    # A password against the policy: the entries stay, the password does not.
    r = user_agent.submit("/registrierung", {**FORM, "password": "Qz7#", "password_repeat": "Qz7#"})
    assert r.status_code == 400
    assert "mindestens 8 Zeichen" in r.text
    for value in ("Erika", "Mustermann", "Dr.", "erika@example.org"):
        assert f'value="{value}"' in r.text
    assert "Qz7#" not in r.text
    # Passwords that differ: still nothing lost.
    r = user_agent.submit("/registrierung", {**FORM, "password_repeat": "Wald-und-Wiese8"})
    assert r.status_code == 400 and "Die Passwörter stimmen nicht überein." in r.text
    assert 'value="Mustermann"' in r.text
    # Now right: the overview shows the entries but never the password.
    r = user_agent.submit("/registrierung", FORM)
    overview = user_agent.get(location(r))
    assert "Erika" in overview.text and "Mustermann" in overview.text
    assert FORM["password"] not in overview.text and "wird nicht angezeigt" in overview.text
    # "Zurück": the form again, filled, with the password kept.
    r = user_agent.submit("/registrierung/uebersicht", {"action": "zurueck"})
    form = user_agent.get(location(r))
    assert 'value="Erika"' in form.text and 'value="erika@example.org"' in form.text
    assert "Sie haben bereits ein Passwort festgelegt" in form.text
    # Correct a name, keep the password by leaving both fields empty.
    r = user_agent.submit("/registrierung", {**FORM, "given_name": "Erika Maria", "password": "",
                                             "password_repeat": ""})
    assert path_of(location(r)) == "/registrierung/uebersicht"
    # "Servicekonto anlegen" without the consent: refused, entries kept.
    r = user_agent.submit("/registrierung/uebersicht", {"action": "anlegen"})
    assert r.status_code == 400
    assert "Bitte stimmen Sie der Datenverarbeitung zu" in r.text and "Erika Maria" in r.text
    r = user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert path_of(location(r)) == "/registrierung/gesendet"
    home = user_agent.get(location(activate(user_agent, activation_path(mailbox))))
    assert "Erika Maria" in home.text
    assert can_log_in(app)


def test_overview_without_a_draft_goes_back_to_the_form(user_agent):
    r = user_agent.get("/registrierung/uebersicht")
    assert path_of(location(r)) == "/registrierung"


# -- addresses that already have an account ----------------------------------------------------
def without_csrf_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', html)


def test_registered_address_gets_a_notice_instead_and_nothing_is_revealed(app, user_agent, mailbox, make_account):
    make_account(email="erika@example.org", password="ABab1234")
    fresh = without_csrf_token(register(Browserless(app), email="max@example.org").text)
    taken = without_csrf_token(register(user_agent, email="ERIKA@Example.org").text)
    assert taken == fresh  # the person at the form learns nothing (the page's forms carry per-session tokens)
    mail = mailbox.wait_for("erika@example.org", "Registrierung mit Ihrer E-Mail-Adresse")
    assert "bereits ein Servicekonto" in mail.body
    assert "/registrierung/aktivieren/" not in mail.body
    assert not [m for m in mailbox.mails
                if "erika@example.org" in [t.lower() for t in m.to] and m.subject == ACTIVATION_SUBJECT]
    # The account is unchanged: the old password works, the new one does not.
    assert can_log_in(app, password="ABab1234")
    assert not can_log_in(app, password=FORM["password"])


def test_a_pending_organisation_users_address_is_not_taken_over(app, user_agent, mailbox):
    """An invited user's account waits for its own activation link: a citizen's
    registration with that address neither replaces it nor reveals it."""
    org = make_organisation(app)
    invited = add_member(app, org.organisation_id, "erika@example.org", active=False)
    fresh = without_csrf_token(register(Browserless(app), email="max@example.org").text)
    taken = without_csrf_token(register(user_agent, email="erika@example.org").text)
    assert taken == fresh
    notice = mailbox.wait_for("erika@example.org", "Registrierung mit Ihrer E-Mail-Adresse")
    assert "noch nicht aktiviert" in notice.body and "/registrierung/aktivieren/" not in notice.body
    assert not [m for m in mailbox.mails
                if "erika@example.org" in [t.lower() for t in m.to] and m.subject == ACTIVATION_SUBJECT]
    with app.app_context():
        account = db.session.get(Account, invited)
        member = db.session.get(OrganisationMember, invited)
        assert (account.kind, account.status, account.password_hash) == ("organisation", "pending", None)
        assert member.organisation_id == org.organisation_id
        assert db.session.query(Account).filter_by(email_normalized="erika@example.org").count() == 1
    assert not can_log_in(app)


# -- purge -----------------------------------------------------------------------------------------
def test_purge_removes_registrations_not_activated_within_24_hours(app, user_agent, mailbox, make_account):
    make_account(email="aktiv@example.org")
    register(user_agent)
    path = activation_path(mailbox)
    timeutil.travel(timedelta(hours=23))
    with app.app_context():
        assert purge_expired()["unactivated accounts"] == 0
    timeutil.travel(timedelta(hours=24, minutes=1))
    with app.app_context():
        assert purge_expired()["unactivated accounts"] == 1
    timeutil.travel(None)
    r = activate(Browserless(app), path)
    assert r.status_code == 400 and "Aktivierungslink ist ungültig" in r.text
    assert can_log_in(app, email="aktiv@example.org", password="ABab1234")  # active accounts stay
    # The address is free again at once.
    mailbox.clear()
    register(Browserless(app))
    assert location(activate(Browserless(app), activation_path(mailbox))).endswith("/mein-bereich?hinweis=aktiviert")


@pytest.mark.parametrize("email", ["erika@example.org", "Erika@Example.ORG"])
def test_login_does_not_tell_whether_an_unactivated_address_exists(app, user_agent, mailbox, email):
    register(user_agent)
    r = Browserless(app).login(email=email, password=FORM["password"])
    unknown = Browserless(app).login(email="niemand@example.org", password=FORM["password"])
    assert r.status_code == unknown.status_code == 400
    assert WRONG_CREDENTIALS in r.text and WRONG_CREDENTIALS in unknown.text
