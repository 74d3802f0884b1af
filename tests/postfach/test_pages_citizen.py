"""The Postfach pages of a citizen without a browser: folders and unread counts, the
read view, replies, the Papierkorb, attachments — and that nobody reaches another
person's Vorgang."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from idp.extensions import db
from idp.postfach.models import OUTGOING, Case, Message
from tests.conftest import csrf_from
from tests.postfach.pages_support import PDF_BYTES, add_service, bescheid, send


def visible_text(html: str) -> str:
    """The text a screen reader gets (visually hidden parts included)."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


@pytest.fixture
def erika(app, make_account, user_agent):
    account_id = make_account()
    with app.app_context():
        service = add_service()
        first = send(service, account_id=account_id, reply_allowed=True, attachments=(bescheid(),))
    user_agent.login()
    return {"id": account_id, "service": service, "first": first}


def test_the_eingang_lists_the_message_and_counts_it_unread_in_the_header(erika, user_agent):
    page = user_agent.get("/postfach/")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Eingang (1)" in text
    assert 'aria-label="Postfach, 1 ungelesene Nachricht"' in page.text
    row = re.search(r'<tr data-message="[^"]+" class="kern-table__row unread">(.*?)</tr>', page.text, re.S).group(1)
    assert ["Ungelesen", "Wohngeld-Antrag", "Ihr Antrag ist eingegangen Antrag auf Wohngeld", "Ja"] == [
        visible_text(cell) for i, cell in enumerate(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)) if i != 3]


def test_opening_the_vorgang_marks_it_read_and_the_counts_go_down(erika, user_agent, app):
    with app.app_context():
        send(erika["service"], account_id=erika["id"], subject="Nachforderung", reply_allowed=False)
    assert "Eingang (2)" in visible_text(user_agent.get("/postfach/").text)

    read = user_agent.get(f"/postfach/vorgang/{erika['first'].case_id}")
    assert read.status_code == 200
    assert "Neu Nachforderung" in visible_text(read.text) and "Neu Ihr Antrag ist eingegangen" in visible_text(read.text)

    inbox = visible_text(user_agent.get("/postfach/").text)
    assert "ungelesen" not in inbox.lower().replace("nur ungelesene nachrichten", "")
    with app.app_context():
        assert all(m.read_at is not None for m in db.session.scalars(select(Message)))


def test_a_reply_is_an_outgoing_message_in_the_same_vorgang(erika, user_agent, app):
    url = f"/postfach/vorgang/{erika['first'].case_id}/antworten/{erika['first'].message_id}"
    form = user_agent.get(url)
    assert 'value="AW: Ihr Antrag ist eingegangen"' in form.text
    refused = user_agent.post(url, data={"subject": "AW: Antrag", "text": "   ", "csrf_token": csrf_from(form.text)})
    assert refused.status_code == 400
    assert "Bitte geben Sie Ihre Antwort ein." in refused.text

    sent = user_agent.post(url, data={"subject": "AW: Antrag", "text": "Anbei meine Unterlagen.\r\nGrüße",
                                      "csrf_token": csrf_from(form.text)})
    assert sent.status_code == 302
    with app.app_context():
        reply = db.session.scalar(select(Message).where(Message.direction == OUTGOING))
        assert (reply.case_id, reply.in_reply_to, reply.author_id, reply.client_id, reply.text) == (
            erika["first"].case_id, erika["first"].message_id, erika["id"], erika["service"],
            "Anbei meine Unterlagen.\nGrüße")
    assert "AW: Antrag" in user_agent.get("/postfach/gesendet").text
    assert "AW: Antrag" not in user_agent.get("/postfach/").text


def test_no_reply_where_the_service_does_not_allow_it_and_the_text_stays(erika, user_agent, app):
    with app.app_context():
        closed = send(erika["service"], account_id=erika["id"], reference="WG-2", subject="Bescheid")
    url = f"/postfach/vorgang/{closed.case_id}/antworten/{closed.message_id}"
    page = user_agent.get(url)
    assert "hat für diese Nachricht keine Antwort vorgesehen" in page.text
    assert 'name="text"' not in page.text
    read = user_agent.get(f"/postfach/vorgang/{closed.case_id}")
    assert ">Antworten</a>" not in read.text
    refused = user_agent.post(url, data={"subject": "AW", "text": "Mein Einwand", "csrf_token": csrf_from(read.text)})
    assert refused.status_code == 400
    assert "keine Antwort vorgesehen" in refused.text and "Mein Einwand</textarea>" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == OUTGOING)) is None


