"""The message API for online services (SPEC §4), `/api/postfach/v1`: HTTP only.

The rules are beside it: `api_input` (the body of a new message), `recipients`
(whom a service may reach), `delivery` (the message, its Vorgang and the mail) and
`status` (what a service learns back). The contract is `openapi.json`, read once here;
tests hold the implementation to it.

Every refusal is an RFC 9457 problem (`application/problem+json`); refusals of the
access token keep their RFC 6750 / RFC 9449 WWW-Authenticate challenge and name the
OAuth error code in the member `error`.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import csrf
from ..oidc.resource import access_token_required, with_challenges
from . import api_input, delivery, recipients, status
from .api_input import FieldError, InvalidInput

bp = Blueprint("postfach_api", __name__, url_prefix="/api/postfach/v1")
csrf.exempt(bp)

OPENAPI = (Path(__file__).parent / "openapi.json").read_bytes()
PROBLEM = "urn:servicekonto:postfach:problem:"
PROBLEM_TITLES = {
    "token": "Das Zugriffstoken wird nicht angenommen.",
    "ungueltig": "Die Anfrage ist ungültig.",
    "zu-gross": "Die Anfrage ist zu groß.",
    "medientyp": "Der Inhalt wird als application/json erwartet.",
    "empfaenger-unbekannt": "Der Empfänger ist nicht bekannt.",
    "nicht-gefunden": "Die Nachricht gibt es nicht.",
    "idempotency-key-wiederverwendet": "Der Idempotency-Key wurde für eine andere Anfrage verwendet.",
    "adresse-unbekannt": "Diese Adresse gibt es in der Schnittstelle nicht.",
    "methode": "Diese Methode ist hier nicht erlaubt.",
    "nicht-verfuegbar": "Der Dienst ist vorübergehend nicht erreichbar.",
}


def problem(status_code: int, kind: str, detail: str, errors: list[FieldError] | None = None, **members):
    body = {"type": PROBLEM + kind, "title": PROBLEM_TITLES[kind], "status": status_code, "detail": detail,
            **members}
    if errors:
        body["errors"] = [{"feld": e.field, "detail": e.detail} for e in errors]
    response = jsonify(body)
    response.status_code = status_code
    response.mimetype = "application/problem+json"
    return response


def token_refusal(error):
    detail = error.description or "Ein Zugriffstoken mit dem Scope postfach wird benötigt."
    # RFC 6750 §3.1: a request without any token gets no error code.
    response = problem(error.status, "token", detail, **({"error": error.error} if error.error else {}))
    return with_challenges(response, error)


def postfach_token(view):
    # Only a service's own token: a token of the code grant speaks for a person.
    return access_token_required("postfach", service_only=True, refuse=token_refusal)(view)


@bp.after_request
def no_store(response):
    # Replies and message states are personal data; never kept by a cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/openapi.json")
def openapi():
    return OPENAPI, 200, {"Content-Type": "application/json", "Cache-Control": "public, max-age=3600"}


@bp.post("/nachrichten")
@postfach_token
def send():
    request.max_content_length = api_input.MAX_BODY_BYTES
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return problem(413, "zu-gross", f"Höchstens {api_input.MAX_BODY_BYTES} Bytes je Anfrage.")
    if request.mimetype != "application/json":
        return problem(415, "medientyp", "Content-Type: application/json wird erwartet.")
    try:
        body = api_input.parse_json(data)
    except ValueError:
        return problem(400, "ungueltig", "Der Inhalt ist kein gültiges JSON.")
    try:
        key = api_input.idempotency_key(request.headers.get("Idempotency-Key"))
    except InvalidInput as exc:
        return problem(400, "ungueltig", "Der Idempotency-Key ist ungültig.", exc.errors)
    try:
        checked = api_input.parse(body)
    except InvalidInput as exc:
        if exc.too_large:
            return problem(413, "zu-gross", "Die Anhänge sind zusammen zu groß.", exc.errors)
        return problem(422, "ungueltig", "Die Nachricht ist unvollständig oder fehlerhaft.", exc.errors)
    client = g.access_token.get_client()
    recipient = recipients.resolve(client.client_id, checked.kind, checked.identifier)
    if recipient is None:
        return problem(404, "empfaenger-unbekannt",
                       "Diesem Online-Dienst ist kein Konto mit dieser Kennung bekannt, oder es besteht nicht mehr.",
                       [FieldError(f"/empfaenger/{checked.kind}", "Unbekannt.")])
    try:
        delivered = delivery.deliver(client, recipient, checked.message, key)
    except delivery.IdempotencyConflict:
        return problem(422, "idempotency-key-wiederverwendet",
                       "Unter diesem Idempotency-Key wurde eine andere Nachricht zugestellt.",
                       [FieldError("Idempotency-Key", "Für eine andere Anfrage verwendet.")])
    message = delivered.message
    response = jsonify({"id": message.id, "vorgang_id": message.case_id})
    response.status_code = 201
    response.headers["Location"] = url_for(".message", message_id=message.id)
    return response


@bp.get("/nachrichten/<message_id>")
@postfach_token
def message(message_id: str):
    found = status.own_message(g.access_token.client_id, message_id)
    if found is None:
        return problem(404, "nicht-gefunden", "Dieser Online-Dienst hat keine Nachricht mit dieser id zugestellt.")
    return jsonify({"id": found.id, "vorgang_id": found.case_id, "zugestellt_am": status.rfc3339(found.delivered_at),
                    "gelesen_am": status.rfc3339(found.read_at)})


@bp.get("/antworten")
@postfach_token
def replies():
    try:
        since = status.parse_time(request.args.get("seit"))
    except ValueError:
        return problem(400, "ungueltig", "seit wird als Zeitpunkt nach RFC 3339 erwartet.",
                       [FieldError("seit", "Pflichtparameter, z. B. 2026-01-31T12:00:00Z.")])
    after = request.args.get("nach") or None
    if after is not None and len(after) > 36:
        return problem(400, "ungueltig", "nach ist die id einer Antwort.", [FieldError("nach", "Ungültige id.")])
    page = status.replies(g.access_token.client_id, since, after)
    more = None
    if page.more:
        more = url_for(".replies", seit=status.rfc3339(page.last.delivered_at), nach=page.last.id)
    return jsonify({"antworten": [_reply(m) for m in page.replies], "weiter": more})


def _reply(message) -> dict:
    return {"id": message.id, "vorgang_id": message.case_id, "referenz": message.case.reference,
            "in_reply_to": message.in_reply_to, "betreff": message.subject, "text": message.text,
            "gesendet_am": status.rfc3339(message.delivered_at)}


def serves(path: str) -> bool:
    """Whether `path` lies under the API, where even an unknown address or method is
    answered as a problem, not with a page."""
    return path == bp.url_prefix or path.startswith(bp.url_prefix + "/")


def routing_problem(error):
    """404 and 405 of the router under the API's prefix (the app's error handlers
    call this: the router decides before any blueprint is chosen)."""
    if error.code == 405:
        response = problem(405, "methode", "Diese Adresse nimmt die Methode nicht an; erlaubt sind die unter Allow.")
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
        return response
    return problem(404, "adresse-unbekannt", "Die Schnittstelle hat unter dieser Adresse nichts; "
                                             "siehe /api/postfach/v1/openapi.json.")
