""""Vorgang herunterladen" is a real PDF: title, service, every message with date,
subject and text, and the list of attachments, with umlauts intact."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from idp.extensions import db
from idp.postfach import pdf
from idp.postfach.delivery import NewAttachment
from idp.postfach.models import Case
from tests.postfach.pages_support import add_service, bescheid, send


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_holds_every_message_and_lists_the_attachments(app_ctx, make_account):
    account_id = make_account()
    service = add_service("Grundsteuer-Erklärung")
    send(service, account_id=account_id, reference="GS-2026/17", title="Grundsteuer für Flurstück „Am Bächle“",
         subject="Eingangsbestätigung", text="Sehr geehrte Frau Müller,\nwir haben Ihre Erklärung erhalten.",
         attachments=(bescheid("Bestätigung.pdf"), NewAttachment("Lageplan.png", "image/png", b"\x89PNG" * 600)))
    sent = send(service, account_id=account_id, reference="GS-2026/17", subject="Rückfrage zur Größe",
                text="Bitte nennen Sie die Grundstücksgröße in m².")
    case = db.session.get(Case, sent.case_id)

    data = pdf.render(case)

    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Vorgang: Grundsteuer für Flurstück „Am Bächle“"
    text = text_of(data)
    for expected in ("Vorgang: Grundsteuer für Flurstück „Am Bächle“", "Online-Dienst: Grundsteuer-Erklärung",
                     "GS-2026/17", "Eingangsbestätigung", "Sehr geehrte Frau Müller,",
                     "wir haben Ihre Erklärung erhalten.", "Rückfrage zur Größe", "Grundstücksgröße in m².",
                     "Bestätigung.pdf (application/pdf, 20 Byte)", "Lageplan.png (image/png, 2 KB)", "2 Nachrichten"):
        assert expected in text, expected
    assert text.index("Eingangsbestätigung") < text.index("Rückfrage zur Größe")
    assert pdf.filename(case) == "Vorgang-Grundsteuer-fuer-Flurstueck-Am-Baechle.pdf"


def test_markup_in_a_message_is_text(app_ctx, make_account):
    sent = send(add_service(), account_id=make_account(), subject="<b>Fett</b> & mehr", text="a < b > c")
    data = pdf.render(db.session.get(Case, sent.case_id))
    assert "<b>Fett</b> & mehr" in text_of(data) and "a < b > c" in text_of(data)


def test_the_page_sends_it_as_a_download(app, make_account, user_agent):
    account_id = make_account()
    with app.app_context():
        sent = send(add_service(), account_id=account_id, title="Wohngeld 2026", subject="Bescheid über Wohngeld")
    user_agent.login()
    answer = user_agent.get(f"/postfach/vorgang/{sent.case_id}/pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == "attachment; filename=Vorgang-Wohngeld-2026.pdf"
    assert "Bescheid über Wohngeld" in text_of(answer.data)


@pytest.mark.parametrize("language, expected, absent", [
    ("en", ["Case: Wohngeld 2026", "Online service: Wohngeld-Antrag", "Reference of the online service: WG-1",
            "Downloaded on", "1 message", "Received on", "from Wohngeld-Antrag", "Attachments:",
            "Bescheid.pdf (application/pdf, 20 bytes)"],
     ["Vorgang", "Online-Dienst", "Heruntergeladen", "Eingang am", "Anhänge", "Uhr"]),
    ("de", ["Vorgang: Wohngeld 2026", "Online-Dienst: Wohngeld-Antrag", "Zeichen des Online-Dienstes: WG-1",
            "Heruntergeladen am", "1 Nachricht", "Eingang am", "von Wohngeld-Antrag", "Anhänge:",
            "Bescheid.pdf (application/pdf, 20 Byte)", "Uhr"],
     ["Case", "Downloaded", "Attachments"]),
])
def test_the_pdf_speaks_the_language_of_its_reader(app, make_account, user_agent, language, expected, absent):
    account_id = make_account()
    with app.app_context():
        sent = send(add_service(), account_id=account_id, title="Wohngeld 2026", subject="Bescheid über Wohngeld",
                    attachments=(bescheid(),))
    user_agent.submit("/", {"sprache": language, "zurueck": "/"}, action="/sprache")
    user_agent.login()
    answer = user_agent.get(f"/postfach/vorgang/{sent.case_id}/pdf")
    assert answer.status_code == 200
    text = text_of(answer.data)
    for words in expected:
        assert words in text, words
    for words in absent:
        assert words not in text, words
    # The service's own words stay as it wrote them.
    assert "Bescheid über Wohngeld" in text
    assert PdfReader(io.BytesIO(answer.data)).metadata.title == expected[0]
    prefix = "Case" if language == "en" else "Vorgang"
    assert answer.headers["Content-Disposition"] == f"attachment; filename={prefix}-Wohngeld-2026.pdf"
