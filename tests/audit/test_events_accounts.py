"""A citizen account's life in the audit log, as its owner, a clerk of the
registration office and `servicekonto audit` see it: registration to deletion,
password reset, Servicekonto Plus by the office and by the ID card."""
from __future__ import annotations

from urllib.parse import urlparse

from idp.accounts import upgrade
from idp.accounts.models import Account
from idp.extensions import db
from idp.loa import Level
from tests.audit.support import assert_no_personal_data, events, read_card, summary
from tests.support.cli import run_cli
from tests.support.registration import FORM, activate, activation_path, register
from tests.support.sessions import log_in_at_level

PASSWORD = FORM["password"]
PERSONAL = ("erika@example.org", "neu@example.org", "Erika", "Mustermann", "Gabler", "Heidestraße")


def path_of(link: str) -> str:
    return urlparse(link).path


def account_id_of(app, email: str) -> str:
    with app.app_context():
        return db.session.query(Account).filter_by(email=email).one().id


def test_from_registration_to_deletion(app, user_agent, mailbox):
    register(user_agent)
    account_id = account_id_of(app, "erika@example.org")
    assert activate(user_agent, activation_path(mailbox)).status_code == 302
    profile = {"salutation": "Frau", "title": "Dr.", "given_name": "Erika", "family_name": "Gabler",
               "birth_date": "", "street": "Heidestraße", "house_number": "17", "postal_code": "51147",
               "city": "Köln"}
    assert user_agent.submit("/mein-bereich/profil", profile).status_code == 302
    assert user_agent.submit("/mein-bereich/passwort", {"current_password": PASSWORD, "password": "Neu!Pass99",
                                                        "password_repeat": "Neu!Pass99"}).status_code == 302
    user_agent.submit("/mein-bereich/e-mail", {"email": "neu@example.org", "email_repeat": "neu@example.org"})
    confirm = path_of(mailbox.wait_for("neu@example.org", "Bestätigen").links()[0])
    done = user_agent.submit(confirm, {"email": "erika@example.org", "password": "Neu!Pass99"})
    assert done.status_code == 200 and "Benutzername" in done.text
    gone = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": "Neu!Pass99"})
    assert gone.headers["Location"].endswith("/servicekonto-geloescht")

    found = events(app, "account.")
    assert summary(found) == [
        ("account.registered", True, {"method": "password"}),
        ("account.activated", True, {}),
        ("account.changed", True, {"fields": ["family_name", "street", "house_number", "postal_code", "city"]}),
        ("account.password_changed", True, {}),
        ("account.email_changed", True, {}),
        ("account.deleted", True, {}),
    ]
    assert {e.account_id for e in found} == {account_id}
    # The address each event concerns; the change names the address given up (the
    # new one finds it through the account), the deletion none: nothing of it is left.
    assert [e.email for e in found] == ["erika@example.org"] * 2 + [None] * 2 + ["erika@example.org", None]
    assert_no_personal_data(events(app), *PERSONAL)


def test_registration_with_a_taken_address_and_a_password_reset(app, user_agent, make_account, mailbox):
    account_id = make_account()
    register(user_agent)  # the same address: the owner is told, nothing is created
    user_agent.submit("/passwort-vergessen", {"email": "erika@example.org"})
    reset = path_of(next(link for link in mailbox.wait_for("erika@example.org", "Passwort zurücksetzen").links()
                         if "/passwort-vergessen/neu/" in link))
    done = user_agent.submit(reset, {"password": "Neu!Pass99", "password_repeat": "Neu!Pass99"})
    assert "Passwort geändert" in done.text

    taken, reset_event = events(app, "account.")
    assert (taken.event, taken.succeeded, taken.account_id, taken.email, taken.details) == (
        "account.registered", False, None, "erika@example.org", {"reason": "address_taken"})
    assert (reset_event.event, reset_event.account_id) == ("account.password_reset", account_id)
    assert_no_personal_data(events(app), *PERSONAL)


def test_plus_at_the_registration_office_is_the_clerks_action(app, user_agent, make_account):
    citizen_id = make_account()
    clerk_id = make_account(email="amt@meldeamt.example", given_name="Sabine", family_name="Amt")
    user_agent.login()
    address = {"street": "Heidestraße", "house_number": "17", "postal_code": "51147", "city": "Köln"}
    asked = user_agent.submit("/mein-bereich/upgrade/meldebehoerde", {"birth_date": "24.12.1980", **address})
    case_number = asked.text.split("MB-", 1)[1][:8]
    with app.app_context():
        db.session.get(Account, clerk_id).role = upgrade.ROLE
        db.session.commit()
    clerk = type(user_agent)(app)
    log_in_at_level(app, clerk, clerk_id, Level.HOCH)
    decided = clerk.submit(f"/meldebehoerde/vorgang/MB-{case_number}",
                           {"decision": "bestaetigen", "document_checked": "ja"})
    assert decided.status_code == 302

    [upgraded] = events(app, "account.upgraded")
    assert (upgraded.account_id, upgraded.actor, upgraded.details) == (
        citizen_id, f"clerk:{clerk_id}", {"method": "meldebehoerde", "level": "substanziell"})
    assert_no_personal_data(events(app), *PERSONAL, "Sabine", "24.12.1980")


def test_plus_with_the_id_card_and_its_deactivation(app, user_agent, live_server, make_account):
    account_id = make_account()
    user_agent.login()
    done = read_card(user_agent, user_agent.submit("/mein-bereich/upgrade", {},
                                                   action="/mein-bereich/upgrade/eid"))
    assert done.status_code == 200, done.text[:500]
    # SPEC §3: the login after the upgrade is a new one.
    assert summary(events(app, "account.upgraded", "logout")) == [
        ("account.upgraded", True, {"method": "eid", "level": "hoch"}),
        ("logout", True, {"method": "password"}),
    ]
    log_in_at_level(app, user_agent, account_id, Level.HOCH)
    assert user_agent.submit("/mein-bereich/ausweis", {"action": "deaktivieren"}).status_code == 302
    [deactivated] = events(app, "account.eid_deactivated")
    assert deactivated.account_id == account_id
    assert_no_personal_data(events(app), *PERSONAL, "1964")


def test_servicekonto_audit_shows_registration_activation_and_login(app, tmp_path, user_agent, mailbox):
    register(user_agent)
    activate(user_agent, activation_path(mailbox))
    user_agent.submit("/abmelden", {})
    user_agent.login(password=PASSWORD)

    out = run_cli(app, tmp_path, "audit", "--account", "Erika@Example.org")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # Newest first.
    assert [line.split()[2] for line in lines] == [
        "login.succeeded", "logout", "login.succeeded", "account.activated", "account.registered"]
    assert "method=password" in lines[0] and "method=activation" in lines[2]
    assert "(Konto registriert)" in lines[-1] and "email=erika@example.org" in lines[-1]
