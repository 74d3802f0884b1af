"""The Postfach pages and the message API together: what a service posts is read and
answered in the Postfach, and the service learns both through the API."""
from __future__ import annotations

import re

from tests.conftest import Browserless, csrf_from
from tests.postfach.conftest import PDF, message


def test_a_service_sees_its_message_read_and_fetches_the_reply_written_on_the_page(app, service, known_sub):
    sent = service.send(message({"sub": known_sub}, reference="AZ-9")).json
    assert service.status(sent["id"]).json["gelesen_am"] is None

    erika = Browserless(app)
    erika.login()
    read = erika.get(f"/postfach/vorgang/{sent['vorgang_id']}")
    assert "Anwohnerparkausweis" in read.text and "bescheid.pdf" in read.text
    assert service.status(sent["id"]).json["gelesen_am"] is not None
    attachment = erika.get(re.search(r'href="(/postfach/anhang/\d+)"', read.text).group(1))
    assert (attachment.mimetype, attachment.data) == ("application/pdf", PDF)

    url = f"/postfach/vorgang/{sent['vorgang_id']}/antworten/{sent['id']}"
    answer = erika.post(url, data={"subject": "AW: Ihr Bescheid", "text": "Danke!\nMit freundlichen Grüßen",
                                   "csrf_token": csrf_from(read.text)})
    assert answer.status_code == 302

    replies = service.replies(seit="2026-01-01T00:00:00Z").json["antworten"]
    assert [(r["vorgang_id"], r["referenz"], r["in_reply_to"], r["betreff"], r["text"]) for r in replies] == [
        (sent["vorgang_id"], "AZ-9", sent["id"], "AW: Ihr Bescheid", "Danke!\nMit freundlichen Grüßen")]
