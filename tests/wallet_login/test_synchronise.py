""""Daten mit EUDI-Wallet synchronisieren" (SPEC §3, as "Daten mit Ausweis
synchronisieren"): a Plus account with the wallet linked takes the PID's data as its
locked fields at level hoch again and stays logged in; a PID of another account, or
a 15-year-old's, changes nothing and the flow is kept; only the logged-in citizen's
own account is reached."""
from __future__ import annotations

from idp.accounts.models import Account, WalletLink
from idp.authn.logout import end_other_sessions
from idp.extensions import db
from idp.loa import Level
from tests.audit.support import events
from tests.conftest import Browserless, csrf_from
from tests.organisations.support import PASSWORD, make_organisation
from tests.support.languages import german_in, visible_text
from tests.support.flows import location
from wallet_connector.simulator import ADULT, REVOKED, UNDER_16

from .support import Trip, links_on, moved_away, path_of

SYNC = "/mein-bereich/upgrade/wallet/synchronisieren"
ADDRESS = ("street", "house_number", "postal_code", "city")


def start_sync(user_agent) -> Trip:
    page = user_agent.get("/mein-bereich/upgrade")
    assert page.status_code == 200 and f'action="{SYNC}"' in page.text
    response = user_agent.post(SYNC, data={"csrf_token": csrf_from(page.text)})
    path = path_of(location(response))
    assert path.startswith("/wallet/"), path
    return Trip(path, *links_on(user_agent.get(path).text))


def synchronised(user_agent, holder, pid_id: str = ADULT):
    trip = start_sync(user_agent)
    return user_agent.get(path_of(holder.answer(trip.same_device_link, pid_id).json["redirect_uri"]))


def stored(app, account_id: str, *names: str) -> dict[str, tuple]:
    with app.app_context():
        account = db.session.get(Account, account_id)
        found = {name: account.attribute(name) for name in names}
        return {name: (a.value, Level(a.level), a.source) if a else None for name, a in found.items()}


