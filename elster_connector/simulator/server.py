"""The ELSTER IdP simulator: a SAML 2.0 IdP with the profile of the ELSTER connector
(signed AuthnRequest by HTTP-POST in, signed Response with a signed and encrypted
assertion out), on the SAML core of `federation.saml`. A tester picks a test
certificate or cancels.

Development and tests only: it binds 127.0.0.1, and it reads a service provider's
metadata only from its entity ID on the local machine (the connector's entity ID is
its metadata URL).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, Response, abort, render_template, request

from federation.saml import bindings, messages
from federation.saml.errors import SamlError
from federation.saml.keys import KeyPair
from federation.saml.metadata import EntityMetadata, build_metadata, parse_metadata
from federation.saml.namespaces import HTTP_POST, STATUS_AUTHN_FAILED, STATUS_RESPONDER
from idp.loa import Level
from idp.secrets import new_secret

from .. import attributes as names
from ..keys import stored_pair
from .certificates import BY_ID, CERTIFICATES

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CSP = "default-src 'none'; style-src 'self'; script-src 'self'; form-action http: https:; base-uri 'none'"


def dev_keypair(keys_dir: Path) -> KeyPair:
    """The simulator's signing pair, made once (development keys, never committed)."""
    return stored_pair(keys_dir / "signing.key.pem", keys_dir / "signing.cert.pem", "ELSTER-IdP-Simulator",
                       key_size=2048)


@dataclass
class _Pending:
    request: messages.ParsedAuthnRequest


class ElsterIdpSimulator:
    def __init__(self, base_url: str, signing: KeyPair):
        self.base_url = base_url
        self.signing = signing
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    @property
    def entity_id(self) -> str:
        return self.base_url + "/metadata"

    @property
    def metadata_url(self) -> str:
        return self.base_url + "/metadata"

    @property
    def sso_url(self) -> str:
        return self.base_url + "/sso"

    def metadata(self) -> bytes:
        return build_metadata(entity_id=self.entity_id, signing=self.signing, sso_redirect_url=self.sso_url,
                              sso_post_url=self.sso_url, acs_url=None, display_name="ELSTER (Simulator)",
                              organization_url=self.base_url + "/")

    def service_provider(self, entity_id: str) -> EntityMetadata | None:
        if urlparse(entity_id).hostname not in LOCAL_HOSTS:
            return None
        import requests

        try:
            answer = requests.get(entity_id, timeout=5)
            answer.raise_for_status()
            return parse_metadata(answer.content)
        except (requests.RequestException, SamlError):
            return None

    def receive(self, form) -> str:
        parsed = messages.parse_authn_request(HTTP_POST, form.to_dict(), lookup=self.service_provider,
                                              sso_url=self.sso_url)
        handle = new_secret(16)
        with self._lock:
            self._pending[handle] = _Pending(parsed)
        return handle

    def take(self, handle: str) -> _Pending | None:
        with self._lock:
            return self._pending.pop(handle, None)

    def answer(self, pending: _Pending, certificate_id: str | None) -> dict[str, str]:
        """The form fields that carry the answer to the ACS: the chosen certificate, or
        AuthnFailed when the tester cancelled."""
        request_ = pending.request
        certificate = BY_ID.get(certificate_id or "")
        if certificate is None:
            response = messages.build_error_response(
                idp_entity_id=self.entity_id, in_response_to=request_.id, acs_url=request_.acs_url,
                signing=self.signing, status_code=STATUS_RESPONDER, second_level=STATUS_AUTHN_FAILED,
                message="Abbruch durch den Benutzer")
        else:
            level = Level.from_word(certificate.level)
            response = messages.build_response(
                idp_entity_id=self.entity_id, in_response_to=request_.id, acs_url=request_.acs_url,
                sp_entity_id=request_.issuer, sp_encryption_cert=request_.sp.sp_encryption_certs[0],
                signing=self.signing, name_id=certificate.values[names.PSEUDONYM], class_ref=level.eidas_uri,
                attributes=[(name, None, value, None) for name, value in certificate.values.items()])
        return bindings.post_fields(response, request_.relay_state)


def create_simulator_app(simulator: ElsterIdpSimulator) -> Flask:
    app = Flask(__name__, template_folder="templates", static_folder="static", static_url_path="/simulator-static")
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.get("/")
    def index():
        return render_template("elster_simulator/index.html", certificates=CERTIFICATES)

    @app.get("/metadata")
    def metadata():
        return Response(simulator.metadata(), mimetype="application/samlmetadata+xml")

    @app.post("/sso")
    def sso():
        try:
            handle = simulator.receive(request.form)
        except SamlError as exc:
            return render_template("elster_simulator/error.html", message=f"Anfrage abgelehnt: {exc.code}"), 400
        return render_template("elster_simulator/choose.html", handle=handle, certificates=CERTIFICATES)

    @app.post("/sso/antwort")
    def reply():
        pending = simulator.take(request.form.get("handle", ""))
        if pending is None:
            abort(404)
        choice = None if request.form.get("action") == "abbrechen" else request.form.get("certificate")
        return render_template("elster_simulator/post.html", action=pending.request.acs_url,
                               fields=simulator.answer(pending, choice))

    return app


class ServedSimulator:
    """The simulator on 127.0.0.1 (port 0: a free one), served from a thread."""

    def __init__(self, port: int, keys_dir: Path):
        from eid_connector.simulator.run import ServedApp

        self._served = ServedApp(port)
        self.simulator = ElsterIdpSimulator(self._served.url, dev_keypair(keys_dir))
        self._served.start(create_simulator_app(self.simulator))

    @property
    def url(self) -> str:
        return self._served.url

    @property
    def metadata_url(self) -> str:
        return self.simulator.metadata_url

    @property
    def signing(self) -> KeyPair:
        return self.simulator.signing

    def stop(self) -> None:
        self._served.stop()


def start_simulator(port: int = 0, *, keys_dir: Path) -> ServedSimulator:
    return ServedSimulator(port, keys_dir)
