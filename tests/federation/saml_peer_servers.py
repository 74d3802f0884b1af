"""Another state's Servicekonto, played by pysaml2 (an implementation nobody here
wrote), served over HTTP on 127.0.0.1 for the browser flows:

- `RemoteIdP`: the state's IdP. It takes this IdP's signed AuthnRequest (HTTP-Redirect),
  lets the tester log in as one of its persons and consent, and posts a signed and
  encrypted assertion back to our ACS.
- `RemoteSP`: the state's SP. It sends citizens to our SSO endpoint with a signed
  AuthnRequest and shows what arrived at its ACS.

Both are small Flask apps around pysaml2's Server and Saml2Client; pages carry only
what a test needs to click.
"""
from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement
from saml2.samlp import Extensions
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import RequestedAuthnContext
from saml2.saml import AuthnContextClassRef
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from werkzeug.serving import make_server

from federation.saml import KeyPair
from federation.saml.namespaces import AKDB
from tests.federation.saml.peers import idp_config, make_client, make_idp, sp_config, write_keypair


def _page(body: str) -> str:
    return f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Land B</title></head><body><main>{body}</main></body></html>'


class _Served:
    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()


@dataclass
class Person:
    attributes: dict[str, list[str]]
    class_ref: str = "STORK-QAA-Level-3"


