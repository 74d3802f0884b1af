"""The owner's side of the login back-off in a real browser: while strangers guess her
password, her own browser still gets in with it, another browser is told how long
to wait, and the ID card gets her in at once."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, log_in, log_in_to_mein_bereich, log_in_with_card, upgrade_with_card
from tests.support.login_backoff import strangers_guess

pytestmark = pytest.mark.browser

WAIT = re.compile(r"Zu viele fehlgeschlagene Anmeldeversuche\. .* ab \d\d:\d\d Uhr wieder möglich \(in \d+ Minuten?\)")


@pytest.fixture
def other_browser(browser, live_server):
    context = browser.new_context(locale="de-DE", base_url=live_server)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def test_the_owner_gets_in_from_her_browser_while_strangers_guess(app, page, other_browser, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    page.get_by_role("button", name="Abmelden").click()
    strangers_guess(app, 8)

    # Another browser waits, with the right password too, and is told until when.
    log_in(other_browser)
    expect(other_browser.get_by_role("alert")).to_contain_text(WAIT)
    assert_accessible(other_browser, "login page during the wait")

    # Her own browser gets in.
    log_in_to_mein_bereich(page)


def test_the_id_card_gets_the_owner_in_during_the_wait(app, page, other_browser, make_account):
    make_account()
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade abgeschlossen")
    strangers_guess(app, 6)

    log_in(other_browser)
    expect(other_browser.get_by_role("alert")).to_contain_text(WAIT)
    log_in_with_card(other_browser)
    expect(other_browser.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
