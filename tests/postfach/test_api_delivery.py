"""Where a message lands and who learns of it: the citizen, an organisation's function
mailbox linked to the service or else its general mailbox, each told by a mail that
never carries the content; and a retried POST that creates nothing twice."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp.extensions import db
from idp.mail.outbox import OutboxMail
from idp.organisations.models import FunctionMailbox, FunctionMailboxGroup, FunctionMailboxMember
from idp.postfach.models import Case, Message
from tests.postfach.conftest import log_in_at, message
from tests.support.organisations import PASSWORD, group_grant, grant, make_organisation, subscribe

SUBJECT = "Neue Nachricht in Ihrem Postfach"
ADMIN, ANNA, BEN, CARLA = "admin@muster.example", "anna@muster.example", "ben@muster.example", "carla@muster.example"


def messages(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def notified(app) -> list[str]:
    """Everyone a notification was queued for (the outbox keeps sent mails), so that
    who was *not* told is certain without waiting for the worker."""
    with app.app_context():
        return sorted(db.session.scalars(select(OutboxMail.recipient).where(OutboxMail.subject == SUBJECT)))


def test_the_citizen_is_told_by_mail_without_the_content(app, service, known_sub, mailbox):
    r = service.send(message({"sub": known_sub}, betreff="Geheimer Betreff", text="Geheimer Inhalt"))
    assert r.status_code == 201
    mail = mailbox.wait_for("erika@example.org", SUBJECT)
    assert mail.subject == SUBJECT
    assert "Anwohnerparken" in mail.body and "/postfach" in mail.body
    assert "Geheim" not in mail.body and "bescheid.pdf" not in mail.body


# -- Idempotency-Key -------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_same_and_creates_nothing(app, service, known_sub, mailbox):
    body = message({"sub": known_sub})
    first = service.send(body, idempotency_key='"7f3c-1"')
    mailbox.wait_for("erika@example.org", SUBJECT)
    again = service.send(body, idempotency_key='"7f3c-1"')
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert messages(app) == 1
    assert notified(app) == ["erika@example.org"]


def test_the_key_is_the_same_bare_or_quoted_and_belongs_to_one_service(app, make_service, erika):
    a, b = make_service("Dienst A"), make_service("Dienst B")
    body_a, body_b = message({"sub": log_in_at(app, a)["sub"]}), message({"sub": log_in_at(app, b)["sub"]})
    first = a.send(body_a, idempotency_key="schluessel-1").json
    assert a.send(body_a, idempotency_key='"schluessel-1"').json == first
    # Another service's key space is its own.
    assert b.send(body_b, idempotency_key="schluessel-1").json["id"] != first["id"]
    assert messages(app) == 2


def test_the_same_key_with_another_body_is_422(app, service, known_sub):
    assert service.send(message({"sub": known_sub}), idempotency_key="k-1").status_code == 201
    r = service.send(message({"sub": known_sub}, betreff="Anders"), idempotency_key="k-1")
    assert r.status_code == 422 and r.json["type"].endswith("idempotency-key-wiederverwendet"), r.json
    assert r.json["errors"] == [{"feld": "Idempotency-Key", "detail": "Für eine andere Anfrage verwendet."}]
    assert messages(app) == 1


def test_without_a_key_a_retry_is_a_second_message(app, service, known_sub):
    body = message({"sub": known_sub})
    assert service.send(body).json["id"] != service.send(body).json["id"]


@pytest.mark.parametrize("key", ["", '""', "mit leerzeichen", "ü", "k" * 256])
def test_a_malformed_key_is_400_naming_the_header(app, service, known_sub, key):
    r = service.send(message({"sub": known_sub}), idempotency_key=key)
    assert r.status_code == 400 and r.json["errors"][0]["feld"] == "Idempotency-Key", r.json
    assert messages(app) == 0


# -- organisations ---------------------------------------------------------------------------------


@pytest.fixture
def business(app, service):
    built = make_organisation(app, users=(ANNA, BEN, CARLA))
    subscribe(app, built.organisation_id, service.client_id)
    grant(app, built.accounts[ANNA], service.client_id)
    return built


def organisation_id_at(app, service, email=ANNA) -> str:
    return log_in_at(app, service, email=email, password=PASSWORD,
                     scope="openid profile organisation")["organisation"]["id"]


def test_an_organisation_without_a_linked_mailbox_gets_it_in_its_general_mailbox(app, service, business, mailbox):
    r = service.send(message({"organisation": organisation_id_at(app, service)}))
    assert r.status_code == 201, r.json
    with app.app_context():
        case = db.session.get(Case, r.json["vorgang_id"])
        assert case.organisation_id == business.organisation_id and case.mailbox_id is None
        assert case.account_id is None
    mailbox.wait_for(ADMIN, SUBJECT)
    assert notified(app) == [ADMIN]


def test_the_function_mailbox_linked_to_the_service_gets_it_and_its_entitled_persons_are_told(
        app, service, business, mailbox):
    with app.app_context():
        linked = FunctionMailbox(organisation_id=business.organisation_id, name="Parken", client_id=service.client_id)
        other = FunctionMailbox(organisation_id=business.organisation_id, name="Allgemein")
        db.session.add_all([linked, other])
        db.session.flush()
        db.session.add(FunctionMailboxMember(mailbox_id=linked.id, account_id=business.accounts[BEN]))
        db.session.add(FunctionMailboxMember(mailbox_id=other.id, account_id=business.accounts[ANNA]))
        linked_id = linked.id
        db.session.commit()
    group = group_grant(app, business.organisation_id, business.accounts[CARLA], service.client_id)
    with app.app_context():
        db.session.add(FunctionMailboxGroup(mailbox_id=linked_id, group_id=group))
        db.session.commit()
    r = service.send(message({"organisation": organisation_id_at(app, service)}))
    assert r.status_code == 201, r.json
    with app.app_context():
        assert db.session.get(Case, r.json["vorgang_id"]).mailbox_id == linked_id
    mailbox.wait_for(BEN, SUBJECT)
    mailbox.wait_for(CARLA, SUBJECT)  # entitled through a group
    assert notified(app) == [BEN, CARLA]


def test_an_organisation_id_another_service_received_is_404(app, make_service, service, business):
    other = make_service("Anderer Dienst")
    r = other.send(message({"organisation": organisation_id_at(app, service)}))
    assert r.status_code == 404, r.json