class RemoteIdP(_Served):
    def __init__(self, directory: Path, signing: KeyPair, encryption: KeyPair, persons: dict[str, Person]):
        self.app = Flask("remote_idp")
        super().__init__(self.app)
        self.entity_id = self.base + "/metadata"
        self.directory, self.persons = directory, persons
        self.signing = write_keypair(signing, directory, "idp-signing")
        self.encryption = write_keypair(encryption, directory, "idp-encryption")
        self.idp = None
        self.requests: list = []
        self.raw_requests: list = []
        self.tamper = None  # a function(str xml) -> str, to spoil answers on purpose
        self.name_id_format = NAMEID_FORMAT_PERSISTENT
        self.app.add_url_rule("/sso", view_func=self.sso, methods=["GET"])
        self.app.add_url_rule("/login", view_func=self.login, methods=["POST"])

    def configure(self, our_metadata: bytes) -> None:
        self.idp = make_idp(idp_config(entity_id=self.entity_id, sso_url=self.base + "/sso", signing=self.signing,
                                       encryption=self.encryption, metadata=[our_metadata]))

    def metadata(self) -> bytes:
        from saml2.metadata import entity_descriptor

        return str(entity_descriptor(self.idp.config)).encode("utf-8")

    def sso(self):
        args = request.args
        parsed = self.idp.parse_authn_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                              relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                              signature=args.get("Signature"))
        self.requests.append(parsed)
        self.raw_requests.append(parsed.xmlstr)
        key = str(len(self.requests) - 1)
        return _page(
            "<h1>Servicekonto Land B</h1>"
            f'<form method="post" action="/login"><input type="hidden" name="request" value="{key}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(args.get("RelayState") or "")}">'
            '<label for="user">Benutzername</label><input id="user" name="user">'
            '<p>Ihre Daten werden an das anfragende Servicekonto übermittelt.</p>'
            '<button name="decision" value="ok">Anmelden und zustimmen</button>'
            '<button name="decision" value="cancel">Abbrechen</button></form>')

    def login(self):
        parsed = self.requests[int(request.form["request"])]
        message = parsed.message
        acs = message.assertion_consumer_service_url
        sp = message.issuer.text
        if request.form.get("decision") != "ok":
            response = self.idp.create_error_response(message.id, acs, info=(
                "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed", "Abgebrochen"), sign=True, sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256)
        else:
            person = self.persons[request.form["user"]]
            response = self.idp.create_authn_response(
                person.attributes, in_response_to=message.id, destination=acs, sp_entity_id=sp,
                name_id=NameID(format=self.name_id_format, text="pers-" + request.form["user"]),
                authn={"class_ref": person.class_ref}, sign_response=True, sign_assertion=True,
                encrypt_assertion=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        text = str(response)
        if self.tamper is not None:
            text = self.tamper(text)
        args = self.idp.apply_binding(BINDING_HTTP_POST, text, acs, request.form.get("RelayState"), response=True)
        return args["data"]


class RemoteSP(_Served):
    def __init__(self, directory: Path, signing: KeyPair, encryption: KeyPair,
                 requested_attributes: list[tuple[str, str, bool]]):
        self.app = Flask("remote_sp")
        super().__init__(self.app)
        self.entity_id = self.base + "/metadata"
        self.signing = write_keypair(signing, directory, "sp-signing")
        self.encryption = write_keypair(encryption, directory, "sp-encryption")
        self.requested_attributes = requested_attributes
        self.client = None
        self.outstanding: dict[str, str] = {}
        self.arrived: list = []
        self.raw: list[str] = []  # each SAMLResponse as posted, for checks of what our IdP emits
        self.failures: list[str] = []
        self.app.add_url_rule("/start", view_func=self.start_login)
        self.app.add_url_rule("/acs", view_func=self.acs, methods=["POST"])

    def configure(self, our_metadata: bytes) -> None:
        self.client = make_client(sp_config(entity_id=self.entity_id, acs_url=self.base + "/acs",
                                            signing=self.signing, encryption=self.encryption,
                                            metadata=[our_metadata],
                                            requested_attributes=self.requested_attributes))

    def metadata(self) -> bytes:
        from saml2.metadata import entity_descriptor

        return str(entity_descriptor(self.client.config)).encode("utf-8")

    def start_login(self):
        from flask import redirect

        kwargs = {}
        if level := request.args.get("level"):
            kwargs["requested_authn_context"] = RequestedAuthnContext(
                authn_context_class_ref=[AuthnContextClassRef(text=level)], comparison="minimum")
        # The attributes go into the request as German accounts do (AKDB profile extension).
        wanted = [ExtensionElement("RequestedAttribute", namespace=AKDB, attributes={
            "Name": name, "RequiredAttribute": "true" if required else "false"})
            for name, _, required in self.requested_attributes]
        kwargs["extensions"] = Extensions(extension_elements=[ExtensionElement(
            "AuthenticationRequest", namespace=AKDB, attributes={"Version": "2"}, children=[
                ExtensionElement("RequestedAttributes", namespace=AKDB, children=wanted)])])
        idp_entity = next(iter(self.client.metadata.identity_providers()))
        binding = BINDING_HTTP_POST if request.args.get("binding") == "post" else BINDING_HTTP_REDIRECT
        if request.args.get("passive"):
            kwargs["is_passive"] = "true"
        request_id, info = self.client.prepare_for_authenticate(
            entityid=idp_entity, relay_state="land-b", binding=binding, sign=True, sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256, **kwargs)
        self.outstanding[request_id] = "/"
        if binding == BINDING_HTTP_POST:
            return info["data"]  # pysaml2's auto-submitting form
        return redirect(dict(info["headers"])["Location"])

    def acs(self):
        self.raw.append(request.form["SAMLResponse"])
        try:
            response = self.client.parse_authn_request_response(request.form["SAMLResponse"], BINDING_HTTP_POST,
                                                                self.outstanding)
        except Exception as exc:  # the test asserts on what pysaml2 said
            self.failures.append(f"{type(exc).__name__}: {exc}")
            return _page(f"<h1>Fehler bei Land B</h1><p>{html.escape(type(exc).__name__)}</p>"), 400
        if response is None or response.status_ok() is False:
            self.failures.append("status")
            return _page("<h1>Fehler bei Land B</h1>"), 400
        self.arrived.append(response)
        ava = response.get_identity()
        items = "".join(f"<li>{html.escape(k)}: {html.escape(', '.join(v))}</li>" for k, v in sorted(ava.items()))
        return _page(f"<h1>Angekommen bei Land B</h1><ul>{items}</ul>")
