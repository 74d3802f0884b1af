"""Registration of a Servicekonto Plus with the EUDI-Wallet (SPEC §3, like the ID card):
e-mail address and password first, then the PID; its data arrive locked and the
account is Plus and linked to the PID once activated. Under 16, or with a PID of an
account, the registration is refused and kept."""
from __future__ import annotations

from sqlalchemy import select

from idp.accounts.models import Account, WalletLink
from idp.extensions import db
from idp.loa import Level
from tests.conftest import Browserless
from tests.support.flows import location
from tests.support.registration import FORM, activate, activation_path
from wallet_connector.simulator import ADULT, UNDER_16

from .support import Trip, links_on, path_of, start

WALLET_FORM = {name: FORM[name] for name in ("salutation", "email", "password", "password_repeat")}


def register_with_wallet(user_agent, holder, pid_id: str = ADULT):
    form = user_agent.get("/registrierung?mit=wallet")
    assert "Sie registrieren sich mit der EUDI-Wallet" in form.text and 'name="given_name"' not in form.text
    sent = user_agent.submit("/registrierung?mit=wallet", WALLET_FORM)
    trip_path = path_of(location(user_agent.get(path_of(location(sent)))))
    trip = Trip(trip_path, *links_on(user_agent.get(trip_path).text))
    return user_agent.get(path_of(holder.answer(trip.same_device_link, pid_id).json["redirect_uri"]))


def test_a_plus_account_registered_with_the_wallet_logs_in_with_it(app, user_agent, holder, mailbox):
    overview = user_agent.get(path_of(location(register_with_wallet(user_agent, holder))))
    assert "Aus Ihrer EUDI-Wallet" in overview.text and "ERIKA" in overview.text and "GABLER" in overview.text
    created = user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert path_of(location(created)) == "/registrierung/gesendet"
    activate(user_agent, activation_path(mailbox))
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == FORM["email"]))
        assert account.identity_level == Level.HOCH and account.attribute("given_name").source == "wallet"
        assert db.session.get(WalletLink, account.id) is not None
    # Another browser logs in with the wallet alone.
    other = Browserless(app)
    trip = start(other)
    back = other.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    assert back.status_code == 302 and back.headers["Location"].endswith("/mein-bereich")


def test_under_16_the_registration_is_refused_and_kept(app, user_agent, holder):
    refused = register_with_wallet(user_agent, holder, UNDER_16)
    assert refused.status_code == 400 and "ohne Wallet anlegen" in refused.text
    form = user_agent.get("/registrierung?mit=wallet")
    assert FORM["email"] in form.text  # the entries are kept
    with app.app_context():
        assert db.session.scalars(select(Account)).all() == []


def test_a_pid_that_has_an_account_cannot_register_another(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(email="first@example.org"), ADULT)
    refused = register_with_wallet(user_agent, holder)
    assert refused.status_code == 400 and "Melden Sie sich mit der EUDI-Wallet an" in refused.text
