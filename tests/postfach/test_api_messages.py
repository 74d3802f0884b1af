"""POST /nachrichten and GET /nachrichten/{id} as an online service meets them: every
answer of the contract, each validated against the OpenAPI document."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp.accounts.deletion import delete_account
from idp.extensions import db
from idp.postfach.models import Attachment, Case, Message
from tests.postfach.conftest import BASE, JPEG, PDF, PNG, XML, b64, message


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_message_is_delivered_with_its_attachment_and_its_state_can_be_read(app, service, known_sub):
    r = service.send(message({"sub": known_sub}))
    assert r.status_code == 201, r.json
    assert r.headers["Location"] == f"{BASE}/nachrichten/{r.json['id']}"
    state = service.status(r.json["id"])
    assert state.status_code == 200
    assert state.json["id"] == r.json["id"] and state.json["vorgang_id"] == r.json["vorgang_id"]
    assert state.json["zugestellt_am"].endswith("Z") and state.json["gelesen_am"] is None
    with app.app_context():
        stored = db.session.get(Message, r.json["id"])
        assert stored.case.account_id is not None and stored.case.reference == "AZ-2026-1"
        assert stored.subject == "Ihr Bescheid" and stored.reply_allowed is True
        assert [(a.filename, a.media_type, a.content) for a in stored.attachments] == [
            ("bescheid.pdf", "application/pdf", PDF)]


def test_the_read_time_is_reported_once_the_owner_opened_it(app, service, known_sub):
    from idp.timeutil import utcnow

    sent = service.send(message({"sub": known_sub})).json
    with app.app_context():
        db.session.get(Message, sent["id"]).read_at = utcnow()
        db.session.commit()
    assert service.status(sent["id"]).json["gelesen_am"].endswith("Z")


def test_messages_with_one_reference_form_one_vorgang(app, service, known_sub):
    first = service.send(message({"sub": known_sub})).json
    second = service.send(message({"sub": known_sub}, betreff="Nachtrag")).json
    third = service.send(message({"sub": known_sub}, reference="AZ-2026-2")).json
    assert first["vorgang_id"] == second["vorgang_id"] != third["vorgang_id"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize("name, media_type, content", [
    ("bild.png", "image/png", PNG), ("foto.jpg", "image/jpeg", JPEG), ("daten.xml", "application/xml", XML),
    ("daten.xml", "text/xml", XML)])
def test_every_media_type_of_the_contract_is_taken(service, known_sub, name, media_type, content):
    r = service.send(message({"sub": known_sub}, anhaenge=[{"dateiname": name, "medientyp": media_type,
                                                            "inhalt": b64(content)}]))
    assert r.status_code == 201, r.json


def test_without_attachments_and_reply_flag(service, known_sub):
    r = service.send(message({"sub": known_sub}, anhaenge=None, antwort_erlaubt=None))
    assert r.status_code == 201, r.json


def fields(response) -> dict:
    return {e["feld"]: e["detail"] for e in response.json.get("errors", [])}


@pytest.mark.parametrize("change, field", [
    (dict(empfaenger={}), "/empfaenger"),
    (dict(empfaenger={"sub": "a", "organisation": "b"}), "/empfaenger"),
    (dict(empfaenger={"sub": ""}), "/empfaenger/sub"),
    (dict(empfaenger={"sub": 7}), "/empfaenger/sub"),
    (dict(empfaenger="abc"), "/empfaenger"),
    (dict(vorgang={"referenz": "", "titel": "T"}), "/vorgang/referenz"),
    (dict(vorgang={"referenz": "R" * 201, "titel": "T"}), "/vorgang/referenz"),
    (dict(vorgang={"referenz": "R", "titel": " "}), "/vorgang/titel"),
    (dict(vorgang={"referenz": "R"}), "/vorgang/titel"),
    (dict(vorgang={"referenz": "R", "titel": "T", "farbe": "blau"}), "/vorgang/farbe"),
    (dict(betreff="B" * 256), "/betreff"),
    (dict(betreff="Zeile 1\nZeile 2"), "/betreff"),
    (dict(betreff=None), "/betreff"),
    (dict(text=""), "/text"),
    (dict(text="x" * 100_001), "/text"),
    (dict(text="Null\x00Byte"), "/text"),
    (dict(antwort_erlaubt="ja"), "/antwort_erlaubt"),
    (dict(antwort_erlaubt=1), "/antwort_erlaubt"),
    (dict(anhaenge={}), "/anhaenge"),
    (dict(anhaenge=["x"]), "/anhaenge/0"),
    (dict(anhaenge=[{"dateiname": "../etc/passwd", "medientyp": "application/pdf", "inhalt": b64(PDF)}]),
     "/anhaenge/0/dateiname"),
    (dict(anhaenge=[{"dateiname": "a\\b.pdf", "medientyp": "application/pdf", "inhalt": b64(PDF)}]),
     "/anhaenge/0/dateiname"),
    (dict(anhaenge=[{"dateiname": "x.exe", "medientyp": "application/octet-stream", "inhalt": b64(PDF)}]),
     "/anhaenge/0/medientyp"),
    (dict(anhaenge=[{"dateiname": "x.pdf", "medientyp": "application/pdf", "inhalt": "nicht base64!"}]),
     "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.pdf", "medientyp": "application/pdf", "inhalt": b64(PDF)[:-2]}]),
     "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.pdf", "medientyp": "application/pdf", "inhalt": b64(b"MZ\x90\x00")}]),
     "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.png", "medientyp": "image/png", "inhalt": b64(JPEG)}]), "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.xml", "medientyp": "application/xml", "inhalt": b64(b"<a><b></a>")}]),
     "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.xml", "medientyp": "application/xml",
                     "inhalt": b64(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')}]), "/anhaenge/0/inhalt"),
    (dict(anhaenge=[{"dateiname": "x.pdf", "medientyp": "application/pdf"}]), "/anhaenge/0/inhalt"),
    (dict(anhang=[]), "/anhang"),
])
def test_an_invalid_field_is_422_naming_the_field(app, service, known_sub, change, field):
    r = service.send(message({"sub": known_sub}, **change) if "empfaenger" not in change
                     else {**message({"sub": known_sub}), **change})
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"] == "application/problem+json"
    assert field in fields(r), r.json
    with app.app_context():
        assert count(Message) == 0


def test_all_offending_fields_are_named_at_once(service, known_sub):
    r = service.send({"empfaenger": {"sub": known_sub}, "betreff": "", "text": 3})
    assert r.status_code == 422
    assert {"/vorgang", "/betreff", "/text"} <= set(fields(r)), r.json


@pytest.mark.parametrize("data, content_type, status", [
    (b"{kein json", "application/json", 400),
    (b'{"text": NaN}', "application/json", 400),
    (b"[]", "application/json", 422),
    (b'{"betreff": "x"}', "text/plain", 415),
])
def test_a_body_that_is_not_a_json_object(service, known_sub, data, content_type, status):
    r = service.send(None, data=data, content_type=content_type)
    assert r.status_code == status, r.json
    assert r.json["status"] == status and r.json["type"].startswith("urn:servicekonto:postfach:problem:")


def test_a_body_above_the_limit_is_413(service, known_sub):
    r = service.send(None, data=b"{" + b" " * (16 * 1024 * 1024) + b"}", content_type="application/json")
    assert r.status_code == 413, r.json


def test_attachments_above_ten_megabytes_together_are_413_and_ten_megabytes_pass(app, service, known_sub):
    half = PDF + b"0" * (5 * 1024 * 1024 - len(PDF))
    two = [{"dateiname": f"teil{i}.pdf", "medientyp": "application/pdf", "inhalt": b64(half)} for i in (1, 2)]
    # The whole body is well above the application's usual 256 KB.
    r = service.send(message({"sub": known_sub}, anhaenge=two))
    assert r.status_code == 201, r.json
    too_much = two + [{"dateiname": "teil3.pdf", "medientyp": "application/pdf", "inhalt": b64(PDF)}]
    r = service.send(message({"sub": known_sub}, reference="AZ-2", anhaenge=too_much))
    assert r.status_code == 413 and "/anhaenge" in fields(r), r.json
    with app.app_context():
        assert count(Message) == 1 and count(Attachment) == 2


def test_a_sub_the_service_never_received_is_404(app, service, erika):
    r = service.send(message({"sub": "unbekannt"}))
    assert r.status_code == 404 and "/empfaenger/sub" in fields(r), r.json
    r = service.send(message({"organisation": "unbekannt"}))
    assert r.status_code == 404 and "/empfaenger/organisation" in fields(r), r.json
    with app.app_context():
        assert count(Case) == 0


def test_a_deleted_account_is_404_like_an_unknown_one(app, service, known_sub, erika):
    sent = service.send(message({"sub": known_sub})).json
    with app.app_context():
        delete_account(erika)
    r = service.send(message({"sub": known_sub}))
    assert r.status_code == 404, r.json
    assert service.status(sent["id"]).status_code == 404


def test_an_unknown_message_is_404(service):
    assert service.status("00000000-0000-0000-0000-000000000000").status_code == 404


def test_unknown_addresses_and_methods_of_the_api_are_problems(service):
    r = service.http.get(BASE + "/gibt-es-nicht")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.json["type"].endswith(":adresse-unbekannt")
    r = service.http.delete(BASE + "/nachrichten")
    assert r.status_code == 405 and r.mimetype == "application/problem+json" and "POST" in r.headers["Allow"]
    assert r.json["type"].endswith(":methode")
    # Outside the API the pages stay pages.
    assert service.http.get("/gibt-es-nicht").mimetype == "text/html"
