"""Vertretung in the browser: naming a deputy, "Vertretung wahrnehmen" with the banner on
every page and back, and the principal reading what the deputy did."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from idp.organisations import delegation as delegations
from tests.browser.support import assert_accessible, field, field_error, log_in_to_mein_bereich, path_is
from tests.organisations.support_f import make_team

pytestmark = pytest.mark.browser

BANNER = "Sie handeln in Vertretung für"


@pytest.fixture
def team(app):
    return make_team(app)


def open_delegation_page(page: Page, email: str) -> None:
    log_in_to_mein_bereich(page, email)
    page.get_by_role("link", name="Vertretung", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertretung")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()


def row_of(page: Page, section: str, text: str):
    table = page.locator("section", has=page.get_by_role("heading", name=section, level=2)).locator("tbody tr")
    return table.filter(has_text=text)


@pytest.mark.parametrize("scope, ends", [("Nur Postfächer", 7), ("Uneingeschränkt", None)])
def test_the_deputy_takes_the_delegation_up_and_back_and_the_principal_sees_it(page, live_server, team, scope, ends):
    open_delegation_page(page, "anna@muster.example")
    assert_accessible(page, "Vertretung")
    page.get_by_label("Vertreterin/Vertreter").select_option(label="Uwe Nutzer – uwe@muster.example")
    expect(page.get_by_label("Beginn")).to_have_value(delegations.today().strftime("%d.%m.%Y"))
    end_date = (delegations.today() + timedelta(days=ends)).strftime("%d.%m.%Y") if ends else ""
    field(page, "Ende").fill(end_date)
    page.get_by_label(scope).check()
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("status")).to_have_text("Die Vertretung wurde eingerichtet.")
    given = row_of(page, "Vertretungen in Ihrer Organisation", "Uwe Nutzer")
    expect(given).to_contain_text(scope)
    expect(given).to_contain_text(end_date or "unbefristet")
    expect(given).to_contain_text("Aktiv")
    log_out(page)

    open_delegation_page(page, "uwe@muster.example")
    received = row_of(page, "Ich vertrete", "Anna Admin")
    expect(received).to_contain_text(scope)
    received.get_by_role("button", name="Vertretung wahrnehmen für Anna Admin").click()

    expect(page).to_have_url(path_is("/mein-bereich"))
    banner = page.locator("#vertretung-hinweis")
    expect(banner).to_contain_text(f"{BANNER} Anna Admin")
    assert_accessible(page, "Mein Bereich in Vertretung")
    page.get_by_role("link", name="Vertretung", exact=True).click()
    expect(banner).to_be_visible()
    expect(row_of(page, "Ich vertrete", "Anna Admin")).to_contain_text("Wird wahrgenommen")
    assert_accessible(page, "Vertretung in Vertretung")

    banner.get_by_role("button", name="Vertretung beenden").click()
    expect(page.get_by_role("status")).to_have_text("Sie handeln wieder für sich selbst.")
    expect(page.get_by_text(BANNER)).to_have_count(0)
    log_out(page)

    open_delegation_page(page, "anna@muster.example")
    record = page.locator("section", has=page.get_by_role("heading", name="Protokoll der Vertretung"))
    expect(record.locator("tbody tr")).to_have_count(2)
    expect(record.locator("tbody tr").nth(0)).to_contain_text("Vertretung beendet")
    expect(record.locator("tbody tr").nth(1)).to_contain_text("Vertretung übernommen")
    expect(record.locator("tbody tr").nth(1)).to_contain_text("Uwe Nutzer")


def test_a_refused_delegation_keeps_the_entries_and_the_principal_can_end_it_early(page, live_server, team):
    open_delegation_page(page, "uwe@muster.example")
    page.get_by_label("Vertreterin/Vertreter").select_option(label="Karla Kollegin – karla@muster.example")
    start = (delegations.today() + timedelta(days=3)).strftime("%d.%m.%Y")
    page.get_by_label("Beginn").fill(start)
    field(page, "Ende").fill(delegations.today().strftime("%d.%m.%Y"))
    page.get_by_label("Nur Postfächer").check()
    page.get_by_role("button", name="Speichern").click()

    expect(field_error(page, "ends_on")).to_contain_text("Das Ende darf nicht vor dem Beginn liegen.")
    expect(page.get_by_label("Beginn")).to_have_value(start)
    expect(page.get_by_label("Vertreterin/Vertreter")).to_have_value(team.colleague_id)
    expect(page.get_by_label("Nur Postfächer")).to_be_checked()
    assert_accessible(page, "Vertretung mit Fehlern")

    field(page, "Ende").fill("")
    page.get_by_role("button", name="Speichern").click()
    mine = row_of(page, "Meine Vertretungen", "Karla Kollegin")
    expect(mine).to_contain_text("Künftig")
    mine.get_by_role("button", name="Vertretung durch Karla Kollegin beenden").click()

    expect(page.get_by_role("status")).to_have_text("Die Vertretung wurde beendet.")
    expect(mine).to_contain_text("Beendet")
    expect(mine.get_by_role("button")).to_have_count(0)
