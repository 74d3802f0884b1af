"""eID-Client simulator (development and tests only): stands in for the AusweisApp,
which listens on 127.0.0.1:24727 (TR-03124-1).

    GET  /eID-Client?tcTokenURL=...  fetch the TC token (text/xml, schema-valid), learn
                                     from the eID-Server simulator what is asked, show a
                                     page: requested data, test card, PIN, pseudonym
                                     yes/no, "Übermitteln" / "Abbrechen"
    POST /eID-Client                 the form; ends with a 303 to the RefreshAddress
    GET  /eID-Client?Status          what the AusweisApp answers there (JSON)
    GET  /                           a short German help page with the test cards

Redirects (TR-03124-1 2.5.4; the bare ResultMinor codes, as the AusweisApp sends them
and results.ClientResultMinor expects):

    completed (also for an expired card or a too young holder:
    the eID-Server tells in getResult)       RefreshAddress?ResultMajor=ok
    "Abbrechen"                              ...?ResultMajor=error&ResultMinor=cancellationByUser
    third wrong PIN (card blocked)           ...?ResultMajor=error&ResultMinor=clientError
    eID-Server unreachable or PSK refused    ...?ResultMajor=error&ResultMinor=trustedChannelEstablishmentFailed
    eID-Server answers otherwise             ...?ResultMajor=error&ResultMinor=serverError
    TC token fetched but unusable            CommunicationErrorAddress (else RefreshAddress)
                                             ?ResultMajor=error&ResultMinor=communicationError
    TC token unreachable, no tcTokenURL      German error page (no address is known)

The pages need no JavaScript. Only the PSK ties this simulator to a session at the
eID-Server simulator; the browser never sees it (the form carries a random handle).
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import hardened_xml
import requests
from flask import Flask, jsonify, redirect, render_template, request

from ..errors import EidError
from ..messages import OPERATIONS
from ..results import ClientResultMinor
from ..tctoken import BINDING_PAOS, PATH_SECURITY_PSK, TcToken, parse_tc_token
from . import cards, channel

EID_CLIENT_PORT = 24727
EID_CLIENT_PATH = "/eID-Client"
MAX_TC_TOKEN_BYTES = 64 * 1024
MAX_FLOWS = 1000

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' http: https:; "
       "frame-ancestors 'none'; base-uri 'none'")

LABELS = {
    "DocumentType": "Dokumentart",
    "IssuingState": "Ausstellender Staat",
    "DateOfExpiry": "Gültig bis",
    "GivenNames": "Vornamen",
    "FamilyNames": "Familienname",
    "ArtisticName": "Ordens- oder Künstlername",
    "AcademicTitle": "Doktorgrad",
    "DateOfBirth": "Geburtsdatum",
    "PlaceOfBirth": "Geburtsort",
    "Nationality": "Staatsangehörigkeit",
    "Sex": "Geschlecht",
    "OptionalDataR": "Optionale Daten",
    "BirthName": "Geburtsname",
    "WrittenSignature": "Unterschrift",
    "DateOfIssuance": "Ausstellungsdatum",
    "PlaceOfResidence": "Anschrift",
    "MunicipalityID": "Gemeindeschlüssel",
    "ResidencePermitI": "Nebenbestimmungen zum Aufenthaltstitel I",
    "ResidencePermitII": "Nebenbestimmungen zum Aufenthaltstitel II",
    "PhoneNumber": "Telefonnummer",
    "EmailAddress": "E-Mail-Adresse",
    "RestrictedID": "Pseudonym (dienste- und kartenspezifisches Kennzeichen)",
    "AgeVerification": "Altersbestätigung",
    "PlaceVerification": "Wohnortbestätigung",
    "PSC": "Signatur (PSC)",
    "PSM": "Signatur (PSM)",
    "PSA": "Signatur (PSA)",
    "SpecificAttribute": "Spezifisches Attribut",
    "DeleteSpecificAttribute": "Spezifisches Attribut löschen",
}

_PIN = re.compile(r"\d{6}")


@dataclass
class _Flow:
    token: TcToken
    provider: str
    operations: dict[str, str]
    age: int | None
    pin_attempts_left: int
    created: float


class _Redirect(Exception):
    """Leave the flow: send the browser to `address` with these query parameters."""

    def __init__(self, address: str, major: str, minor: str | None = None):
        super().__init__(address)
        self.address, self.major, self.minor = address, major, minor


class _ErrorPage(Exception):
    def __init__(self, heading: str, message: str, status: int):
        super().__init__(message)
        self.heading, self.message, self.status = heading, message, status


def _with_result(address: str, major: str, minor: str | None) -> str:
    params = {"ResultMajor": major}
    if minor:
        params["ResultMinor"] = minor
    parts = urlsplit(address)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _http_url(value: str | None) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _salvage_error_address(data: bytes) -> str | None:
    """CommunicationErrorAddress (else RefreshAddress) of a TC token that is not usable
    but at least well-formed."""
    try:
        root = hardened_xml.parse(data)
    except hardened_xml.XmlRefused:
        return None
    for name in ("CommunicationErrorAddress", "RefreshAddress"):
        value = (root.findtext(name) or "").strip()
        if _http_url(value):
            return value
    return None


class EidClientSimulator:
    def __init__(self, *, http=None, timeout: float = 10.0, flow_ttl: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        # requests itself (a fresh session per call) unless the caller passes one.
        self._http = http or requests
        self._timeout = timeout
        self._ttl = flow_ttl
        self._clock = clock
        self._flows: OrderedDict[str, _Flow] = OrderedDict()
        self._lock = threading.Lock()

    # -- flows -----------------------------------------------------------------------------
    def _store(self, flow: _Flow) -> str:
        handle = secrets.token_urlsafe(24)
        with self._lock:
            self._purge()
            self._flows[handle] = flow
            while len(self._flows) > MAX_FLOWS:
                self._flows.popitem(last=False)
        return handle

    def _purge(self) -> None:
        limit = self._clock() - self._ttl
        for handle in [h for h, f in self._flows.items() if f.created < limit]:
            del self._flows[handle]

    def flow(self, handle: str) -> _Flow | None:
        with self._lock:
            self._purge()
            return self._flows.get(handle)

    def _drop(self, handle: str) -> None:
        with self._lock:
            self._flows.pop(handle, None)

    # -- TC token and the eID-Server link --------------------------------------------------
    def fetch_tc_token(self, url: str) -> TcToken:
        if not _http_url(url):
            raise _ErrorPage("Vorgang kann nicht gestartet werden",
                             "Der Aufruf enthält keine gültige Adresse für den TC-Token (tcTokenURL).", 400)
        unreachable = _ErrorPage(
            "Vorgang kann nicht gestartet werden",
            "Der TC-Token des Online-Dienstes konnte nicht abgerufen werden. Bitte starten Sie den "
            "Vorgang beim Online-Dienst erneut.", 502)
        try:
            response = self._http.get(url, timeout=self._timeout, stream=True,
                                      headers={"Accept": "text/xml"})
            try:
                data = response.raw.read(MAX_TC_TOKEN_BYTES + 1, decode_content=True)
            finally:
                response.close()
        except requests.RequestException as exc:
            raise unreachable from exc
        if response.status_code != 200 or len(data) > MAX_TC_TOKEN_BYTES:
            raise unreachable
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if content_type != "text/xml":
                raise ValueError(f"TC token served as {content_type or 'nothing'}")
            token = parse_tc_token(data)
            if token.binding != BINDING_PAOS or token.path_security_protocol != PATH_SECURITY_PSK:
                raise ValueError("TC token without PAOS binding or TLS-PSK")
            if not (_http_url(token.server_address) and _http_url(token.refresh_address)):
                raise ValueError("TC token addresses are not http(s) URLs")
            if len(token.psk) < 16 or not token.session_identifier:
                raise ValueError("TC token without PSK")
        except (ValueError, EidError) as exc:
            address = _salvage_error_address(data)
            if address is None:
                raise _ErrorPage("Vorgang kann nicht gestartet werden",
                                 "Der TC-Token des Online-Dienstes ist ungültig.", 502) from exc
            raise _Redirect(address, "error", ClientResultMinor.COMMUNICATION_ERROR.value) from exc
        return token

    def _ecard(self, token: TcToken, method: str, body: bytes = b"") -> dict:
        """The eID-Server simulator's JSON answer; leaves by _Redirect if there is none."""
        url = f"{token.server_address.rstrip('/')}/{quote(token.session_identifier, safe='')}"
        headers = {channel.HEADER: channel.sign(token.psk, method, token.session_identifier, body)}
        if body:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, url, data=body or None, headers=headers,
                                          timeout=self._timeout)
        except requests.RequestException as exc:
            raise _Redirect(token.refresh_address, "error",
                            ClientResultMinor.TRUSTED_CHANNEL_ESTABLISHMENT_FAILED.value) from exc
        if response.status_code == 403:  # the PSK was not accepted: no channel
            raise _Redirect(token.refresh_address, "error",
                            ClientResultMinor.TRUSTED_CHANNEL_ESTABLISHMENT_FAILED.value)
        try:
            answer = response.json() if response.status_code == 200 else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise _Redirect(token.refresh_address, "error", ClientResultMinor.SERVER_ERROR.value)
        return answer

    def start(self, tc_token_url: str) -> tuple[str, _Flow]:
        token = self.fetch_tc_token(tc_token_url)
        info = self._ecard(token, "GET")
        flow = _Flow(token=token, provider=str(info.get("provider") or ""),
                     operations=dict(info.get("operations") or {}), age=info.get("age_verification"),
                     pin_attempts_left=int(info.get("pin_attempts_left", cards.PIN_ATTEMPTS)),
                     created=self._clock())
        return self._store(flow), flow

    def cancel(self, handle: str, flow: _Flow) -> None:
        self._drop(handle)
        try:
            self._ecard(flow.token, "POST", b'{"action": "cancel"}')
        except _Redirect:
            pass  # cancelled is cancelled, whatever the server says
        raise _Redirect(flow.token.refresh_address, "error", ClientResultMinor.CANCELLATION_BY_USER.value)

    def complete(self, handle: str, flow: _Flow, card_id: str, pin: str, pseudonym: bool) -> str:
        """Returns the PIN error to show; leaves by _Redirect otherwise."""
        body = json.dumps({"action": "complete", "card": card_id, "pin": pin,
                           "pseudonym": pseudonym}).encode()
        try:
            answer = self._ecard(flow.token, "POST", body)
        except _Redirect:
            self._drop(handle)
            raise
        status = answer.get("status")
        if status == "wrongPin":
            with self._lock:
                flow.pin_attempts_left = int(answer.get("pin_attempts_left") or 0)
            left = flow.pin_attempts_left
            return f"Die PIN ist falsch. Sie haben noch {left} {'Versuch' if left == 1 else 'Versuche'}."
        self._drop(handle)
        if status == "ok":
            raise _Redirect(flow.token.refresh_address, "ok")
        if status == "blocked":
            raise _Redirect(flow.token.refresh_address, "error", ClientResultMinor.CLIENT_ERROR.value)
        raise _Redirect(flow.token.refresh_address, "error", ClientResultMinor.SERVER_ERROR.value)


