"""eID-Server simulator (development and tests only; binds nowhere by itself).

Serves the signed SOAP 1.1 interface of a TR-03130 eID-Server, so the real
EidServerClient talks to it unchanged:

    POST /eID-Server      useID, getResult, getServerInfo. The request must be signed
                          (WS-Security) by the trusted eService certificate, else a SOAP
                          fault; a schema-invalid request gets common#schemaViolation.
                          Every response is signed with the simulator's key.

The eID-Client simulator (client.py) replaces PAOS over TLS-PSK with two calls,
authenticated with an HMAC under the session's PSK (see channel.py):

    GET  /ecard/<psk_id>  what the session asks for: operations, age, provider
    POST /ecard/<psk_id>  {"action": "complete", "card": id, "pin": "123456",
                           "pseudonym": true|false} or {"action": "cancel"}

Control for tests (and curious developers):

    POST   /simulator/next-result   force the ResultMinor of the next call, JSON or form:
                                    minor     full URI or the part after .../resultminor/,
                                              e.g. "getResult#invalidDocument"
                                    operation "useID" or "getResult"; needed only for
                                              common#internalError / common#schemaViolation
                                    message   optional ResultMessage (English, as TR-03130)
                                    count     how many calls in a row (default 1)
    GET    /simulator/next-result   what is queued
    DELETE /simulator/next-result   clear the queue

A forced answer replaces the next answer of that operation whatever the request (once
it is signed and schema-valid); the session itself is left as it was, only a higher
RequestCounter is remembered. Most minors also arise by themselves: invalidPSK (PSK ID
in use, key under 256 bits), tooManyOpenSessions (max_open_sessions), missingArgument
(nothing requested, AgeVerification without Age), missingTerminalRights (a right
outside `terminal_rights`), noResultYet, invalidSession (unknown, expired, cancelled or
already fetched), invalidCounter (not strictly increasing; ends the session),
invalidDocument (expired test card). State lives in memory, guarded by one lock.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cryptography import x509
from cryptography.x509.oid import NameOID
from flask import Flask, Response, jsonify, request
from lxml import etree

from .. import schema
from ..errors import EidProtocolError, SchemaViolation, SignatureRefused
from ..messages import (
    OPERATION_NAMES,
    PERSONAL_DATA_ATTRIBUTES,
    GetResultResponse,
    PersonalData,
    Psk,
    RestrictedID,
    Result,
    Selection,
    UseIDRequest,
    UseIDResponse,
    build_get_result_response,
    build_get_server_info_response,
    build_use_id_response,
    parse_get_result_request,
    parse_use_id_request,
)
from ..namespaces import EID
from ..results import RESULT_MINOR_PREFIX, ResultMinor
from ..wssec import SOAP_CONTENT_TYPE, Signer, Verifier, build_fault
from . import cards, channel

log = logging.getLogger(__name__)

SOAP_PATH = "/eID-Server"
ECARD_PATH = "/ecard"
CONTROL_PATH = "/simulator/next-result"

# The simulated authorization certificate: every data group and function the
# Servicekonto could want, none of the signature and specific-attribute functions.
TERMINAL_RIGHTS = OPERATION_NAMES - {
    "PlaceVerification", "PSC", "PSM", "PSA", "SpecificAttribute", "DeleteSpecificAttribute",
}
MIN_PSK_KEY_BYTES = 32



def _group(minor: ResultMinor) -> str:
    """"common", "useID" or "getResult": the part of a ResultMinor before the "#"."""
    return minor.removeprefix(RESULT_MINOR_PREFIX).split("#", 1)[0]


# Operation -> the ResultMinors it can answer: its own and the common ones.
_FORCEABLE = {
    operation: frozenset(minor for minor in ResultMinor if _group(minor) in ("common", operation))
    for operation in ("useID", "getResult")
}


def resolve_minor(value: str) -> ResultMinor | None:
    """A ResultMinor from its full URI or the part after .../resultminor/."""
    value = (value or "").strip()
    if not value.startswith(RESULT_MINOR_PREFIX):
        value = RESULT_MINOR_PREFIX + value
    return ResultMinor._value2member_map_.get(value)


@dataclass
class _Session:
    session_id: str
    psk: Psk
    request: UseIDRequest
    created: float
    last_counter: int = 0
    # pending -> completed | cancelled | blocked
    state: str = "pending"
    card_id: str | None = None
    pseudonym_allowed: bool = False
    wrong_pins: int = 0


class EidServerSimulator:
    """State and protocol logic; create_eid_server_app puts HTTP around it."""

    def __init__(self, server_key_pem: bytes, server_cert_pem: bytes, trusted_client_cert_pem: bytes,
                 base_url: str, *, session_ttl: float = 900.0, max_open_sessions: int = 100,
                 terminal_rights: frozenset[str] = TERMINAL_RIGHTS,
                 clock: Callable[[], float] = time.monotonic, today: Callable[[], date] = date.today):
        self._signer = Signer(server_key_pem, server_cert_pem)
        self._verifier = Verifier(trusted_client_cert_pem)
        self.base_url = base_url.rstrip("/")
        self.ecard_server_address = self.base_url + ECARD_PATH
        self._ttl = session_ttl
        self._max_open = max_open_sessions
        self._rights = frozenset(terminal_rights)
        self._clock = clock
        self._today = today
        client_cert = x509.load_pem_x509_certificate(trusted_client_cert_pem)
        names = client_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        self.provider = str(names[0].value) if names else client_cert.subject.rfc4514_string()
        # Pseudonyms: specific to the eService (its certificate) and to this simulator's key.
        self._sector = cards.eservice_sector(server_key_pem, trusted_client_cert_pem)
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._by_psk: dict[str, str] = {}
        self._forced: dict[str, deque[Result]] = {operation: deque() for operation in _FORCEABLE}
        # SOAP body element -> handler; the operation is its name without "Request".
        self._handlers = {"useIDRequest": self._use_id, "getResultRequest": self._get_result,
                          "getServerInfoRequest": self._server_info}

    # -- SOAP ------------------------------------------------------------------------------
    def handle_soap(self, body: bytes) -> tuple[int, bytes]:
        try:
            payload = self._verifier.verify(body).payload
        except (SignatureRefused, EidProtocolError) as exc:
            # Unsigned or untrusted: nothing in it is read, and nothing is signed back.
            return 500, build_fault("Client", f"request refused: {exc}")
        qname = etree.QName(payload)
        handler = self._handlers.get(qname.localname) if qname.namespace == EID else None
        if handler is None:
            return 500, build_fault("Client", f"unknown operation {qname.text}")
        operation = qname.localname.removesuffix("Request")
        try:
            schema.validate_message(payload, qname.localname)
        except SchemaViolation as exc:
            fault = ("Client", f"schema violation: {exc}")
            result = Result.error(ResultMinor.SCHEMA_VIOLATION, str(exc)[:500])
        else:
            try:
                return 200, self._signer.sign(handler(payload))
            except Exception:  # an eID-Server answers internalError, never a stack trace
                log.exception("eID-Server simulator: %s failed", operation)
                fault = ("Server", "internal error")
                result = Result.error(ResultMinor.INTERNAL_ERROR)
        if operation == "getServerInfo":  # its response has no dss:Result
            return 500, build_fault(*fault)
        return 200, self._signer.sign(self._error(operation, result))

    @staticmethod
    def _error(operation: str, result: Result) -> etree._Element:
        if operation == "useID":
            # The schema demands Session and PSK even in an error: throwaway values
            # that belong to no session.
            return build_use_id_response(UseIDResponse(
                secrets.token_hex(16).upper(), Psk(secrets.token_hex(16), secrets.token_bytes(32)),
                result=result))
        return build_get_result_response(GetResultResponse(result=result))

    def _take_forced(self, operation: str) -> Result | None:
        with self._lock:
            queue = self._forced[operation]
            return queue.popleft() if queue else None

    def _purge(self) -> None:
        """Drop expired sessions; the caller holds the lock."""
        limit = self._clock() - self._ttl
        for session in [s for s in self._sessions.values() if s.created < limit]:
            self._end(session)

    def _end(self, session: _Session) -> None:
        self._sessions.pop(session.session_id, None)
        self._by_psk.pop(session.psk.id, None)

    def _use_id(self, payload: etree._Element) -> etree._Element:
        forced = self._take_forced("useID")
        if forced is not None:
            return self._error("useID", forced)
        try:
            use_request = parse_use_id_request(payload)
        except ValueError as exc:  # e.g. AgeVerification selected without its Age
            return self._error("useID", Result.error(ResultMinor.MISSING_ARGUMENT, str(exc)))
        if not use_request.operations:
            return self._error("useID", Result.error(ResultMinor.MISSING_ARGUMENT, "nothing requested"))
        lacking = sorted(set(use_request.operations) - self._rights)
        if lacking:
            return self._error("useID", Result.error(
                ResultMinor.MISSING_TERMINAL_RIGHTS, "not in the terminal certificate: " + ", ".join(lacking)))
        with self._lock:
            self._purge()
            psk = use_request.psk
            if psk is not None and (len(psk.key) < MIN_PSK_KEY_BYTES or psk.id in self._by_psk):
                return self._error("useID", Result.error(ResultMinor.INVALID_PSK, "PSK too short or in use"))
            if len(self._sessions) >= self._max_open:
                return self._error("useID", Result.error(ResultMinor.TOO_MANY_OPEN_SESSIONS))
            if psk is None:
                psk = Psk(secrets.token_hex(32), secrets.token_bytes(32))
            session = _Session(secrets.token_hex(32).upper(), psk, use_request, self._clock())
            self._sessions[session.session_id] = session
            self._by_psk[psk.id] = session.session_id
        return build_use_id_response(UseIDResponse(
            session.session_id, psk, ecard_server_address=self.ecard_server_address))

    def _get_result(self, payload: etree._Element) -> etree._Element:
        try:
            get_request = parse_get_result_request(payload)
        except ValueError as exc:  # RequestCounter 0 or negative: never higher than before
            return self._error("getResult", Result.error(ResultMinor.INVALID_COUNTER, str(exc)))
        forced = self._take_forced("getResult")

        def error(minor: ResultMinor, message: str | None = None) -> etree._Element:
            return self._error("getResult", Result.error(minor, message))

        with self._lock:
            self._purge()
            session = self._sessions.get(get_request.session_id.upper())
            if forced is not None:
                if session is not None:
                    session.last_counter = max(session.last_counter, get_request.request_counter)
                return self._error("getResult", forced)
            if session is None:
                return error(ResultMinor.INVALID_SESSION)
            if get_request.request_counter <= session.last_counter:
                # A repeated counter may be a replay: the session is over.
                self._end(session)
                return error(ResultMinor.INVALID_COUNTER)
            session.last_counter = get_request.request_counter
            if session.state == "pending":
                return error(ResultMinor.NO_RESULT_YET)
            self._end(session)  # the result is handed out once
            if session.state != "completed":
                return error(ResultMinor.INVALID_SESSION, f"eID process ended by the eID-Client: {session.state}")
        today = self._today()
        card = cards.card(session.card_id, today)
        if card is None:
            return error(ResultMinor.INTERNAL_ERROR)
        if card.expired(today):
            return error(ResultMinor.INVALID_DOCUMENT, "document expired")
        return build_get_result_response(self._released(session, card, today))

    def _released(self, session: _Session, card: cards.TestCard, today: date) -> GetResultResponse:
        """What the card gives out: only operations the eService asked for, the pseudonym
        only if REQUIRED or allowed by the citizen."""
        values: dict[str, object] = {}
        allowed_by_user: dict[str, str] = {}
        for name, selection in session.request.operations.items():
            if name == "RestrictedID":
                if selection is Selection.REQUIRED or session.pseudonym_allowed:
                    values["restricted_id"] = RestrictedID(cards.restricted_id(card.id, self._sector))
                    allowed_by_user[name] = "ALLOWED"
                else:
                    allowed_by_user[name] = "PROHIBITED"
            elif name == "AgeVerification":
                allowed_by_user[name] = "ALLOWED"
            else:
                attr = PERSONAL_DATA_ATTRIBUTES.get(name)
                value = getattr(card.data, attr) if attr else None
                if value is None:
                    allowed_by_user[name] = "NOTONCHIP"
                else:
                    values[attr] = value
                    allowed_by_user[name] = "ALLOWED"
        age = session.request.age_verification
        return GetResultResponse(
            personal_data=PersonalData(**values) if values else None,
            fulfils_age_verification=cards.fulfils_age(card.data, age, today) if age is not None else None,
            operations_allowed_by_user=allowed_by_user,
        )

    def _server_info(self, _payload: etree._Element) -> etree._Element:
        return build_get_server_info_response("Servicekonto eID-Server simulator 2.0.2", self._rights)

    # -- eID-Client link -------------------------------------------------------------------
    def ecard(self, method: str, psk_id: str, body: bytes, mac: str | None) -> tuple[dict, int]:
        """(JSON, status) for the eID-Client: GET tells what the session asks for, POST
        completes or cancels it; only with a valid MAC under the PSK, only while pending."""
        with self._lock:
            self._purge()
            session = self._sessions.get(self._by_psk.get(psk_id, ""))
            if session is None or not channel.verify(session.psk.key, method, psk_id, body, mac):
                return {"error": "unknownSession"}, 403
            if session.state != "pending":
                return {"error": "closed"}, 409
            if method == "GET":
                return {
                    "provider": self.provider,
                    "operations": {name: str(value) for name, value in session.request.operations.items()},
                    "age_verification": session.request.age_verification,
                    "pin_attempts_left": cards.PIN_ATTEMPTS - session.wrong_pins,
                }, 200
            return self._ecard_action(session, body)

    def _ecard_action(self, session: _Session, body: bytes) -> tuple[dict, int]:
        """Complete or cancel a pending session; the caller holds the lock."""
        try:
            data = json.loads(body)
            action = data["action"]
        except (ValueError, KeyError, TypeError):
            return {"error": "badRequest"}, 400
        if action == "cancel":
            session.state = "cancelled"
            return {"status": "cancelled"}, 200
        if action != "complete":
            return {"error": "badRequest"}, 400
        card = cards.card(str(data.get("card", "")), self._today())
        if card is None:
            return {"error": "unknownCard"}, 400
        if not card.check_pin(str(data.get("pin", ""))):
            session.wrong_pins += 1
            left = cards.PIN_ATTEMPTS - session.wrong_pins
            if left <= 0:
                session.state = "blocked"
                return {"status": "blocked"}, 200
            return {"status": "wrongPin", "pin_attempts_left": left}, 200
        session.state = "completed"
        session.card_id = card.id
        session.pseudonym_allowed = data.get("pseudonym") is True
        return {"status": "ok"}, 200

    # -- control ---------------------------------------------------------------------------
    def force(self, minor_value: str, operation: str | None = None, message: str | None = None,
              count: int = 1) -> None:
        """Queue `count` answers with this ResultMinor for the next calls of the operation."""
        minor = resolve_minor(minor_value)
        if minor is None:
            raise ValueError(f"unknown ResultMinor {minor_value!r}")
        operation = operation or (_group(minor) if _group(minor) in _FORCEABLE else None)
        if operation not in _FORCEABLE:
            raise ValueError("operation must be useID or getResult")
        if minor not in _FORCEABLE[operation]:
            raise ValueError(f"{minor} is not an answer of {operation}")
        if not 1 <= count <= 100:
            raise ValueError("count must be 1 to 100")
        with self._lock:
            self._forced[operation].extend([Result.error(minor, message or None)] * count)

    def forced(self) -> dict[str, list[str]]:
        with self._lock:
            return {op: [r.minor for r in queue] for op, queue in self._forced.items()}

    def clear_forced(self) -> None:
        with self._lock:
            for queue in self._forced.values():
                queue.clear()

    def open_sessions(self) -> int:
        with self._lock:
            self._purge()
            return len(self._sessions)


_HELP = """eID-Server simulator (DEVELOPMENT ONLY)

