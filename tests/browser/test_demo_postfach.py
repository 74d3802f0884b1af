"""The demo online service posts into the Postfach of the person logged in at it
(with its own client credentials token, a PDF attached) and shows their replies."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from idp.extensions import db
from idp.postfach.models import INCOMING, OUTGOING, Case, Message
from idp.timeutil import utcnow
from tests.browser.support import assert_accessible, submit_login_form

pytestmark = pytest.mark.browser


def log_in_at_demo(page: Page, demo_service: str) -> None:
    page.goto(demo_service + "/")
    page.get_by_role("link", name="Mit Servicekonto anmelden").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page).to_have_url(demo_service + "/")


def test_the_demo_sends_a_message_with_a_pdf_and_shows_the_reply(page: Page, app, make_account, demo_service, mailbox):
    erika = make_account()
    log_in_at_demo(page, demo_service)
    page.get_by_role("button", name="Nachricht ins Postfach senden").click()
    expect(page.get_by_role("status")).to_have_text("Die Nachricht mit dem Bescheid liegt jetzt in Ihrem Postfach.")
    expect(page.get_by_text("Noch keine Antworten.")).to_be_visible()
    assert_accessible(page, "Demo-Online-Dienst nach dem Senden")

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.account_id == erika))
        assert case.client_name == "Demo-Online-Dienst" and case.title == "Anwohnerparkausweis"
        (sent,) = case.messages
        assert sent.direction == INCOMING and sent.reply_allowed
        (pdf,) = sent.attachments
        assert pdf.media_type == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")
        assert pdf.content.rstrip().endswith(b"%%EOF")
        # The reply, as the Postfach's reply function stores it.
        db.session.add(Message(case_id=case.id, client_id=case.client_id, direction=OUTGOING,
                               subject="AW: Ihr Bescheid", text="Vielen Dank für den Bescheid!",
                               in_reply_to=sent.id, author_id=erika, delivered_at=utcnow()))
        db.session.commit()
    mailbox.wait_for("erika@example.org", "Neue Nachricht in Ihrem Postfach")

    page.reload()
    expect(page.locator("#antworten")).to_contain_text("Vielen Dank für den Bescheid!")
    # A second press joins the same Vorgang.
    page.get_by_role("button", name="Nachricht ins Postfach senden").click()
    expect(page.get_by_role("status")).to_be_visible()
    with app.app_context():
        assert len(db.session.scalar(select(Case).where(Case.account_id == erika)).messages) == 3