def _requested(flow: _Flow) -> list[dict]:
    items = []
    for name, _mandatory in OPERATIONS:
        selection = flow.operations.get(name)
        if selection not in ("REQUIRED", "ALLOWED"):
            continue
        label = LABELS.get(name, name)
        if name == "AgeVerification" and flow.age is not None:
            label = f"Altersbestätigung (mindestens {flow.age} Jahre)"
        items.append({"name": name, "label": label, "required": selection == "REQUIRED"})
    return items


def create_eid_client_app(*, http=None, timeout: float = 10.0, flow_ttl: float = 900.0,
                          clock: Callable[[], float] = time.monotonic) -> Flask:
    """The eID-Client simulator; serve it on 127.0.0.1 (port 24727 for browsers that
    follow real eID links, any port in tests)."""
    simulator = EidClientSimulator(http=http, timeout=timeout, flow_ttl=flow_ttl, clock=clock)
    app = Flask(__name__, template_folder="templates", static_folder="static",
                static_url_path="/simulator-static")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["eid_client_simulator"] = simulator

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # The tcTokenURL must not leak to the RefreshAddress.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(_Redirect)
    def leave(exc: _Redirect):
        return redirect(_with_result(exc.address, exc.major, exc.minor), 303)

    @app.errorhandler(_ErrorPage)
    def error_page(exc: _ErrorPage):
        return render_template("eid_client/error.html", heading=exc.heading, message=exc.message), exc.status

    def form(handle: str, flow: _Flow, *, card_id: str = "erika", pseudonym: bool = True,
             errors: dict | None = None):
        return render_template(
            "eid_client/form.html", handle=handle, flow=flow, requested=_requested(flow),
            cards=cards.all_cards(), selected_card=card_id, pseudonym=pseudonym,
            pseudonym_optional=flow.operations.get("RestrictedID") == "ALLOWED", errors=errors or {},
            pin=cards.TEST_PIN)

    @app.get("/")
    def index():
        return render_template("eid_client/index.html", cards=cards.all_cards(), pin=cards.TEST_PIN)

    @app.get(EID_CLIENT_PATH)
    def start():
        if "Status" in request.args:
            return jsonify({
                "Name": "AusweisApp-Simulator des Servicekontos (nur Entwicklung)",
                "Implementation-Title": "Servicekonto eID-Client simulator",
                "Implementation-Vendor": "Servicekonto",
                "Implementation-Version": "1.0",
                "Specification-Title": "TR-03124-1",
                "Specification-Vendor": "Federal Office for Information Security",
                "Specification-Version": "1.4",
            })
        handle, flow = simulator.start(request.args.get("tcTokenURL", ""))
        return form(handle, flow)

    @app.post(EID_CLIENT_PATH)
    def submit():
        handle = request.form.get("vorgang", "")
        flow = simulator.flow(handle)
        if flow is None:
            raise _ErrorPage("Vorgang abgelaufen",
                             "Dieser Vorgang ist unbekannt, abgelaufen oder bereits abgeschlossen. Bitte "
                             "starten Sie ihn beim Online-Dienst erneut.", 400)
        if request.form.get("aktion") == "abbrechen":
            simulator.cancel(handle, flow)
        card_id = request.form.get("card", "")
        pin = request.form.get("pin", "").strip()
        pseudonym = request.form.get("pseudonym") == "ja" or flow.operations.get("RestrictedID") == "REQUIRED"
        errors = {}
        if cards.card(card_id) is None:
            errors["card"] = "Bitte wählen Sie einen Testausweis aus."
        if not _PIN.fullmatch(pin):
            errors["pin"] = "Bitte geben Sie die 6-stellige PIN ein (nur Ziffern)."
        if not errors:
            # Leaves by redirect unless the PIN was wrong.
            errors["pin"] = simulator.complete(handle, flow, card_id, pin, pseudonym)
        return form(handle, flow, card_id=card_id, pseudonym=pseudonym, errors=errors)

    return app
