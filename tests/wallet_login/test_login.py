"""Login with the EUDI-Wallet over HTTP: same-device (the wallet sends the browser back
with a response_code) and cross-device (the first browser's "Weiter"), the result
only for the browser that started, and what a login with the wallet is worth."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from idp.authn.sessions import LoginSession
from idp.extensions import db
from idp.loa import Level
from tests.conftest import Browserless, csrf_from
from wallet_connector.simulator import ADULT, UNDER_16

from .support import path_of, start


def login_session(app) -> LoginSession:
    with app.app_context():
        [session] = db.session.scalars(select(LoginSession)).all()
        db.session.expunge(session)
        return session


def proceed(user_agent, trip):
    page = user_agent.get(trip.path)
    return user_agent.post(trip.path + "/weiter", data={"csrf_token": csrf_from(page.text)})


def test_the_trip_page_offers_the_wallet_link_and_a_qr_code(app, user_agent, wallet_simulator):
    trip = start(user_agent)
    assert trip.same_device_link.startswith(wallet_simulator.authorize_url + "?client_id=x509_san_dns%3A127.0.0.1")
    assert trip.cross_device_link != trip.same_device_link
    qr = user_agent.get(trip.path + "/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_same_device_the_wallet_sends_the_browser_back_logged_in_at_hoch(app, user_agent, holder, make_account,
                                                                           link_pid):
    link_pid(make_account(), ADULT)
    trip = start(user_agent)
    answer = holder.answer(trip.same_device_link)
    redirect_uri = answer.json["redirect_uri"]
    assert redirect_uri.startswith(app.config["SERVICEKONTO"].issuer + f"/wallet/{trip.id}/zurueck?response_code=")

    back = user_agent.get(path_of(redirect_uri))
    assert back.status_code == 302 and urlsplit(back.headers["Location"]).path == "/mein-bereich"
    session = login_session(app)
    assert (session.method, Level(session.level)) == ("wallet", Level.HOCH)
    assert list(session.amr) == ["eudi_wallet", "hwk"]
    # The trip and the PID data in it are gone; the response_code does not work twice.
    assert user_agent.get(path_of(redirect_uri)).status_code == 400


def test_cross_device_the_first_browser_goes_on_with_weiter(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(), ADULT)
    trip = start(user_agent)
    assert user_agent.get(trip.path + "/status").json == {"status": "waiting"}
    # Before the wallet answered, "Weiter" says so and keeps the page.
    early = proceed(user_agent, trip)
    assert early.status_code == 200 and "noch nicht geantwortet" in early.text

    answer = holder.answer(trip.cross_device_link)
    assert answer.json == {}  # no redirect: the wallet's browser is another one
    assert user_agent.get(trip.path + "/status").json == {"status": "answered"}
    done = proceed(user_agent, trip)
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/mein-bereich"
    assert Level(login_session(app).level) == Level.HOCH


def test_only_the_browser_that_started_gets_the_result(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(), ADULT)
    trip = start(user_agent)
    redirect_uri = holder.answer(trip.same_device_link).json["redirect_uri"]
    other = Browserless(app)

    assert other.get(path_of(redirect_uri)).status_code == 400
    assert "in einem anderen Browser begonnen" in other.get(trip.path).text
    assert other.get(trip.path + "/status").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(LoginSession)).all() == []


def test_same_device_the_result_needs_the_response_code(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(), ADULT)
    trip = start(user_agent)
    redirect_uri = holder.answer(trip.same_device_link).json["redirect_uri"]
    # The first browser's poll learns nothing, and "Weiter" without the code gives nothing.
    assert user_agent.get(trip.path + "/status").json == {"status": "waiting"}
    assert "noch nicht geantwortet" in proceed(user_agent, trip).text
    assert "noch nicht geantwortet" in user_agent.get(trip.path + "/zurueck?response_code=wrong").text
    assert user_agent.get(path_of(redirect_uri)).status_code == 302


def test_a_pid_without_an_account_is_told_how_to_set_the_wallet_up_and_may_try_again(app, user_agent, holder):
    trip = start(user_agent)
    back = user_agent.get(path_of(holder.answer(trip.same_device_link).json["redirect_uri"]))
    assert back.status_code == 400
    assert "kein Servicekonto mit EUDI-Wallet eingerichtet" in back.text
    # The trip is kept with a fresh request: the page offers the wallet again.
    again = user_agent.get(trip.path)
    assert again.status_code == 200 and "Wallet öffnen" in again.text


def test_the_wallet_logs_in_only_the_account_its_pid_is_linked_to(app, user_agent, holder, make_account, link_pid):
    link_pid(make_account(), ADULT)
    link_pid(make_account(email="jonas@example.org", given_name="Jonas"), UNDER_16)
    trip = start(user_agent)
    user_agent.get(path_of(holder.answer(trip.same_device_link, UNDER_16).json["redirect_uri"]))
    with app.app_context():
        from idp.accounts.models import Account

        session = login_session(app)
        assert db.session.get(Account, session.account_id).email == "jonas@example.org"


def test_the_wallet_page_and_its_refusals_speak_english(app, user_agent, holder):
    user_agent.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    trip = start(user_agent)
    assert "Open the wallet" in user_agent.get(trip.path).text
    holder.decline(trip.cross_device_link)
    assert "You declined to send your data in the wallet." in user_agent.get(trip.path).text
