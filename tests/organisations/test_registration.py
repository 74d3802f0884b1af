"""Registration of an organisation through the pages, without a browser (SPEC §6):
the rules of each step, what is kept, completion and the activation link."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from idp import timeutil
from idp.accounts.models import Account, RegistrationDraft
from idp.extensions import db
from idp.organisations.models import Organisation, OrganisationMember, ServiceSubscription
from tests.support.organisation_registration import (ADMINISTRATOR, ORGANISATION, OVERVIEW, PASSWORD, START, STEP2,
                                                     STEP3, activate, activation_link)
from tests.support.pages import error_of, value_of


def birth_date_years_ago(years: int, days: int = 0) -> str:
    today = timeutil.utcnow().date()
    # 29 February: the birthday of a year without it is counted from 1 March.
    born = date(today.year - years, 3, 1) if (today.month, today.day) == (2, 29) else today.replace(
        year=today.year - years)
    return (born + timedelta(days=days)).strftime("%d.%m.%Y")


def organisation_step(user_agent, **changes):
    return user_agent.submit(START, {**ORGANISATION, **changes})


def administrator_step(user_agent, **changes):
    return user_agent.submit(STEP2, {**ADMINISTRATOR, "action": "weiter", **changes})


def services_step(user_agent, client_ids=(), action="weiter"):
    page = user_agent.get(STEP3)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return user_agent.post(STEP3, data={"csrf_token": token, "services": list(client_ids), "action": action})


def until_overview(user_agent, client_ids=(), **admin):
    assert organisation_step(user_agent).headers["Location"] == STEP2
    assert administrator_step(user_agent, **admin).headers["Location"] == STEP3
    assert services_step(user_agent, client_ids).headers["Location"] == OVERVIEW


def create(user_agent, client_ids=(), **admin):
    until_overview(user_agent, client_ids, **admin)
    response = user_agent.submit(OVERVIEW, {"consent": "ja", "action": "anlegen"})
    assert response.headers["Location"] == START + "/gesendet"
    return response


@pytest.fixture
def services(make_client):
    """One service with automatic approval, one approved by its Leitstelle, one for citizens only."""
    return {
        "auto": make_client(name="Gewerbeanzeige", audience="organisations").client_id,
        "leitstelle": make_client(name="Zollauskunft", audience="both", approval="leitstelle").client_id,
        "citizens": make_client(name="Wohngeld", audience="citizens").client_id,
    }


# -- step 1: the organisation ---------------------------------------------------------------
def test_the_start_page_is_step_one(user_agent):
    page = user_agent.get(START)
    assert page.status_code == 200
    assert "<h1>Organisation registrieren</h1>" in page.text
    for label in ("Name der Organisation", "Rechtsform", "Handelsregisternummer", "Registergericht", "Postfach"):
        assert f">{label}" in page.text


def test_name_with_angle_bracket_is_refused_and_entries_kept(user_agent):
    response = organisation_step(user_agent, name="Muster <GmbH>")
    assert response.status_code == 400
    assert error_of(response.text, "name") == 'Der Name der Organisation darf die Zeichen " < > { } [ ] nicht enthalten.'
    assert value_of(response.text, "name") == "Muster <GmbH>"
    assert value_of(response.text, "register_number") == "HRB 12345"
    assert value_of(response.text, "city") == "Hamburg"


@pytest.mark.parametrize("name", ["A{B}", "A[B]", 'A"B', "x" * 41, ""])
def test_other_refused_names(user_agent, name):
    response = organisation_step(user_agent, name=name)
    assert response.status_code == 400
    assert error_of(response.text, "name")


def test_po_box_with_fifteen_digits_is_accepted(user_agent):
    assert organisation_step(user_agent, po_box="123456789012345").headers["Location"] == STEP2
    assert value_of(user_agent.get(START).text, "po_box") == "123456789012345"


def test_po_box_with_three_digits_is_refused(user_agent):
    response = organisation_step(user_agent, po_box="123")
    assert response.status_code == 400
    assert error_of(response.text, "po_box") == "Die Postfachnummer besteht aus 4 bis 20 Ziffern."
    assert value_of(response.text, "po_box") == "123"


def test_later_steps_wait_for_the_earlier_ones(user_agent):
    assert user_agent.get(STEP2).headers["Location"] == START
    assert user_agent.get(OVERVIEW).headers["Location"] == START
    organisation_step(user_agent)
    assert user_agent.get(STEP3).headers["Location"] == STEP2
    # A refused change of step 1 closes the later steps again.
    organisation_step(user_agent, postal_code="2045")
    assert user_agent.get(STEP2).headers["Location"] == START


# -- step 2: the administrator --------------------------------------------------------------
@pytest.mark.parametrize("changes, field, message", [
    ({"birth_date": None}, "birth_date", "Administratoren müssen volljährig sein (mindestens 18 Jahre)."),
    ({"phone": ""}, "phone", "Bitte geben Sie eine Telefonnummer an. Administratoren müssen telefonisch "
                             "erreichbar sein."),
    ({"email": "jürgen@muster.example"}, "email", "Die E-Mail-Adresse darf keine Umlaute (ä, ö, ü) und kein ß "
                                                  "enthalten."),
    ({"password": "sonnenblume", "password_repeat": "sonnenblume"}, "password",
     "Das Passwort muss mindestens zwei der drei Bedingungen erfüllen: Groß- und Kleinbuchstaben, mindestens "
     "eine Ziffer, mindestens ein Sonderzeichen."),
    ({"password_repeat": "Sonnenblume-43"}, "password_repeat", "Die Passwörter stimmen nicht überein."),
])
def test_administrator_refusals_keep_the_entries(user_agent, changes, field, message):
    if changes.get("birth_date", "") is None:
        changes = {"birth_date": birth_date_years_ago(18, days=1)}  # 18 tomorrow
    organisation_step(user_agent)
    response = administrator_step(user_agent, **changes)
    assert response.status_code == 400
    assert error_of(response.text, field) == message
    entered = {**ADMINISTRATOR, **changes}
    for name in ("given_name", "family_name", "birth_date", "phone", "email"):
        assert value_of(response.text, name) == entered[name]
    assert PASSWORD not in response.text


def test_administrator_who_turns_eighteen_today_is_accepted(user_agent):
    organisation_step(user_agent)
    response = administrator_step(user_agent, birth_date=birth_date_years_ago(18))
    assert response.headers["Location"] == STEP3


def test_back_from_step_two_keeps_both_steps(user_agent):
    organisation_step(user_agent, po_box="4711")
    response = administrator_step(user_agent, action="zurueck", given_name="Anna", phone="")
    assert response.headers["Location"] == START
    page = user_agent.get(START).text
    assert value_of(page, "name") == "Muster & Söhne GmbH"
    assert value_of(page, "po_box") == "4711"
    # Step 2 again: what was typed before going back is there, even the refused empty phone.
    assert organisation_step(user_agent, po_box="4711").headers["Location"] == STEP2
    page = user_agent.get(STEP2).text
    assert value_of(page, "given_name") == "Anna"
    assert value_of(page, "phone") == ""


def test_coming_back_keeps_the_password(user_agent, services):
    until_overview(user_agent)
    page = user_agent.get(STEP2).text
    assert "Sie haben bereits ein Passwort festgelegt." in page
    response = administrator_step(user_agent, password="", password_repeat="", given_name="Anne")
    assert response.headers["Location"] == STEP3
    # With a new address the password must be given again (it may not contain the address).
    response = administrator_step(user_agent, password="", password_repeat="", email="anne@muster.example")
    assert error_of(response.text, "password") == ("Sie haben Ihre E-Mail-Adresse geändert. Bitte geben Sie Ihr "
                                                   "Passwort erneut ein.")


# -- step 3: online services ----------------------------------------------------------------
def test_services_for_organisations_are_offered_with_their_approval(user_agent, services):
    organisation_step(user_agent)
    administrator_step(user_agent)
    page = user_agent.get(STEP3).text
    assert "Gewerbeanzeige" in page and "Zollauskunft" in page
    assert "Wohngeld" not in page
    assert "sofort nutzbar (automatische Freischaltung)" in page
    assert "nutzbar nach Freischaltung durch die Fachliche Leitstelle" in page


def test_without_services_for_organisations_the_step_says_so(user_agent):
    organisation_step(user_agent)
    administrator_step(user_agent)
    assert "Derzeit werden keine Online-Dienste für Organisationen angeboten." in user_agent.get(STEP3).text
    assert services_step(user_agent).headers["Location"] == OVERVIEW
    assert "Keine ausgewählt." in user_agent.get(OVERVIEW).text


def test_a_service_not_offered_to_organisations_is_refused(user_agent, services):
    organisation_step(user_agent)
    administrator_step(user_agent)
    response = services_step(user_agent, [services["citizens"]])
    assert response.status_code == 400
    assert error_of(response.text, "services") == "Bitte wählen Sie nur Online-Dienste aus der Liste."


def test_back_from_the_overview_keeps_everything(user_agent, services):
    until_overview(user_agent, [services["leitstelle"]])
    overview = user_agent.get(OVERVIEW).text
    for text in ("Muster &amp; Söhne GmbH", "HRB 12345", "Erika", "24.12.1980", "040 123456", "erika@muster.example",
                 "Zollauskunft", "wird nicht angezeigt"):
        assert text in overview
    assert PASSWORD not in overview
    assert user_agent.submit(OVERVIEW, {"action": "zurueck"}).headers["Location"] == STEP3
    page = user_agent.get(STEP3).text
    assert re.search(rf'value="{services["leitstelle"]}"[^>]*checked', page)
    assert not re.search(rf'value="{services["auto"]}"[^>]*checked', page)
    assert services_step(user_agent, [services["leitstelle"]], action="zurueck").headers["Location"] == STEP2
    assert value_of(user_agent.get(STEP2).text, "email") == "erika@muster.example"
    assert value_of(user_agent.get(START).text, "register_court") == "Amtsgericht Hamburg"


# -- overview, consent, completion ----------------------------------------------------------
def test_no_consent_no_organisation(user_agent, app_ctx):
    until_overview(user_agent)
    response = user_agent.submit(OVERVIEW, {"action": "anlegen"})
    assert response.status_code == 400
    assert error_of(response.text, "consent") == ("Bitte stimmen Sie der Datenverarbeitung zu, um das "
                                                  "Servicekonto Business anzulegen.")
    assert "erika@muster.example" in response.text
    assert db.session.scalar(select(Organisation)) is None


def test_servicekonto_business_anlegen_creates_pending_organisation_and_administrator(user_agent, mailbox, app_ctx):
    create(user_agent)
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.name, organisation.status, organisation.register_number) == (
        "Muster & Söhne GmbH", "pending", "HRB 12345")
    assert organisation.po_box is None and organisation.created_at is not None
    account = db.session.scalar(select(Account))
    assert (account.email, account.kind, account.status) == ("erika@muster.example", "organisation", "pending")
    assert {a.name: a.value for a in account.attributes} == {
        "given_name": "Erika", "family_name": "Muster", "birth_date": "24.12.1980", "phone": "040 123456"}
    member = db.session.get(OrganisationMember, account.id)
    assert member.organisation_id == organisation.id and member.is_admin
    assert db.session.scalar(select(RegistrationDraft)) is None
    activation_link(mailbox)
    sent = user_agent.get(START + "/gesendet").text
    assert "24 Stunden" in sent


def test_an_address_with_an_account_gets_a_mail_and_nothing_else(user_agent, mailbox, make_account, app_ctx):
    make_account(email="erika@muster.example")
    create(user_agent)
    mail = mailbox.wait_for("erika@muster.example", "Registrierung einer Organisation")
    assert "bereits zu einem Servicekonto" in mail.body
    assert db.session.scalar(select(Organisation)) is None
    assert db.session.scalar(select(Account)).kind == "citizen"


def test_a_user_an_administrator_created_keeps_the_address(user_agent, mailbox, app_ctx):
    """Not yet activated, but vouched for by an active organisation: not a claim to replace."""
    organisation = Organisation(name="Andere AG", street="Weg", house_number="1", postal_code="20095",
                                city="Hamburg", status="active")
    user = Account(email="erika@muster.example", email_normalized="erika@muster.example", kind="organisation",
                   status="pending")
    db.session.add_all([organisation, user])
    db.session.flush()
    db.session.add(OrganisationMember(account_id=user.id, organisation_id=organisation.id))
    db.session.commit()
    create(user_agent)
    mailbox.wait_for("erika@muster.example", "Registrierung einer Organisation")
    db.session.expire_all()
    assert db.session.scalars(select(Organisation.name)).all() == ["Andere AG"]
    assert db.session.get(OrganisationMember, user.id).organisation_id == organisation.id


def test_registering_again_replaces_the_unactivated_registration(user_agent, mailbox, app, app_ctx):
    create(user_agent)
    first = activation_link(mailbox)
    mailbox.clear()
    create(user_agent)
    second = activation_link(mailbox)
    assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 1
    assert activate(user_agent, first).status_code == 400
    assert activate(user_agent, second).headers["Location"].startswith("/administration")


# -- activation -----------------------------------------------------------------------------
def test_activation_activates_organisation_administrator_and_services(user_agent, mailbox, services, app_ctx):
    create(user_agent, [services["auto"], services["leitstelle"]])
    link = activation_link(mailbox)
    user_agent.get(link)  # opening the link (a mail scanner) changes nothing
    assert db.session.scalar(select(Organisation)).status == "pending"

    response = activate(user_agent, link)
    assert response.headers["Location"] == "/administration?hinweis=aktiviert"
    page = user_agent.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Ihr Servicekonto Business ist aktiviert. Willkommen!" in page.text
    assert "Muster &amp; Söhne GmbH" in page.text

    db.session.expire_all()
    organisation = db.session.scalar(select(Organisation))
    account = db.session.scalar(select(Account))
    assert organisation.status == account.status == "active"
    assert organisation.activated_at is not None and account.value("email") == "erika@muster.example"
    subscriptions = {s.client_id: s.status for s in db.session.scalars(select(ServiceSubscription))}
    assert subscriptions == {services["auto"]: "active", services["leitstelle"]: "pending"}


def test_the_leitstelle_hears_of_a_service_chosen_at_registration_once_activated(user_agent, mailbox, services,
                                                                                  make_account, app):
    from idp.organisations import leitstelle

    make_account(email="leitstelle@zoll.example")
    with app.app_context():
        leitstelle.grant(services["leitstelle"], "leitstelle@zoll.example")
    create(user_agent, [services["leitstelle"]])
    link = activation_link(mailbox)
    assert not [m for m in mailbox.mails if "leitstelle@zoll.example" in m.to]  # nothing before activation
    activate(user_agent, link)
    mail = mailbox.wait_for("leitstelle@zoll.example", "Neue Freischaltungsanfrage für Zollauskunft")
    assert "Muster & Söhne GmbH" in mail.body and "erika@muster.example" not in mail.body


def test_activation_link_is_used_once(user_agent, mailbox):
    create(user_agent)
    link = activation_link(mailbox)
    assert activate(user_agent, link).status_code == 302
    response = activate(user_agent, link)
    assert response.status_code == 400
    assert "Dieser Aktivierungslink wurde bereits verwendet" in response.text


def test_activation_link_expires_after_24_hours(user_agent, mailbox, app_ctx):
    create(user_agent)
    link = activation_link(mailbox)
    timeutil.travel(timedelta(hours=24, minutes=1))
    response = activate(user_agent, link)
    assert response.status_code == 400
    assert "Dieser Aktivierungslink ist abgelaufen: Er ist nur 24 Stunden gültig." in response.text
    assert db.session.scalar(select(Organisation)).status == "pending"


def test_activation_link_still_works_before_24_hours(user_agent, mailbox):
    create(user_agent)
    link = activation_link(mailbox)
    timeutil.travel(timedelta(hours=23, minutes=59))
    assert activate(user_agent, link).status_code == 302


def test_unknown_activation_link(user_agent):
    response = activate(user_agent, START + "/aktivieren/unbekannt")
    assert response.status_code == 400
    assert "Dieser Aktivierungslink ist ungültig." in response.text


def test_a_citizen_activation_link_does_not_activate_an_organisation(user_agent, mailbox):
    user_agent.submit("/registrierung", {"salutation": "", "title": "", "given_name": "Max", "family_name": "Muster",
                                         "email": "max@example.org", "password": PASSWORD,
                                         "password_repeat": PASSWORD})
    user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    citizen_link = mailbox.wait_for("max@example.org", "Aktivieren").links()[0]
    secret = citizen_link.rsplit("/", 1)[1]
    assert activate(user_agent, f"{START}/aktivieren/{secret}").status_code == 400


def test_the_administrator_logs_in_with_email_and_password(user_agent, mailbox, app):
    create(user_agent)
    activate(user_agent, activation_link(mailbox))
    other = type(user_agent)(app)
    response = other.login("erika@muster.example", PASSWORD)
    assert response.status_code == 302
    assert other.get("/administration").status_code == 200
