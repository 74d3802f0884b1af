"""An organisation user logs in to the demo online service (SPEC §6): with the grant the
service shows the organisation and the roles; without it the IdP says why and whom to
ask, and the service learns only `access_denied`."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, demo_client_id, submit_login_form
from tests.support.organisations import PASSWORD, grant, make_organisation, subscribe

pytestmark = pytest.mark.browser

ANNA, BEN = "anna@muster.example", "ben@muster.example"


def start_at_demo(page: Page, demo_service: str, email: str) -> None:
    page.goto(demo_service + "/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    submit_login_form(page, email, PASSWORD)


def test_entitled_user_reaches_the_demo_with_organisation_and_roles(app, page: Page, demo_service):
    business = make_organisation(app, users=(ANNA,))
    client_id = demo_client_id(app)
    subscribe(app, business.organisation_id, client_id)
    grant(app, business.accounts[ANNA], client_id, roles=["Freigabe"])

    start_at_demo(page, demo_service, ANNA)
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Demo-Online-Dienst“")
    expect(page.get_by_text("Ihre Organisation (Name, Rechtsform, Register, Anschrift)")).to_be_visible()
    expect(page.get_by_text("Ihre Rollen für diesen Online-Dienst")).to_be_visible()
    page.get_by_role("button", name="Zustimmen").click()

    expect(page.get_by_text("Sie sind angemeldet.")).to_be_visible()
    expect(page.locator('[data-organisation="name"]')).to_have_text("Muster GmbH")
    expect(page.locator('[data-organisation="roles"]')).to_have_text("Freigabe")
    expect(page.locator('#id-token [data-claim="loa"]')).to_have_text("niedrig")


def test_user_without_grant_reads_why_and_the_demo_gets_access_denied(app, page: Page, demo_service):
    business = make_organisation(app, users=(ANNA, BEN))
    subscribe(app, business.organisation_id, demo_client_id(app))

    start_at_demo(page, demo_service, BEN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kein Zugang zu diesem Online-Dienst")
    expect(page.locator("#kein-zugang-grund")).to_contain_text("nicht berechtigt")
    expect(page.get_by_role("link", name="admin@muster.example")).to_be_visible()
    assert_accessible(page, "Kein Zugang")

    page.get_by_role("button", name="Zurück zum Online-Dienst").click()
    expect(page.get_by_role("alert")).to_contain_text("access_denied")
    assert page.url.startswith(demo_service)
