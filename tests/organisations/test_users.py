""""Benutzer" through the test client: who may reach which user, the input rules for
new users and administrators, the last administrator, the 14-day activation link."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest

from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations import admins as admin_rules
from idp.organisations.models import OrganisationMember
from idp.organisations.users import ACTIVATION_PURPOSE
from tests.conftest import Browserless, csrf_from
from tests.organisations.support import PASSWORD, add_member, make_organisation
from tests.support.pages import error_of

ADMIN = "admin@muster.example"
USER = "user@muster.example"


def new_user_form(**overrides):
    form = {"given_name": "Berta", "family_name": "Neu", "birth_date": "", "phone": "", "email": "berta@muster.example"}
    return {**form, **overrides}


def path_of(link: str) -> str:
    return urlparse(link).path


def logged_in(user_agent, email=ADMIN):
    response = user_agent.login(email, PASSWORD)
    assert response.status_code == 302
    return user_agent


def account(app, account_id):
    with app.app_context():
        return db.session.get(Account, account_id)


def test_a_normal_user_gets_403_in_the_administration(app, user_agent):
    org = make_organisation(app, users=(USER,))
    logged_in(user_agent, USER)
    for path in ("/administration", "/administration/unternehmensdaten", "/administration/unternehmensdaten/loeschen",
                 "/administration/benutzer", "/administration/benutzer/neu",
                 f"/administration/benutzer/{org.admin_id}", f"/administration/benutzer/{org.admin_id}/e-mail",
                 f"/administration/benutzer/{org.admin_id}/loeschen"):
        assert user_agent.get(path).status_code == 403, path
    token = csrf_from(user_agent.get("/mein-bereich").text)
    response = user_agent.post(f"/administration/benutzer/{org.admin_id}/loeschen",
                               data={"confirm": "ja", "csrf_token": token})
    assert response.status_code == 403
    assert account(app, org.admin_id) is not None


def test_a_citizen_gets_403_in_the_administration(app, user_agent, make_account):
    make_account()
    logged_in(user_agent, "erika@example.org")
    assert user_agent.get("/administration/benutzer").status_code == 403


def test_an_administrator_never_reaches_the_users_of_another_organisation(app, user_agent):
    make_organisation(app)
    other = make_organisation(app, name="Andere AG", admin_email="chefin@andere.example", users=("leo@andere.example",))
    victim = other.members["leo@andere.example"]
    logged_in(user_agent)
    listing = user_agent.get("/administration/benutzer").text
    assert "leo@andere.example" not in listing and "chefin@andere.example" not in listing
    for suffix in ("", "/e-mail", "/loeschen"):
        assert user_agent.get(f"/administration/benutzer/{victim}{suffix}").status_code == 404
    token = csrf_from(listing)
    posts = {"": {"given_name": "Hack", "family_name": "Er", "is_admin": "ja"},
             "/e-mail": {"email": "hack@evil.example", "email_repeat": "hack@evil.example"},
             "/loeschen": {"confirm": "ja"}}
    for suffix, data in posts.items():
        response = user_agent.post(f"/administration/benutzer/{victim}{suffix}", data={**data, "csrf_token": token})
        assert response.status_code == 404, suffix
    leo = account(app, victim)
    assert leo.value("given_name") == "Max" and leo.email == "leo@andere.example"
    with app.app_context():
        assert not db.session.get(OrganisationMember, victim).is_admin


@pytest.mark.parametrize("overrides, field, message", [
    ({"is_admin": "ja", "birth_date": "01.01.1980"}, "phone", "Administratoren müssen telefonisch erreichbar sein"),
    ({"is_admin": "ja", "phone": "040 1234567", "birth_date": "01.01.2015"}, "birth_date",
     "Administratoren müssen volljährig sein"),
    ({"email": "bärbel@muster.example"}, "email", "keine Umlaute"),
    ({"email": ADMIN}, "email", "Diese E-Mail-Adresse gehört bereits zu einem Benutzer Ihrer Organisation"),
    ({"given_name": ""}, "given_name", "Vornamen"),
])
def test_new_user_refusals_keep_the_entries(app, user_agent, mailbox, overrides, field, message):
    make_organisation(app)
    logged_in(user_agent)
    form = new_user_form(**overrides)
    response = user_agent.submit("/administration/benutzer/neu", form)
    assert response.status_code == 400
    assert message in error_of(response.text, field)
    for name in ("family_name", "phone", "birth_date"):
        if form[name]:
            assert f'value="{form[name]}"' in response.text
    if overrides.get("is_admin"):
        assert re.search(r'id="is_admin" name="is_admin" value="ja" checked', response.text)
    with app.app_context():
        assert db.session.query(Account).count() == 1


def test_an_adult_administrator_with_phone_is_created_pending(app, user_agent, mailbox):
    org = make_organisation(app)
    logged_in(user_agent)
    response = user_agent.submit("/administration/benutzer/neu",
                                 new_user_form(is_admin="ja", phone="040 1234567", birth_date="01.01.1990"))
    assert response.status_code == 302
    with app.app_context():
        created = db.session.query(Account).filter_by(email="berta@muster.example").one()
        member = db.session.get(OrganisationMember, created.id)
        assert (created.kind, created.status, created.password_hash) == ("organisation", "pending", None)
        assert member.is_admin and member.organisation_id == org.organisation_id
    mail = mailbox.wait_for("berta@muster.example", "Ihr Zugang zum Servicekonto Business")
    assert "14 Tage gültig" in " ".join(mail.body.split())


def test_the_activation_link_is_valid_14_days(app, user_agent, mailbox):
    make_organisation(app)
    logged_in(user_agent)
    user_agent.submit("/administration/benutzer/neu", new_user_form())
    path = path_of(mailbox.wait_for("berta@muster.example", "Ihr Zugang").links()[0])

    timeutil.travel(timedelta(days=13, hours=23))
    invited = Browserless(app)
    still_valid = invited.get(path)
    assert still_valid.status_code == 200
    timeutil.travel(timedelta(days=14, minutes=1))
    expired = invited.get(path)
    assert expired.status_code == 400
    assert "Er ist 14 Tage gültig" in expired.text
    response = invited.post(path, data={"password": "Neues!Pw42", "password_repeat": "Neues!Pw42",
                                        "csrf_token": csrf_from(still_valid.text)})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Account).filter_by(email="berta@muster.example").one().status == "pending"


def test_activation_checks_the_password_policy(app, user_agent, mailbox):
    make_organisation(app)
    logged_in(user_agent)
    user_agent.submit("/administration/benutzer/neu", new_user_form())
    path = path_of(mailbox.wait_for("berta@muster.example", "Ihr Zugang").links()[0])
    invited = Browserless(app)
    weak = invited.submit(path, {"password": "kurz", "password_repeat": "kurz"})
    assert weak.status_code == 400 and 'id="password-fehler"' in weak.text
    mismatch = invited.submit(path, {"password": "Neues!Pw42", "password_repeat": "Neues!Pw43"})
    assert mismatch.status_code == 400 and 'id="password_repeat-fehler"' in mismatch.text
    done = invited.submit(path, {"password": "Neues!Pw42", "password_repeat": "Neues!Pw42"})
    assert done.status_code == 302 and done.headers["Location"].startswith("/mein-bereich")
    assert "Muster GmbH" in invited.get("/mein-bereich").text
    again = invited.get(path)
    assert again.status_code == 400 and "bereits verwendet" in again.text


def test_the_last_administrator_keeps_the_role(app, user_agent):
    org = make_organisation(app)
    logged_in(user_agent)
    form = {"given_name": "Ada", "family_name": "Admin", "birth_date": "01.02.1980", "phone": "040 123456"}
    response = user_agent.submit(f"/administration/benutzer/{org.admin_id}", form)
    assert response.status_code == 400
    assert str(admin_rules.LAST_ADMIN_KEEPS_ROLE) in response.text.replace("&#34;", '"')
    assert 'id="is_admin-fehler"' in response.text
    with app.app_context():
        assert db.session.get(OrganisationMember, org.admin_id).is_admin


def test_a_pending_administrator_does_not_count_as_second_administrator(app, user_agent):
    org = make_organisation(app)
    add_member(app, org.organisation_id, "neu@muster.example", is_admin=True, active=False)
    logged_in(user_agent)
    response = user_agent.submit(f"/administration/benutzer/{org.admin_id}",
                                 {"given_name": "Ada", "family_name": "Admin", "phone": "040 123456"})
    assert response.status_code == 400


def test_with_a_second_administrator_the_role_can_go(app, user_agent):
    org = make_organisation(app, admins=("zweite@muster.example",))
    logged_in(user_agent)
    response = user_agent.submit(f"/administration/benutzer/{org.admin_id}",
                                 {"given_name": "Ada", "family_name": "Admin", "phone": "040 123456"})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(OrganisationMember, org.admin_id).is_admin
    # No longer an administrator: the administration is closed to her from now on.
    assert user_agent.get("/administration/benutzer").status_code == 403


def test_the_last_administrator_cannot_be_deleted(app, user_agent):
    org = make_organisation(app)
    logged_in(user_agent)
    response = user_agent.submit(f"/administration/benutzer/{org.admin_id}/loeschen", {"confirm": "ja"})
    assert response.status_code == 400
    assert "kann nicht gelöscht werden" in response.text
    assert account(app, org.admin_id) is not None


def test_an_administrator_deletes_her_own_account_in_mein_bereich_only(app, user_agent):
    org = make_organisation(app, admins=("zweite@muster.example",))
    logged_in(user_agent)
    response = user_agent.submit(f"/administration/benutzer/{org.admin_id}/loeschen", {"confirm": "ja"})
    assert response.status_code == 400 and "Mein Bereich" in response.text
    assert account(app, org.admin_id) is not None


def test_the_last_administrator_cannot_delete_her_account_in_mein_bereich(app, user_agent):
    org = make_organisation(app, users=(USER,))
    logged_in(user_agent)
    response = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": PASSWORD})
    assert response.status_code == 400
    assert "einzige Administratorin bzw. der einzige Administrator" in response.text
    assert account(app, org.admin_id) is not None


def test_with_two_administrators_one_can_leave(app, user_agent):
    org = make_organisation(app, admins=("zweite@muster.example",))
    logged_in(user_agent)
    response = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": PASSWORD})
    assert response.status_code == 302
    assert account(app, org.admin_id) is None
    with app.app_context():
        assert admin_rules.may_leave(db.session.get(Account, org.members["zweite@muster.example"])) is False


def test_a_normal_user_may_always_leave(app, user_agent):
    org = make_organisation(app, users=(USER,))
    logged_in(user_agent, USER)
    assert user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": PASSWORD}).status_code == 302
    assert account(app, org.members[USER]) is None


def test_a_pending_users_address_changes_at_once_with_a_new_activation_link(app, user_agent, mailbox):
    org = make_organisation(app)
    pending = add_member(app, org.organisation_id, "alt@muster.example", active=False)
    logged_in(user_agent)
    response = user_agent.submit(f"/administration/benutzer/{pending}/e-mail",
                                 {"email": "neu@muster.example", "email_repeat": "neu@muster.example"})
    assert response.status_code == 200 and "Aktivierungslink wurde neu" in response.text
    assert account(app, pending).email == "neu@muster.example"
    mailbox.wait_for("neu@muster.example", "Ihr Zugang zum Servicekonto Business")
    with app.app_context():
        from idp.accounts.models import EmailLink
        assert db.session.query(EmailLink).filter_by(account_id=pending, purpose=ACTIVATION_PURPOSE,
                                                     used_at=None).count() == 1


def test_an_address_change_refuses_umlauts_and_taken_addresses(app, user_agent):
    org = make_organisation(app, users=(USER,))
    logged_in(user_agent)
    url = f"/administration/benutzer/{org.members[USER]}/e-mail"
    umlaut = user_agent.submit(url, {"email": "jürgen@muster.example", "email_repeat": "jürgen@muster.example"})
    assert umlaut.status_code == 400 and "keine Umlaute" in umlaut.text
    taken = user_agent.submit(url, {"email": ADMIN, "email_repeat": ADMIN})
    assert taken.status_code == 400 and "bereits zu einem Benutzer Ihrer Organisation" in taken.text
    same = user_agent.submit(url, {"email": USER, "email_repeat": USER})
    assert same.status_code == 400 and "bereits die E-Mail-Adresse dieser Person" in same.text
    assert account(app, org.members[USER]).email == USER


def test_citizen_only_pages_are_not_for_organisation_accounts(app, user_agent):
    """Servicekonto Plus and other states' accounts are for citizens: an organisation
    user neither upgrades nor links (the links are hidden, the pages answer 404)."""
    make_organisation(app, users=("max@muster.example",))
    user_agent.login(email="max@muster.example", password=PASSWORD)
    for path in ("/mein-bereich/upgrade", "/mein-bereich/upgrade/meldebehoerde", "/mein-bereich/ausweis",
                 "/mein-bereich/servicekonten"):
        assert user_agent.get(path).status_code == 404, path
    assert user_agent.submit("/mein-bereich", {}, action="/mein-bereich/upgrade/eid").status_code == 404
