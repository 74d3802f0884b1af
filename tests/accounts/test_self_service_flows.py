"""Mein Bereich flows as a user agent sees them (without a browser; the browser
versions live in tests/browser)."""
from __future__ import annotations





def test_profile_change_is_saved_and_shown(user_agent, make_account):
    make_account()
    user_agent.login()
    response = user_agent.submit("/mein-bereich/profil", {
        "salutation": "Frau", "title": "Dr.", "given_name": "Erika", "family_name": "Gabler",
        "birth_date": "00.00.1945", "street": "Heidestraße", "house_number": "12a-c",
        "postal_code": "51147", "city": "Köln"})
    assert response.status_code == 302
    page = user_agent.get("/mein-bereich").text
    assert "Gabler" in page and "00.00.1945" in page and "Heidestraße 12a-c, 51147 Köln" in page


def test_profile_rules_refuse_bad_house_number_and_keep_entries(user_agent, make_account):
    make_account()
    user_agent.login()
    response = user_agent.submit("/mein-bereich/profil", {
        "salutation": "", "title": "", "given_name": "Erika", "family_name": "Neu",
        "birth_date": "31.02.1980", "street": "Heidestraße", "house_number": "12 a",
        "postal_code": "51147", "city": "Köln"})
    assert response.status_code == 400
    assert "keine Leerzeichen" in response.text and "Dieses Datum gibt es nicht" in response.text
    assert 'value="Neu"' in response.text
    assert "Mustermann" in user_agent.get("/mein-bereich").text


def test_password_reset_flow_ends_other_sessions(app, user_agent, make_account, mailbox):
    from tests.conftest import Browserless

    make_account()
    other = Browserless(app)
    other.login()
    assert other.get("/mein-bereich").status_code == 200
    page = user_agent.submit("/passwort-vergessen", {"email": "erika@example.org"})
    assert "Wenn zu erika@example.org ein Servicekonto besteht" in page.text
    link = mailbox.wait_for("erika@example.org", "Passwort zurücksetzen").links()[0]
    path = link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    done = user_agent.submit("/" + path, {"password": "Neu!Pass99", "password_repeat": "Neu!Pass99"})
    assert "Passwort geändert" in done.text
    assert other.get("/mein-bereich").status_code == 302
    assert user_agent.login(password="ABab1234").status_code == 400
    assert user_agent.login(password="Neu!Pass99").status_code == 302
    again = user_agent.get("/" + path)
    assert "bereits verwendet" in again.text


def test_unknown_address_gets_the_same_answer(user_agent, mailbox):
    page = user_agent.submit("/passwort-vergessen", {"email": "niemand@example.org"})
    assert "Wenn zu niemand@example.org ein Servicekonto besteht" in page.text


def test_email_change_needs_login_with_old_address(user_agent, make_account, mailbox):
    make_account()
    make_account(email="belegt@example.org")
    user_agent.login()
    taken = user_agent.submit("/mein-bereich/e-mail", {"email": "belegt@example.org",
                                                      "email_repeat": "belegt@example.org"})
    # Whether the address is taken stays unsaid (test_email_change_same_answer.py).
    assert "Bestätigung versendet" in taken.text
    sent = user_agent.submit("/mein-bereich/e-mail", {"email": "neu@example.org", "email_repeat": "neu@example.org"})
    assert "Bestätigung versendet" in sent.text
    mailbox.wait_for("erika@example.org", "Änderung Ihrer E-Mail-Adresse")
    link = mailbox.wait_for("neu@example.org", "Bestätigen").links()[0]
    path = "/" + link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    wrong = user_agent.submit(path, {"email": "neu@example.org", "password": "ABab1234"})
    assert wrong.status_code == 400
    ok = user_agent.submit(path, {"email": "erika@example.org", "password": "ABab1234"})
    assert "neu@example.org" in ok.text and "Benutzername" in ok.text
    assert user_agent.login(email="neu@example.org").status_code == 302
    assert user_agent.login(email="erika@example.org").status_code == 400


def test_deletion_frees_the_address(user_agent, make_account):
    make_account()
    user_agent.login()
    refused = user_agent.submit("/mein-bereich/loeschen", {"password": "ABab1234"})
    assert refused.status_code == 400 and "endgültig löschen" in refused.text
    gone = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": "ABab1234"})
    assert gone.headers["Location"].endswith("/servicekonto-geloescht")
    assert user_agent.login().status_code == 400
    make_account()
    assert user_agent.login().status_code == 302


def test_guessing_the_current_password_in_a_session_is_throttled(user_agent, make_account):
    make_account()
    user_agent.login()
    for _ in range(5):
        wrong = user_agent.submit("/mein-bereich/passwort", {"current_password": "Falsch123",
                                                             "password": "Neu!Pass99", "password_repeat": "Neu!Pass99"})
        assert "Das Passwort ist nicht korrekt." in wrong.text
    blocked = user_agent.submit("/mein-bereich/loeschen", {"confirm": "ja", "password": "ABab1234"})
    assert blocked.status_code == 400 and "Zu viele fehlgeschlagene Anmeldeversuche" in blocked.text
    assert user_agent.get("/mein-bereich").status_code == 200, "the account is still there"


def test_an_upgrade_request_can_be_withdrawn(app, user_agent, make_account):
    from idp.accounts import upgrade
    from idp.extensions import db
    from idp.accounts.models import UpgradeRequest

    make_account()
    user_agent.login()
    done = user_agent.submit("/mein-bereich/upgrade/meldebehoerde", {
        "birth_date": "24.12.1980", "street": "Heidestraße", "house_number": "17", "postal_code": "51147",
        "city": "Köln"})
    assert "Antrag gestellt" in done.text
    page = user_agent.get("/mein-bereich/upgrade").text
    assert "wartet auf die Prüfung" in page and "Antrag zurückziehen" in page
    user_agent.submit("/mein-bereich/upgrade", {"action": "zurueckziehen"},
                      action="/mein-bereich/upgrade/meldebehoerde")
    assert "wartet auf die Prüfung" not in user_agent.get("/mein-bereich/upgrade").text
    with app.app_context():
        [case] = db.session.query(UpgradeRequest).all()
        assert case.status == "withdrawn" and upgrade.find_open(case.id) == []
