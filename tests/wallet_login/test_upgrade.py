"""Upgrade to Servicekonto Plus with the EUDI-Wallet (SPEC §3, like the ID card): the
PID's data become the locked fields at level hoch, the PID is linked by its stable
identifier, the user is logged out; under 16, or a PID of another account, nothing
changes and the flow is kept."""
from __future__ import annotations

from sqlalchemy import select

from idp.accounts.models import Account, WalletLink
from idp.extensions import db
from idp.loa import Level
from tests.audit.support import events
from tests.conftest import csrf_from
from tests.support.flows import location
from wallet_connector.simulator import ADULT, UNDER_16

from .support import Trip, links_on, path_of


def start_upgrade(user_agent) -> Trip:
    page = user_agent.get("/mein-bereich/upgrade")
    assert page.status_code == 200 and "Mit EUDI-Wallet" in page.text
    response = user_agent.post("/mein-bereich/upgrade/wallet", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302, response.text
    path = path_of(response.headers["Location"])
    return Trip(path, *links_on(user_agent.get(path).text))


def upgraded(user_agent, holder, pid_id: str):
    trip = start_upgrade(user_agent)
    return user_agent.get(path_of(holder.answer(trip.same_device_link, pid_id).json["redirect_uri"]))


def test_the_upgrade_takes_the_pid_data_locked_at_hoch_and_logs_out(app, user_agent, holder, make_account):
    account_id = make_account()
    user_agent.login()
    done = upgraded(user_agent, holder, ADULT)
    assert done.status_code == 200 and "aus Ihrer EUDI-Wallet übernommen" in done.text
    assert user_agent.get("/mein-bereich").status_code == 302  # logged out
    with app.app_context():
        account = db.session.get(Account, account_id)
        names = {name: account.attribute(name) for name in ("given_name", "family_name", "birth_date", "city")}
        assert {name: attr.value for name, attr in names.items()} == {
            "given_name": "ERIKA", "family_name": "MUSTERMANN", "birth_date": "12.08.1964", "city": "KÖLN"}
        assert all((attr.level, attr.source) == (Level.HOCH, "wallet") for attr in names.values())
        assert db.session.get(WalletLink, account_id) is not None


def test_under_16_the_upgrade_is_refused_and_the_account_stays_as_it_was(app, user_agent, holder, make_account):
    account_id = make_account()
    user_agent.login()
    refused = upgraded(user_agent, holder, UNDER_16)
    assert refused.status_code == 400 and "mindestens 16 Jahre alt" in refused.text
    with app.app_context():
        account = db.session.get(Account, account_id)
        assert account.attribute("given_name").value == "Erika" and account.identity_level == Level.NIEDRIG
        assert db.session.scalars(select(WalletLink)).all() == []
    assert user_agent.get("/mein-bereich").status_code == 200  # still logged in, may try again


def test_a_pid_linked_to_another_account_is_refused(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(email="first@example.org"), ADULT)
    make_account()
    user_agent.login()
    refused = upgraded(user_agent, holder, ADULT)
    assert refused.status_code == 400 and "bereits mit einem anderen Servicekonto verbunden" in refused.text



def test_a_plus_account_deactivates_the_wallet_login_and_sets_it_up_again(app, user_agent, holder, make_account,
                                                                          link_pid):
    account_id = make_account()
    link_pid(account_id, ADULT)
    user_agent.login()
    page = user_agent.get("/mein-bereich/upgrade")
    assert "Die Anmeldung mit der EUDI-Wallet ist für Ihr Servicekonto eingerichtet." in page.text
    done = user_agent.post("/mein-bereich/upgrade/wallet/deaktivieren", data={"csrf_token": csrf_from(page.text)})
    assert "Die Anmeldung mit der EUDI-Wallet ist deaktiviert." in user_agent.get(location(done)).text
    [event] = events(app, "account.wallet_deactivated")
    assert event.account_id == account_id
    with app.app_context():
        assert db.session.get(WalletLink, account_id) is None
        assert db.session.get(Account, account_id).identity_level == Level.HOCH  # still Plus

    page = user_agent.get("/mein-bereich/upgrade")
    started = user_agent.post("/mein-bereich/upgrade/wallet", data={"csrf_token": csrf_from(page.text)})
    path = path_of(location(started))
    trip = Trip(path, *links_on(user_agent.get(path).text))
    user_agent.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    with app.app_context():
        assert db.session.get(WalletLink, account_id) is not None
