"""A citizen's first look, as the README shows it: the IdP's start page and the demo
service say what they are, and the way from the demo service through login and
consent back to the service that shows what it received.

The pictures in the README (docs/screenshots/) are taken here, so they show the pages
as they are: every run writes them to test-results/screenshots/, and
`make screenshots` writes them to docs/screenshots/ instead."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import submit_login_form

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SERVICEKONTO_SCREENSHOTS") or ROOT / "test-results" / "screenshots")


@pytest.fixture
def shot(page: Page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 860})

    def take(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"))

    return take


def test_start_page_says_what_the_servicekonto_does(page: Page, shot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Servicekonto")
    what = page.locator("section", has=page.get_by_role("heading", name="Was das Servicekonto für Sie tut"))
    for promise in ("Ein Konto für viele Online-Dienste", "Online-Ausweisfunktion", "Postfach",
                    "Servicekonto Business"):
        expect(what).to_contain_text(promise)
    shot("start")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="What the Servicekonto does for you")).to_be_visible()
    shot("start-en")


def test_from_the_demo_service_to_its_answer(page: Page, make_account, demo_service, shot):
    make_account()
    page.goto(demo_service + "/")
    expect(page.locator("#ueber-die-demo")).to_contain_text("Er kennt weder Ihr Passwort noch Ihre Daten")
    shot("demo-service")

    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    shot("login")
    submit_login_form(page, "erika@example.org", "ABab1234")

    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Demo-Online-Dienst")
    shot("consent")
    page.get_by_role("button", name="Zustimmen").click()

    expect(page).to_have_url(demo_service + "/")
    expect(page.locator('#id-token [data-claim="loa"]')).to_have_text("niedrig")
    expect(page.locator('#userinfo [data-claim="given_name"]')).to_have_text("Erika")
    shot("demo-service-answer")


def test_registration_and_mein_bereich(page: Page, make_account, shot):
    page.goto("/registrierung")
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto registrieren")
    shot("registration")

    make_account()
    page.goto("/anmelden")
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    shot("mein-bereich")
