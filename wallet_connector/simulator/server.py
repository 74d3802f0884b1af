"""The wallet simulator's pages (development and tests only, SERVICEKONTO_SIMULATORS=1):
what a wallet app shows when a link or QR code opens it. It fetches the request
object from the request_uri, shows who asks for what, lets the tester pick a test
PID, consent or decline, and optionally break the answer (each `Defect`); it posts
the answer to the response_uri as the wallet app would and, same-device, follows
the redirect_uri the verifier returns.

It binds 127.0.0.1 and talks only to verifiers on the local machine: it must not
become a way to send requests elsewhere.
"""
from __future__ import annotations

import threading
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, render_template, request

from idp.secrets import new_secret

from .issuer import TestIssuer
from .wallet import Defect, ReceivedRequest, RequestRefused, Wallet

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# form-action covers the redirect after the answer too (to the verifier's redirect_uri).
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action http: https:; base-uri 'none'"
TIMEOUT = 10
# What the consent page calls the PID's claims.
CLAIM_LABELS = {
    "given_name": "Vornamen", "family_name": "Familienname", "birth_family_name": "Geburtsname",
    "birthdate": "Geburtsdatum", "place_of_birth": "Geburtsort", "address": "Anschrift",
    "nationalities": "Staatsangehörigkeit",
}
DEFECTS = {
    Defect.NONE: "Keiner – korrekte Antwort",
    Defect.WRONG_NONCE: "Falsche Nonce (Antwort für eine andere Anfrage)",
    Defect.WRONG_AUDIENCE: "Falscher Empfänger (aud) in der Gerätebindung",
    Defect.TAMPERED_DISCLOSURE: "Verfälschte Angabe (Vorname geändert)",
    Defect.MISSING_KEY_BINDING: "Ohne Gerätebindung (Key Binding JWT fehlt)",
    Defect.UNTRUSTED_ISSUER: "PID eines nicht vertrauenswürdigen Ausstellers",
    Defect.REPLAYED_RESPONSE: "Wiedereingespielte Antwort (dieselbe Antwort zweimal gesendet)",
}


def _local(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS


class WalletSimulator:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.issuer = TestIssuer()
        self.wallet = Wallet(self.issuer)
        self._requests: dict[str, ReceivedRequest] = {}
        self._lock = threading.Lock()

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/authorize"

    def fetch(self, client_id: str, request_uri: str) -> ReceivedRequest:
        """The request object by reference (OpenID4VP §5.10), checked as a wallet must."""
        import requests

        if not _local(request_uri):
            raise RequestRefused("die request_uri liegt nicht auf diesem Rechner")
        try:
            answer = requests.get(request_uri, timeout=TIMEOUT)
            answer.raise_for_status()
        except requests.RequestException as exc:
            raise RequestRefused(f"request_uri nicht abrufbar: {exc}") from None
        received = self.wallet.read_request(answer.text)
        if received.client_id != client_id:
            raise RequestRefused("die Anfrage nennt eine andere client_id als der Link")
        if not _local(received.response_uri):
            raise RequestRefused("die response_uri liegt nicht auf diesem Rechner")
        return received

    def keep(self, received: ReceivedRequest) -> str:
        handle = new_secret(16)
        with self._lock:
            self._requests[handle] = received
        return handle

    def take(self, handle: str) -> ReceivedRequest | None:
        with self._lock:
            return self._requests.pop(handle, None)

    def answer(self, received: ReceivedRequest, pid_id: str | None, defect: Defect) -> dict:
        """Post the answer (or the refusal) to the response_uri; the verifier's JSON."""
        import requests

        if pid_id is None:
            forms = [{"error": "access_denied", "error_description": "Der Nutzer hat abgelehnt.",
                      "state": received.state}]
        elif defect is Defect.REPLAYED_RESPONSE:
            # Someone who captured the wallet's answer posts it again.
            first = self.wallet.respond(received, pid_id)
            forms = [first.form, self.wallet.respond(received, pid_id, Defect.REPLAYED_RESPONSE).form]
        else:
            forms = [self.wallet.respond(received, pid_id, defect).form]
        body: dict = {}
        for form in forms:
            answer = requests.post(received.response_uri, data=form, timeout=TIMEOUT)
            parsed = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
            # The verifier's latest redirect_uri counts (its response_code is the valid one).
            if "redirect_uri" in parsed or not body:
                body = parsed
        return body


def create_simulator_app(simulator: WalletSimulator) -> Flask:
    app = Flask(__name__, template_folder="templates")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.get("/")
    def index():
        return render_template("wallet_simulator/index.html", pids=simulator.wallet.pids.values())

    @app.get("/authorize")
    def authorize():
        try:
            received = simulator.fetch(request.args.get("client_id", ""), request.args.get("request_uri", ""))
        except RequestRefused as exc:
            return render_template("wallet_simulator/error.html", message=f"Anfrage abgelehnt: {exc}"), 400
        asked = [CLAIM_LABELS.get(path[0], path[0]) for path in received.claim_sets()[0]]
        return render_template("wallet_simulator/consent.html", handle=simulator.keep(received), asked=asked,
                               verifier=received.client_id.split(":", 1)[-1], pids=simulator.wallet.pids.values(),
                               defects=DEFECTS)

    @app.post("/authorize/antwort")
    def reply():
        received = simulator.take(request.form.get("handle", ""))
        if received is None:
            abort(404)
        declined = request.form.get("action") == "ablehnen"
        pid_id = None if declined else request.form.get("pid")
        if pid_id is not None and pid_id not in simulator.wallet.pids:
            abort(400)
        try:
            defect = Defect(request.form.get("defect") or Defect.NONE.value)
            body = simulator.answer(received, pid_id, defect)
        except (ValueError, RequestRefused) as exc:
            return render_template("wallet_simulator/error.html", message=f"Antwort nicht möglich: {exc}"), 400
        if isinstance(body.get("redirect_uri"), str) and _local(body["redirect_uri"]):
            return redirect(body["redirect_uri"], 303)
        return render_template("wallet_simulator/done.html", declined=declined)

    return app


class ServedWalletSimulator:
    """The simulator on 127.0.0.1 (port 0: a free one), served from a thread."""

    def __init__(self, port: int = 0):
        from eid_connector.simulator.run import ServedApp

        self._served = ServedApp(port)
        self.simulator = WalletSimulator(self._served.url)
        self._served.start(create_simulator_app(self.simulator))

    @property
    def url(self) -> str:
        return self._served.url

    @property
    def authorize_url(self) -> str:
        return self.simulator.authorize_url

    @property
    def issuer(self) -> TestIssuer:
        return self.simulator.issuer

    def stop(self) -> None:
        self._served.stop()


def start_simulator(port: int = 0) -> ServedWalletSimulator:
    return ServedWalletSimulator(port)


