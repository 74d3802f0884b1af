""""Unternehmensdaten" and "Unternehmen löschen" through the test client: input
rules, fields locked by ELSTER, who may, and what the deletion takes along."""
from __future__ import annotations

import re

from idp.accounts.models import Account
from idp.extensions import db
from idp.organisations.models import Group, Organisation, OrganisationMember
from tests.conftest import csrf_from
from tests.organisations.support import PASSWORD, make_organisation

ADMIN = "admin@muster.example"
COMPANY = "/administration/unternehmensdaten"
FORM = {"name": "Muster GmbH", "legal_form": "GmbH", "register_number": "HRB 12345", "register_court": "Hamburg",
        "street": "Hauptstraße", "house_number": "1", "postal_code": "20095", "city": "Hamburg", "po_box": ""}


def organisation(app, organisation_id):
    with app.app_context():
        return db.session.get(Organisation, organisation_id)


def test_company_data_are_saved_and_optional_fields_may_stay_empty(app, user_agent):
    org = make_organisation(app)
    user_agent.login(ADMIN, PASSWORD)
    response = user_agent.submit(COMPANY, {**FORM, "name": "Muster & Söhne GmbH", "po_box": "123456",
                                           "admins_use_services": "ja"})
    assert response.status_code == 302
    saved = organisation(app, org.organisation_id)
    assert (saved.name, saved.po_box, saved.register_number, saved.admins_use_services) == \
        ("Muster & Söhne GmbH", "123456", "HRB 12345", True)
    user_agent.submit(COMPANY, {**FORM, "legal_form": "", "register_number": ""})
    saved = organisation(app, org.organisation_id)
    assert (saved.legal_form, saved.register_number, saved.admins_use_services) == (None, None, False)


def test_refused_company_data_keep_the_entries_and_change_nothing(app, user_agent):
    org = make_organisation(app)
    user_agent.login(ADMIN, PASSWORD)
    response = user_agent.submit(COMPANY, {**FORM, "name": "Muster [GmbH]", "postal_code": "2009",
                                           "po_box": "12", "city": "Lübeck", "admins_use_services": "ja"})
    assert response.status_code == 400
    for name in ("name", "postal_code", "po_box"):
        assert f'id="{name}-fehler"' in response.text
    assert 'value="Lübeck"' in response.text
    assert re.search(r'id="admins_use_services" name="admins_use_services" value="ja" checked', response.text)
    saved = organisation(app, org.organisation_id)
    assert (saved.name, saved.city, saved.admins_use_services) == ("Muster GmbH", "Hamburg", False)


def test_fields_from_elster_are_read_only_and_a_forged_change_is_refused(app, user_agent):
    org = make_organisation(app, register_number="HRB 1")
    with app.app_context():
        db.session.get(Organisation, org.organisation_id).locked_fields = ["name", "register_number"]
        db.session.commit()
    user_agent.login(ADMIN, PASSWORD)
    page = user_agent.get(COMPANY).text
    assert re.search(r'<input class="kern-form-input__input" id="name" name="name" type="text" value="Muster GmbH"[^>]* disabled', page)
    assert "aus ELSTER übernommen" in page
    # The disabled fields are not sent; the rest is saved.
    form = {k: v for k, v in FORM.items() if k not in ("name", "register_number")}
    assert user_agent.submit(COMPANY, {**form, "city": "Altona"}).status_code == 302
    assert organisation(app, org.organisation_id).city == "Altona"
    # Sent anyway with the same value: nothing changes, nothing is refused.
    assert user_agent.submit(COMPANY, {**FORM, "register_number": "HRB 1", "city": "Altona"}).status_code == 302
    forged = user_agent.submit(COMPANY, {**FORM, "name": "Gefälscht AG", "register_number": "HRB 1"})
    assert forged.status_code == 400
    assert re.search(r'id="name-fehler">.*aus ELSTER übernommen und kann hier nicht geändert werden', forged.text, re.S)
    assert 'value="Gefälscht AG"' not in forged.text
    saved = organisation(app, org.organisation_id)
    assert (saved.name, saved.city) == ("Muster GmbH", "Altona")


def test_deleting_the_organisation_needs_confirmation_and_password(app, user_agent):
    org = make_organisation(app)
    user_agent.login(ADMIN, PASSWORD)
    url = COMPANY + "/loeschen"
    unconfirmed = user_agent.submit(url, {"password": PASSWORD})
    assert unconfirmed.status_code == 400 and 'id="confirm-fehler"' in unconfirmed.text
    wrong = user_agent.submit(url, {"confirm": "ja", "password": "Falsch!123"})
    assert wrong.status_code == 400 and "Das Passwort ist nicht korrekt." in wrong.text
    assert organisation(app, org.organisation_id) is not None


def test_deleting_the_organisation_takes_everything_of_it_and_nothing_else(app, user_agent, make_account):
    org = make_organisation(app, admins=("zweite@muster.example",), users=("user@muster.example",))
    other = make_organisation(app, name="Andere AG", admin_email="chefin@andere.example")
    citizen = make_account()
    with app.app_context():
        db.session.add(Group(organisation_id=org.organisation_id, name="Buchhaltung"))
        db.session.commit()
    user_agent.login(ADMIN, PASSWORD)
    response = user_agent.submit(COMPANY + "/loeschen", {"confirm": "ja", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/administration/unternehmen-geloescht"
    with app.app_context():
        assert db.session.get(Organisation, org.organisation_id) is None
        assert db.session.query(Group).count() == 0
        for account_id in (org.admin_id, *org.members.values()):
            assert db.session.get(Account, account_id) is None
            assert db.session.get(OrganisationMember, account_id) is None
        assert db.session.get(Organisation, other.organisation_id) is not None
        assert db.session.get(Account, other.admin_id) is not None
        assert db.session.get(Account, citizen) is not None
    # Logged out.
    assert user_agent.get("/mein-bereich").status_code == 302


def test_a_forged_deletion_without_admin_role_is_refused(app, user_agent):
    org = make_organisation(app, users=("user@muster.example",))
    user_agent.login("user@muster.example", PASSWORD)
    token = csrf_from(user_agent.get("/mein-bereich").text)
    response = user_agent.post(COMPANY + "/loeschen", data={"confirm": "ja", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 403
    assert organisation(app, org.organisation_id) is not None