def test_the_vorgang_goes_to_the_papierkorb_only_when_everything_is_read(erika, user_agent, app):
    case_id = erika["first"].case_id
    read = user_agent.get(f"/postfach/vorgang/{case_id}")
    with app.app_context():  # arrives while the page is open
        send(erika["service"], account_id=erika["id"], subject="Noch eine Frage")
    refused = user_agent.post(f"/postfach/vorgang/{case_id}/loeschen", data={"csrf_token": csrf_from(read.text)})
    assert refused.status_code == 409
    assert ("Der Vorgang enthält eine ungelesene Nachricht und kann deshalb nicht in den Papierkorb verschoben "
            "werden.") in refused.text
    assert "Neu Noch eine Frage" in visible_text(refused.text)  # now shown, and so read

    moved = user_agent.post(f"/postfach/vorgang/{case_id}/loeschen", data={"csrf_token": csrf_from(read.text)})
    assert moved.status_code == 302
    assert "Antrag auf Wohngeld" not in user_agent.get("/postfach/").text
    trash = user_agent.get("/postfach/papierkorb")
    assert "Noch eine Frage" in trash.text and "Ihr Antrag ist eingegangen" in trash.text
    page = user_agent.get(f"/postfach/vorgang/{case_id}")
    assert "Wiederherstellen" in page.text and ">Antworten</a>" not in page.text

    restored = user_agent.post(f"/postfach/vorgang/{case_id}/wiederherstellen",
                               data={"csrf_token": csrf_from(page.text)})
    assert restored.status_code == 302
    assert "Ihr Antrag ist eingegangen" in user_agent.get("/postfach/").text
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.trashed_at is None and case.restored_at is not None


def test_an_attachment_is_downloaded_with_its_type(erika, user_agent, app):
    page = user_agent.get(f"/postfach/vorgang/{erika['first'].case_id}")
    link = re.search(r'href="(/postfach/anhang/\d+)" download>Bescheid.pdf', page.text).group(1)
    answer = user_agent.get(link)
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == "attachment; filename=Bescheid.pdf"
    assert answer.data == PDF_BYTES


def test_someone_elses_vorgang_does_not_exist(erika, app, make_account, user_agent):
    other_id = make_account("max@example.org", given_name="Max")
    with app.app_context():
        other = send(erika["service"], account_id=other_id, reply_allowed=True, attachments=(bescheid(),),
                     subject="Vertraulich")
        attachment_id = db.session.scalar(select(Message).where(Message.id == other.message_id)).attachments[0].id
    token = csrf_from(user_agent.get("/postfach/").text)
    assert "Vertraulich" not in user_agent.get("/postfach/").text
    for url in (f"/postfach/vorgang/{other.case_id}", f"/postfach/vorgang/{other.case_id}/pdf",
                f"/postfach/vorgang/{other.case_id}/antworten/{other.message_id}", f"/postfach/anhang/{attachment_id}"):
        assert user_agent.get(url).status_code == 404, url
    for url in (f"/postfach/vorgang/{other.case_id}/loeschen", f"/postfach/vorgang/{other.case_id}/wiederherstellen",
                f"/postfach/vorgang/{other.case_id}/antworten/{other.message_id}"):
        assert user_agent.post(url, data={"csrf_token": token, "text": "x", "subject": "x"}).status_code == 404, url
    assert user_agent.get(f"/postfach/?postfach=konto:{other_id}").status_code == 404
    with app.app_context():
        assert db.session.get(Case, other.case_id).trashed_at is None
        assert db.session.get(Message, other.message_id).read_at is None


def test_the_pages_need_a_login(app, user_agent):
    answer = user_agent.get("/postfach/")
    assert answer.status_code == 302 and "/anmelden" in answer.headers["Location"]



def test_a_reply_that_is_too_long_is_refused_and_kept(erika, user_agent, app):
    url = f"/postfach/vorgang/{erika['first'].case_id}/antworten/{erika['first'].message_id}"
    form = user_agent.get(url)
    refused = user_agent.post(url, data={"subject": "", "text": "ä" * 10_001, "csrf_token": csrf_from(form.text)})
    assert refused.status_code == 400
    assert "Bitte geben Sie einen Betreff ein." in refused.text
    assert "Ihre Antwort darf höchstens 10.000 Zeichen lang sein (jetzt 10.001)." in refused.text
    assert "ä" * 10_001 + "</textarea>" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == OUTGOING)) is None