POST       {soap:<24}TR-03130 SOAP 1.1 (useID, getResult, getServerInfo), WS-Security
GET, POST  {ecard:<24}link of the eID-Client simulator (HMAC under the PSK)
POST       {control:<24}force the next ResultMinor: minor=getResult#invalidDocument
           {blank:<24}[operation=useID|getResult] [count=N] [message=...]
GET        {control:<24}what is forced
DELETE     {control:<24}clear it

Test cards (PIN {pin}): {cards}
"""


def create_eid_server_app(server_key_pem: bytes, server_cert_pem: bytes, trusted_client_cert_pem: bytes,
                          base_url: str, **options) -> Flask:
    """The eID-Server simulator as a Flask app; `base_url` is where it is reachable
    (for eCardServerAddress). Options: see EidServerSimulator."""
    simulator = EidServerSimulator(server_key_pem, server_cert_pem, trusted_client_cert_pem, base_url,
                                   **options)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    app.extensions["eid_server_simulator"] = simulator

    @app.get("/")
    def index():
        text = _HELP.format(soap=SOAP_PATH, ecard=ECARD_PATH + "/<psk_id>", control=CONTROL_PATH, blank="",
                            pin=cards.TEST_PIN,
                            cards=", ".join(c.id for c in cards.all_cards()))
        return Response(text, mimetype="text/plain")

    @app.post(SOAP_PATH)
    def soap():
        status, body = simulator.handle_soap(request.get_data())
        return Response(body, status=status, content_type=SOAP_CONTENT_TYPE)

    @app.get(f"{ECARD_PATH}/<psk_id>")
    def ecard_info(psk_id):
        data, status = simulator.ecard("GET", psk_id, b"", request.headers.get(channel.HEADER))
        return jsonify(data), status

    @app.post(f"{ECARD_PATH}/<psk_id>")
    def ecard_complete(psk_id):
        data, status = simulator.ecard("POST", psk_id, request.get_data(), request.headers.get(channel.HEADER))
        return jsonify(data), status

    @app.route(CONTROL_PATH, methods=["GET", "POST", "DELETE"])
    def next_result():
        if request.method == "POST":
            values = request.get_json(silent=True) if request.is_json else request.form
            if not hasattr(values, "get"):
                return jsonify({"error": "expected a JSON object or form fields"}), 400
            count = values.get("count")
            try:
                simulator.force(str(values.get("minor", "")), values.get("operation") or None,
                                values.get("message") or None, 1 if count in (None, "") else int(count))
            except (ValueError, TypeError) as exc:
                return jsonify({"error": str(exc)}), 400
        elif request.method == "DELETE":
            simulator.clear_forced()
        return jsonify({"queued": simulator.forced()})

    return app