def confirmed_with_an_earlier_pid(app, account_id: str, birth_date: str) -> None:
    """A Plus account whose wallet link and data came from an earlier PID."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        for name, value in (("given_name", "ERIKA"), ("family_name", "MUSTERMANN"), ("birth_date", birth_date)):
            account.set_attribute(name, value, Level.HOCH, "wallet")
        db.session.add(WalletLink(account_id=account_id, identifier_digest="früher"))
        db.session.commit()


def link_of(app, account_id: str) -> str | None:
    with app.app_context():
        link = db.session.get(WalletLink, account_id)
        return link.identifier_digest if link else None


def test_the_sync_takes_the_pids_address_at_hoch_and_keeps_the_session(app, user_agent, holder, make_account,
                                                                        link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    moved_away(app, account_id)
    identifier = link_of(app, account_id)
    user_agent.login()
    assert "Daten mit EUDI-Wallet synchronisieren" in user_agent.get("/mein-bereich/upgrade").text
    done = synchronised(user_agent, holder)
    assert path_of(location(done)) == "/mein-bereich/upgrade?hinweis=wallet-synchronisiert"
    page = user_agent.get(location(done))
    assert "Ihre Daten wurden mit Ihrer EUDI-Wallet synchronisiert." in page.text
    assert user_agent.get("/mein-bereich").status_code == 200  # still logged in
    assert stored(app, account_id, *ADDRESS) == {
        "street": ("HEIDESTRASSE", Level.HOCH, "wallet"), "house_number": ("17", Level.HOCH, "wallet"),
        "postal_code": ("51147", Level.HOCH, "wallet"), "city": ("KÖLN", Level.HOCH, "wallet")}
    assert link_of(app, account_id) == identifier
    [event] = events(app, "account.wallet_synchronised")
    assert (event.account_id, event.succeeded, event.details) == (account_id, True,
                                                                  {"method": "wallet", "level": "hoch"})
    assert [e.event for e in events(app, "account.upgraded", "logout")] == ["account.upgraded"]  # link_pid's only


def test_the_sync_in_english(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(), ADULT)
    user_agent.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")
    user_agent.login()
    text = visible_text(user_agent.get("/mein-bereich/upgrade").text)
    assert "Synchronise data with the EUDI Wallet" in text and "You stay logged in." in text
    assert german_in(text) == []
    done = user_agent.get(location(synchronised(user_agent, holder)))
    assert '<html lang="en"' in done.text
    text = visible_text(done.text)
    assert "Your data have been synchronised with your EUDI Wallet." in text and german_in(text) == []


def test_a_pid_linked_to_another_account_is_refused_and_can_be_retried(app, user_agent, holder, make_account,
                                                                       link_pid):
    first = make_account(email="first@example.org")
    link_pid(first, ADULT)
    account_id = make_account()
    confirmed_with_an_earlier_pid(app, account_id, birth_date="12.08.1964")  # Erika's, as the PID's
    before = stored(app, account_id, "given_name", "birth_date", *ADDRESS)
    identifier = link_of(app, account_id)
    user_agent.login()
    trip = start_sync(user_agent)
    refused = user_agent.get(path_of(holder.answer(trip.same_device_link, ADULT).json["redirect_uri"]))
    assert refused.status_code == 400 and "bereits mit einem anderen Servicekonto verbunden" in refused.text
    assert stored(app, account_id, "given_name", "birth_date", *ADDRESS) == before
    assert link_of(app, account_id) == identifier
    assert events(app, "account.wallet_synchronised") == []
    assert user_agent.get("/mein-bereich").status_code == 200

    with app.app_context():  # the other account lets the PID go; the same trip is tried again
        assert db.session.get(WalletLink, first) is not None
        db.session.delete(db.session.get(WalletLink, first))
        db.session.commit()
    again = Trip(trip.path, *links_on(user_agent.get(trip.path).text))
    done = user_agent.get(path_of(holder.answer(again.same_device_link, ADULT).json["redirect_uri"]))
    assert "hinweis=wallet-synchronisiert" in location(done)
    assert stored(app, account_id, "given_name")["given_name"] == ("ERIKA", Level.HOCH, "wallet")


def test_under_16_the_sync_is_refused_and_the_account_stays_as_it_was(app, user_agent, holder, make_account,
                                                                      link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    moved_away(app, account_id)
    before = stored(app, account_id, "given_name", "birth_date", *ADDRESS)
    user_agent.login()
    refused = synchronised(user_agent, holder, UNDER_16)
    assert refused.status_code == 400
    assert "mindestens 16 Jahre alt" in refused.text and "bleibt unverändert bestehen" in refused.text
    assert stored(app, account_id, "given_name", "birth_date", *ADDRESS) == before
    assert events(app, "account.wallet_synchronised") == []


def test_a_session_that_ended_meanwhile_ends_on_the_expired_page(app, user_agent, holder, make_account, link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    moved_away(app, account_id)
    user_agent.login()
    trip = start_sync(user_agent)
    with app.app_context():
        end_other_sessions(account_id)
    ended = user_agent.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    assert path_of(location(ended)) == "/sitzung-abgelaufen"
    assert stored(app, account_id, "city")["city"] == ("BERLIN", Level.HOCH, "wallet")


def test_another_persons_browser_cannot_take_the_sync(app, user_agent, holder, make_account, link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    moved_away(app, account_id)
    other_id = make_account(email="other@example.org")
    link_pid(other_id, REVOKED)
    other_before = stored(app, other_id, "given_name", *ADDRESS)
    user_agent.login()
    trip = start_sync(user_agent)
    other = Browserless(app)
    other.login(email="other@example.org")
    answer = holder.answer(trip.same_device_link).json["redirect_uri"]
    assert other.get(path_of(answer)).status_code == 400  # not the browser that started it
    assert other.get(trip.path).status_code == 400
    assert stored(app, other_id, "given_name", *ADDRESS) == other_before
    assert stored(app, account_id, "city")["city"] == ("BERLIN", Level.HOCH, "wallet")


def test_only_a_plus_account_with_the_wallet_linked_synchronises(app, user_agent, make_account, link_pid):
    account_id = make_account()
    user_agent.login()
    page = user_agent.get("/mein-bereich/upgrade")
    assert SYNC not in page.text
    # Not Plus: a sync would be an upgrade without the new login.
    refused = user_agent.post(SYNC, data={"csrf_token": csrf_from(page.text)})
    assert location(refused).endswith("/mein-bereich/upgrade")
    link_pid(account_id, ADULT)
    with app.app_context():
        db.session.delete(db.session.get(WalletLink, account_id))
        db.session.commit()
    refused = user_agent.post(SYNC, data={"csrf_token": csrf_from(page.text)})
    assert location(refused).endswith("/mein-bereich/upgrade")
    assert user_agent.post(SYNC, data={}).status_code == 400  # no CSRF token


def test_the_sync_is_for_logged_in_citizens_only(app, user_agent):
    anonymous = user_agent.post(SYNC, data={"csrf_token": csrf_from(user_agent.get("/anmelden").text)})
    assert "/anmelden" in location(anonymous)
    make_organisation(app, users=("max@muster.example",))
    user_agent.login(email="max@muster.example", password=PASSWORD)
    page = user_agent.get("/mein-bereich")
    assert user_agent.post(SYNC, data={"csrf_token": csrf_from(page.text)}).status_code == 404


def test_a_pid_of_another_person_changes_nothing(app, user_agent, holder, make_account):
    """An account confirmed for someone born on another day: the PID in this wallet is
    not theirs (a password alone must not attach another person's wallet)."""
    account_id = make_account()
    confirmed_with_an_earlier_pid(app, account_id, birth_date="01.01.1970")
    before = stored(app, account_id, "given_name", "birth_date", *ADDRESS)
    user_agent.login()
    refused = synchronised(user_agent, holder, ADULT)
    assert refused.status_code == 400 and "das Geburtsdatum stimmt nicht überein" in refused.text
    assert stored(app, account_id, "given_name", "birth_date", *ADDRESS) == before
    assert link_of(app, account_id) == "früher"
    assert events(app, "account.wallet_synchronised") == []
