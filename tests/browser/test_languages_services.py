"""The catalogue, the Postfach and the federation choice in English in a browser:
axe-core finds nothing, no German of the catalogue is left, and the suggestions while
typing are announced in English."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import path_is
from tests.catalogue.support import list_service
from tests.postfach.pages_support import add_service, send
from tests.support.federation import add_oidc_partner
from tests.support.languages import check_english

pytestmark = pytest.mark.browser


def test_catalogue_postfach_and_federation_in_english(page: Page, live_server, app, make_account):
    account_id = make_account()
    list_service(app, "Dog licence", description="Register a dog.", authority="Town hall", min_loa="substanziell")
    list_service(app, "Dog walking permit")
    add_oidc_partner(app)
    with app.app_context():
        send(add_service("Housing benefit"), account_id=account_id, reference="HB-7", title="Housing benefit 2026",
             subject="Your notice", text="Here is your notice.", reply_allowed=True)

    found: dict[str, list[str]] = {}
    page.goto("/online-dienste")
    page.get_by_role("button", name="English").click()
    check_english(page, "catalogue", found)
    page.get_by_label("Search online services").press_sequentially("Dog")
    expect(page.get_by_role("status")).to_have_text("2 suggestions, choose with the arrow keys.")

    page.goto("/anmelden/servicekonto")
    check_english(page, "log in with another Servicekonto", found)

    page.goto("/anmelden")
    page.get_by_label("E-mail address", exact=True).fill("erika@example.org")
    page.get_by_label("Password", exact=True).fill("ABab1234")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(path_is("/mein-bereich"))
    page.goto("/online-dienste")
    check_english(page, "catalogue, logged in below the level", found)

    page.goto("/postfach/")
    check_english(page, "Postfach inbox", found)
    page.get_by_role("link", name="Your notice").click()
    check_english(page, "Postfach case", found)
    page.get_by_role("link", name="Reply", exact=True).click()
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#text-fehler")).to_contain_text("Please enter your reply.")
    check_english(page, "Postfach reply with an error", found)
    page.get_by_label("Your reply").fill("Thank you.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").filter(has_text=re.compile("Your reply has been sent"))).to_be_visible()
    assert not found, f"German left on English pages: {found}"
