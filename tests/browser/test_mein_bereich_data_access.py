""""Datenzugriff verwalten" in the browser (SPEC §3): after a login to the demo
online service the history shows the service, the data, the time and the level; a
revoked consent is asked for again; "Verlauf löschen" empties the history."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from idp import timeutil
from tests.browser.support import ACCOUNT_PASSWORD, assert_accessible, log_in_to_mein_bereich, submit_login_form

pytestmark = pytest.mark.browser

EMAIL = "erika@example.org"
DEMO = "Demo-Online-Dienst"


def log_in_at_demo(page, demo_service, expect_consent: bool, first_time: bool = True):
    """Log in to the demo online service; `expect_consent` says whether the IdP has
    to ask for the consent on the way."""
    page.goto(demo_service + "/login")
    if first_time:
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
        submit_login_form(page, EMAIL, ACCOUNT_PASSWORD)
    if expect_consent:
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Datenübermittlung an „{DEMO}“")
        page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_text("Sie sind angemeldet.")).to_be_visible()
    assert page.url.startswith(demo_service)


def table_rows(page, caption: str) -> list[list[str]]:
    table = page.get_by_role("table", name=caption)
    return [row.get_by_role("cell").all_inner_texts() for row in table.locator("tbody tr").all()]


def open_data_access(page):
    page.goto("/mein-bereich")
    page.get_by_role("link", name="Datenzugriff verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenzugriff verwalten")


HISTORY = "Welche Online-Dienste wann welche Daten erhalten haben"
CONSENTS = "Online-Dienste, denen Sie die Übermittlung Ihrer Daten erlaubt haben"


def shown_time(text: str) -> datetime:
    return datetime.strptime(text, "%d.%m.%Y, %H:%M Uhr (UTC)")


def test_history_shows_service_data_time_and_level(page, demo_service, make_account):
    make_account()
    before = timeutil.utcnow().replace(second=0, microsecond=0)
    log_in_at_demo(page, demo_service, expect_consent=True)
    after = timeutil.utcnow()
    expect(page.locator("td[data-claim=given_name]").first).to_have_text("Erika")

    open_data_access(page)
    assert_accessible(page, "Datenzugriff verwalten with entries")
    history = table_rows(page, HISTORY)
    # One entry per login: the ID token and what its access token lets the service
    # read at /userinfo (recorded when the tokens are issued, not per read).
    assert len(history) == 1, history
    [(when, service, data, level)] = history
    assert service == DEMO and level == "niedrig"
    assert before <= shown_time(when) <= after
    assert data == ("Pseudonyme Kennung, Vorname, Nachname, Vollständiger Name, E-Mail-Adresse, "
                    "Bestätigung, dass die E-Mail-Adresse Ihnen gehört")

    consents = table_rows(page, CONSENTS)
    assert len(consents) == 1
    service, data, granted, _ = consents[0]
    assert service == DEMO
    for label in ("Vorname", "Nachname", "Vollständiger Name", "E-Mail-Adresse",
                  "Bestätigung, dass die E-Mail-Adresse Ihnen gehört"):
        assert label in data, data
    assert "Pseudonyme Kennung" not in data
    assert before <= shown_time(granted) <= after


def test_revoked_consent_is_asked_for_again(page, demo_service, make_account):
    make_account()
    log_in_at_demo(page, demo_service, expect_consent=True)
    # With the consent standing, the next login goes straight through.
    log_in_at_demo(page, demo_service, expect_consent=False, first_time=False)

    open_data_access(page)
    page.get_by_role("button", name=f"Zustimmung für {DEMO} widerrufen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Die Zustimmung wurde widerrufen. Bei der nächsten Anmeldung fragt Sie der Online-Dienst erneut.")
    expect(page.get_by_role("main")).to_contain_text(
        "Sie haben keinem Online-Dienst eine dauerhafte Zustimmung erteilt.")
    assert_accessible(page, "Datenzugriff verwalten after revoking")
    # The history of what was released stays until it is deleted.
    assert {row[1] for row in table_rows(page, HISTORY)} == {DEMO}

    log_in_at_demo(page, demo_service, expect_consent=True, first_time=False)
    open_data_access(page)
    assert [row[0] for row in table_rows(page, CONSENTS)] == [DEMO]


def test_deleting_the_history_empties_it_and_keeps_the_consent(page, demo_service, make_account):
    make_account()
    log_in_at_demo(page, demo_service, expect_consent=True)
    open_data_access(page)
    assert table_rows(page, HISTORY)

    page.get_by_role("button", name="Verlauf löschen").click()
    expect(page.get_by_role("status")).to_have_text("Der Verlauf wurde gelöscht.")
    expect(page.get_by_role("table", name=HISTORY)).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(
        "Es wurden noch keine Daten an Online-Dienste übermittelt, oder Sie haben den Verlauf gelöscht.")
    expect(page.get_by_role("button", name="Verlauf löschen")).to_have_count(0)
    assert [row[0] for row in table_rows(page, CONSENTS)] == [DEMO]
    assert_accessible(page, "Datenzugriff verwalten without history")

    # New releases are recorded again.
    log_in_at_demo(page, demo_service, expect_consent=False, first_time=False)
    open_data_access(page)
    assert len(table_rows(page, HISTORY)) == 1


def test_history_belongs_to_its_owner_only(page, browser, live_server, demo_service, make_account):
    make_account()
    make_account(email="max@example.org", given_name="Max")
    log_in_at_demo(page, demo_service, expect_consent=True)

    context = browser.new_context(locale="de-DE", base_url=live_server)
    other = context.new_page()
    log_in_to_mein_bereich(other, "max@example.org")
    open_data_access(other)
    expect(other.get_by_role("main")).to_contain_text("Es wurden noch keine Daten an Online-Dienste übermittelt")
    expect(other.get_by_role("main")).to_contain_text("Sie haben keinem Online-Dienst eine dauerhafte Zustimmung")
    context.close()
