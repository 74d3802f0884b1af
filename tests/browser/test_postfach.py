"""The Postfach in the browser: receiving and reading with the unread counts, filter and
sort, replying, the Papierkorb with its refusal while a message is unread, restoring,
the PDF of a Vorgang — and organisation users reading function mailboxes through a
group and as deputy."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.support import assert_accessible, field_error, log_in_to_mein_bereich, path_is, submit_login_form
from tests.postfach.pages_support import PDF_BYTES, add_service, bescheid, karla_names_uwe_deputy, make_office, send

pytestmark = pytest.mark.browser


def envelope(page: Page, unread: int):
    name = "Postfach" + (f", {unread} ungelesene Nachricht{'en' if unread != 1 else ''}" if unread else "")
    return page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=name, exact=True)


def folder_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Ordner").get_by_role("link", name=name, exact=True)


def rows(page: Page):
    return page.locator("table.messages tbody tr")


@pytest.fixture
def erika(app, make_account):
    account_id = make_account()
    with app.app_context():
        wohngeld, kita = add_service("Wohngeld-Antrag"), add_service("Kita-Platz")
        first = send(wohngeld, account_id=account_id, reference="WG-7", title="Wohngeld 2026",
                     subject="Bescheid über Ihr Wohngeld", text="Sehr geehrte Frau Mustermann,\nanbei Ihr Bescheid.",
                     reply_allowed=True, attachments=(bescheid("Bescheid.pdf"),))
        send(kita, account_id=account_id, reference="K-1", title="Kita-Anmeldung", subject="Anmeldung eingegangen")
    return {"id": account_id, "wohngeld": wohngeld, "case_id": first.case_id}


def test_a_citizen_receives_reads_filters_and_answers(page: Page, live_server, erika, app, tmp_path):
    log_in_to_mein_bereich(page)
    envelope(page, 2).click()
    expect(page).to_have_url(path_is("/postfach/"))
    expect(folder_link(page, "Eingang (2)")).to_be_visible()
    expect(rows(page)).to_have_count(2)
    expect(rows(page).nth(0)).to_contain_text("Anmeldung eingegangen")  # newest first
    expect(rows(page).nth(1)).to_contain_text("Ja")  # the Wohngeld message allows a reply
    assert_accessible(page, "Eingang")

    page.get_by_text("Filtern und sortieren").click()
    page.get_by_label("Online-Dienst").select_option(label="Wohngeld-Antrag")
    page.get_by_role("button", name="Anwenden").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).nth(0)).to_contain_text("Bescheid über Ihr Wohngeld")
    page.get_by_label("Online-Dienst").select_option(label="Alle Online-Dienste")
    page.get_by_label("Sortieren nach").select_option(label="Betreff")
    page.get_by_role("button", name="Anwenden").click()
    expect(rows(page).nth(0)).to_contain_text("Anmeldung eingegangen")
    expect(rows(page).nth(1)).to_contain_text("Bescheid über Ihr Wohngeld")

    page.get_by_role("link", name="Bescheid über Ihr Wohngeld").click()
    expect(page.get_by_role("heading", name="Wohngeld 2026", level=2)).to_be_visible()
    expect(page.locator(".message-text")).to_have_text("Sehr geehrte Frau Mustermann,\nanbei Ihr Bescheid.")
    expect(envelope(page, 1)).to_be_visible()
    expect(folder_link(page, "Eingang (1)")).to_be_visible()
    assert_accessible(page, "Leseansicht")
    with page.expect_download() as download:
        page.get_by_role("link", name="Bescheid.pdf").click()
    assert download.value.suggested_filename == "Bescheid.pdf"
    assert Path(download.value.path()).read_bytes() == PDF_BYTES

    page.get_by_role("link", name="Antworten", exact=True).click()
    expect(page.get_by_label("Betreff")).to_have_value("AW: Bescheid über Ihr Wohngeld")
    assert_accessible(page, "Antworten")
    page.get_by_role("button", name="Antwort senden").click()
    expect(field_error(page, "text")).to_contain_text("Bitte geben Sie Ihre Antwort ein.")
    page.get_by_label("Ihre Antwort").fill("Vielen Dank, ich lege Widerspruch ein.")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Antwort wurde gesendet.")
    expect(page.locator("section.message").first).to_contain_text("Vielen Dank, ich lege Widerspruch ein.")

    folder_link(page, "Gesendet").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).nth(0)).to_contain_text("AW: Bescheid über Ihr Wohngeld")
    assert_accessible(page, "Gesendet")


def test_a_vorgang_goes_to_the_papierkorb_and_back_and_downloads_as_pdf(page: Page, live_server, erika, app):
    log_in_to_mein_bereich(page)
    page.goto(f"/postfach/vorgang/{erika['case_id']}")
    with app.app_context():  # arrives while the Vorgang is open
        send(erika["wohngeld"], account_id=erika["id"], reference="WG-7", subject="Nachfrage zum Bescheid",
             text="Bitte senden Sie uns Ihre Kontoauszüge.")
    page.get_by_role("button", name="Gesamten Vorgang löschen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Der Vorgang enthält eine ungelesene Nachricht und kann deshalb nicht in den Papierkorb verschoben werden.")
    expect(page.get_by_role("heading", name="Neu Nachfrage zum Bescheid")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Vorgang herunterladen").click()
    assert download.value.suggested_filename == "Vorgang-Wohngeld-2026.pdf"
    reader = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in ("Vorgang: Wohngeld 2026", "Online-Dienst: Wohngeld-Antrag", "Bescheid über Ihr Wohngeld",
                     "Sehr geehrte Frau Mustermann,", "Nachfrage zum Bescheid", "Bitte senden Sie uns Ihre Kontoauszüge.",
                     "Bescheid.pdf (application/pdf"):
        assert expected in text, expected

    page.get_by_role("button", name="Gesamten Vorgang löschen").click()
    expect(page.get_by_role("status")).to_have_text("Der Vorgang wurde in den Papierkorb verschoben.")
    expect(rows(page)).to_have_count(1)
    folder_link(page, "Papierkorb").click()
    expect(rows(page)).to_have_count(2)
    assert_accessible(page, "Papierkorb")
    page.get_by_role("link", name="Nachfrage zum Bescheid").click()
    expect(page.get_by_text("werden 30 Tage nach dem Verschieben gelöscht")).to_be_visible()
    expect(page.get_by_role("link", name="Antworten", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Wiederherstellen").click()
    expect(page.get_by_role("status")).to_contain_text("Er wird nicht mehr automatisch gelöscht.")
    folder_link(page, "Eingang (1)").click()  # the Kita message is still unread
    expect(rows(page)).to_have_count(3)
    expect(envelope(page, 1)).to_be_visible()


@pytest.fixture
def office(app):
    """Uwe reads "Buchhaltung" through a group; "Personal" is Karla's alone, and Karla
    has named Uwe as her deputy for her Postfächer."""
    office = make_office(app)
    karla_names_uwe_deputy(app, office)
    return office


def test_function_mailboxes_through_a_group_and_as_deputy(page: Page, live_server, office):
    log_in_to_mein_bereich(page, "uwe@muster.example")
    expect(envelope(page, 1)).to_be_visible()
    page.get_by_role("link", name="Zum Postfach").click()
    switcher = page.get_by_role("navigation", name="Postfächer")
    expect(switcher.get_by_role("link")).to_have_count(2)
    expect(switcher).not_to_contain_text("Personal")
    switcher.get_by_role("link", name=re.compile("^Funktionspostfach „Buchhaltung“")).click()
    expect(page.get_by_text("Sie lesen: Funktionspostfach „Buchhaltung“")).to_be_visible()
    page.get_by_role("link", name="Bitte Rechnung prüfen").click()
    expect(page.get_by_role("heading", name="Umsatzsteuer", level=2)).to_be_visible()
    expect(envelope(page, 0)).to_be_visible()

    page.get_by_role("link", name="Mein Bereich").click()
    page.get_by_role("link", name="Vertretung", exact=True).click()
    page.get_by_role("button", name="Vertretung wahrnehmen für Karla Kollegin").click()
    page.get_by_role("link", name="Zum Postfach").click()
    deputy_box = switcher.get_by_role("link", name=re.compile("^Funktionspostfach „Personal“ \\(Vertretung für Karla"))
    expect(deputy_box).to_be_visible()
    deputy_box.click()
    assert_accessible(page, "Funktionspostfach in Vertretung")
    page.get_by_role("link", name="Vertrauliche Personalsache").click()
    expect(page.get_by_role("heading", name="Lohnsteuer", level=2)).to_be_visible()

    page.locator("#vertretung-hinweis").get_by_role("button", name="Vertretung beenden").click()
    page.get_by_role("link", name=re.compile("^Postfach")).first.click()
    expect(switcher.get_by_role("link")).to_have_count(2)
    expect(switcher).not_to_contain_text("Personal")


def test_the_demo_services_message_is_read_and_answered_in_the_postfach(page: Page, live_server, make_account,
                                                                         demo_service):
    make_account()
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Zustimmen").click()
    page.get_by_role("button", name="Nachricht ins Postfach senden").click()
    expect(page.get_by_role("status")).to_be_visible()

    page.goto(live_server + "/postfach/")
    expect(envelope(page, 1)).to_be_visible()
    rows(page).nth(0).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Anwohnerparkausweis", level=2)).to_be_visible()
    with page.expect_download() as download:
        page.locator(".attachments").get_by_role("link").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    page.get_by_role("link", name="Antworten", exact=True).click()
    page.get_by_label("Ihre Antwort").fill("Vielen Dank, der Ausweis ist angekommen.")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Antwort wurde gesendet.")

    page.goto(demo_service + "/")
    expect(page.locator("#antworten")).to_contain_text("Vielen Dank, der Ausweis ist angekommen.")
