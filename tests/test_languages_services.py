"""The service pages in English without a browser: the catalogue, the Postfach (with
its refusals and form errors, and its mail), the federation pages and the registry
office show no German of the message catalogue once the reader has chosen English."""
from __future__ import annotations

import re

import pytest

from idp.accounts.models import Account
from idp.extensions import db
from idp.loa import Level
from tests.catalogue.support import list_service
from tests.postfach.pages_support import add_service, send
from tests.support.federation import add_oidc_partner, arrived
from tests.support.languages import german_in, visible_text
from tests.support.registry_office import clerk_with_a_case
from tests.support.sessions import log_in_at_level


def in_english(user_agent) -> None:
    user_agent.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")


def english_page(user_agent, path: str, status: int = 200) -> str:
    answer = user_agent.get(path)
    return english(answer, status)


def english(answer, status: int = 200) -> str:
    assert answer.status_code == status
    assert re.search(r'<html lang="en"', answer.text)
    text = visible_text(answer.text)
    assert german_in(text) == []
    return text


def test_the_catalogue_in_english(app, user_agent, make_account):
    listed = list_service(app, "Dog licence", description="Register a dog.", authority="Town hall",
                          fees="30 EUR", min_loa="substanziell", audience="both")
    in_english(user_agent)
    text = english_page(user_agent, "/online-dienste")
    assert "All online services" in text and "Responsible authority Town hall" in text
    assert "Citizens and organisations" in text and "Start here : Dog licence" in text
    assert "1 online service for “Dog”" in english_page(user_agent, "/online-dienste?q=Dog")
    assert "No online service was found" in english_page(user_agent, "/online-dienste?q=Nothing")

    make_account()
    user_agent.login()
    text = english_page(user_agent, "/online-dienste")
    # Below the service's level: why, and what to do, in English.
    assert "You cannot use this online service with your login." in text
    assert "The online service requires the level of assurance “substantial”. This requires your identity" in text
    assert f'id="dienst-{listed}"' in user_agent.get("/online-dienste").text


@pytest.fixture
def mailbox_of_erika(app, make_account):
    account_id = make_account()
    with app.app_context():
        service = add_service("Housing benefit")
        first = send(service, account_id=account_id, reference="HB-7", title="Housing benefit 2026",
                     subject="Your notice", text="Dear Ms Mustermann,\nhere is your notice.", reply_allowed=True)
        send(service, account_id=account_id, reference="HB-8", title="Second case", subject="Received")
    return first


def test_the_postfach_in_english(user_agent, mailbox_of_erika):
    in_english(user_agent)
    user_agent.login()
    text = english_page(user_agent, "/postfach/")
    assert "Inbox (2)" in text and "Filter and sort" in text and "Reply possible" in text
    assert "Unread" in text and "Yes" in text
    assert "There are no messages in this folder." in english_page(user_agent, "/postfach/gesendet")
    assert "The bin is empty." in english_page(user_agent, "/postfach/papierkorb")
    # A filter that cannot be applied says why, next to the field.
    text = english_page(user_agent, "/postfach/?von=32.13.2027", 400)
    assert "Please enter a valid date in the format DD.MM.YYYY" in text

    case = f"/postfach/vorgang/{mailbox_of_erika.case_id}"
    text = english_page(user_agent, case)
    assert "Reference of the online service HB-7" in text and "Received on" in text and "Download case" in text

    reply = f"{case}/antworten/{mailbox_of_erika.message_id}"
    assert "Your reply goes to the online service Housing benefit" in english_page(user_agent, reply)
    text = english(user_agent.submit(reply, {"subject": "", "text": " "}), 400)
    assert "Please enter a subject." in text and "Please enter your reply." in text
    sent = user_agent.submit(reply, {"subject": "Re: notice", "text": "Thank you."})
    assert sent.status_code == 302
    assert "Your reply has been sent." in english_page(user_agent, sent.location)

    # An unread message keeps its case out of the bin (asked for from the list, unopened).
    listing = user_agent.get("/postfach/").text
    unread_case = re.search(r'href="(/postfach/vorgang/[^"#]+)#n-[^"]+">Received<', listing).group(1)
    refused = english(user_agent.submit("/postfach/", {}, action=f"{unread_case}/loeschen"), 409)
    assert "The case contains an unread message and therefore cannot be moved to the bin." in refused


def test_the_new_message_mail_follows_the_account(app, mailbox, make_account):
    account_id = make_account(email="jo@example.org")
    with app.app_context():
        db.session.get(Account, account_id).locale = "en"
        db.session.commit()
        send(add_service("Housing benefit"), account_id=account_id)
        db.session.commit()
    mail = mailbox.wait_for("jo@example.org", "New message in your mailbox")
    assert "a new message from “Housing benefit” has arrived in your mailbox" in mail.body
    assert german_in(mail.body) == []


def test_the_federation_pages_in_english(app, user_agent, make_account):
    partner_id = add_oidc_partner(app)
    in_english(user_agent)
    text = english_page(user_agent, "/anmelden/servicekonto")
    assert "Do you already have a Servicekonto in another federal state?" in text
    chosen = user_agent.submit("/anmelden/servicekonto", {"partner": ""})
    assert "Please choose the federal state where you have a Servicekonto." in english(chosen, 400)

    text = english_page(user_agent, arrived(app, user_agent, partner_id))
    assert "Take over data from “Land C”" in text and "First name" in text
    answer = user_agent.get("/anmelden/servicekonto/rueckkehr?code=abc&state=xyz")
    assert "does not belong to any ongoing login" in english(answer, 400)

    make_account()
    user_agent.login()
    text = english_page(user_agent, "/mein-bereich/servicekonten")
    assert "Your account is not linked with any Servicekonto of another federal state." in text


def test_the_registry_office_in_english(app, user_agent, make_account):
    clerk, case = clerk_with_a_case(app, make_account)
    in_english(user_agent)
    log_in_at_level(app, user_agent, clerk, Level.SUBSTANZIELL)
    assert "You process the" in english_page(user_agent, "/meldebehoerde", 403)

    log_in_at_level(app, user_agent, clerk, Level.HOCH)
    text = english_page(user_agent, f"/meldebehoerde?vorgang={case}")
    assert "Open cases" in text and f"{case}: Erika Mustermann, born 01.02.1980" in text
    text = english(user_agent.submit(f"/meldebehoerde/vorgang/{case}", {"decision": "ablehnen", "reason": ""}), 400)
    assert "Reason for the refusal" in text and "Status open" in text
