"""pysaml2 as the independent SAML implementation our library must interoperate with.

`idp_config` and `sp_config` build pysaml2 configurations for a remote state account
in either role, from keys on disk and our metadata; `make_idp` and `make_client` turn
them into a `saml2.server.Server` and a `saml2.client.Saml2Client`. The app-level
tests use these too.

pysaml2 encrypts assertions with 3DES-CBC and has no setting for it; the federation
(and so our library) refuses 3DES. `Pysaml2IdP` therefore is pysaml2's Server with
one method replaced: it asks xmlsec1 for AES-256-GCM instead, with pysaml2's own
template and RSA-OAEP key transport, everything else untouched.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import IdPConfig, SPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.sigver import get_pem_wrapped_unwrapped, pre_encryption_part
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from federation.saml import KeyPair

XMLSEC_BINARY = "/usr/bin/xmlsec1"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"


def write_keypair(keypair: KeyPair, directory: Path, name: str) -> tuple[str, str]:
    """(key_file, cert_file) in `directory`, as pysaml2 wants them."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(keypair.key_pem)
    cert_file.write_bytes(keypair.cert_pem)
    return str(key_file), str(cert_file)


def _common(entity_id: str, signing: tuple[str, str], encryption: tuple[str, str], metadata: list[bytes]) -> dict:
    return {
        "entityid": entity_id,
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": signing[0],
        "cert_file": signing[1],
        "encryption_keypairs": [{"key_file": encryption[0], "cert_file": encryption[1]}],
        "metadata": {"inline": [xml.decode("utf-8") for xml in metadata]},
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
        "organization": {"display_name": [("Servicekonto Peer", "de")], "name": [("Peer", "de")],
                         "url": [("https://peer.example/", "de")]},
    }


def idp_config(
    *,
    entity_id: str,
    sso_url: str,
    signing: tuple[str, str],
    encryption: tuple[str, str],
    metadata: list[bytes],
) -> IdPConfig:
    """A pysaml2 IdP that wants signed AuthnRequests, signs response and assertion
    and encrypts the assertion. `signing`/`encryption` are (key_file, cert_file),
    `metadata` the partners' metadata (ours)."""
    config = _common(entity_id, signing, encryption, metadata)
    config["service"] = {
        "idp": {
            "endpoints": {
                "single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT), (sso_url, BINDING_HTTP_POST)],
            },
            "want_authn_requests_signed": True,
            "sign_response": True,
            "sign_assertion": True,
            "encrypt_assertion": True,
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "policy": {
                "default": {
                    "lifetime": {"minutes": 5},
                    "attribute_restrictions": None,
                    "name_form": NAME_FORMAT_URI,
                },
            },
        },
    }
    result = IdPConfig()
    result.load(config)
    return result


def sp_config(
    *,
    entity_id: str,
    acs_url: str,
    signing: tuple[str, str],
    encryption: tuple[str, str],
    metadata: list[bytes],
    requested_attributes: list[tuple[str, str, bool]] = (),
) -> SPConfig:
    """A pysaml2 SP that signs its AuthnRequests and wants signed assertions.
    `requested_attributes` are (name, friendly_name, required)."""
    config = _common(entity_id, signing, encryption, metadata)
    config["service"] = {
        "sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": True,
            "allow_unsolicited": False,
            "name_id_format": NAMEID_FORMAT_PERSISTENT,
            "requested_attributes": [
                {"name": name, "friendly_name": friendly, "name_format": NAME_FORMAT_URI, "required": required}
                for name, friendly, required in requested_attributes
            ],
        },
    }
    result = SPConfig()
    result.load(config)
    return result


class Pysaml2IdP(Server):
    """pysaml2's Server, encrypting assertions with AES-256-GCM instead of 3DES."""

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        if encrypt_cert:
            certs = [(None, encrypt_cert)]
        else:
            certs = self.metadata.certs(sp_entity_id, "any", "encryption")
        if not certs:
            raise ValueError(f"no encryption certificate for {sp_entity_id}")
        name, cert = certs[0]
        wrapped, unwrapped = get_pem_wrapped_unwrapped(cert)
        with tempfile.NamedTemporaryFile(suffix=".pem") as cert_file:
            cert_file.write(wrapped.encode("ascii"))
            cert_file.flush()
            template = pre_encryption_part(msg_enc=AES256_GCM, key_name=name, encrypt_cert=unwrapped)
            return self.sec.encrypt_assertion(
                response, cert_file.name, template, key_type="aes-256", node_xpath=node_xpath
            )


def make_idp(config: IdPConfig, *, modern_encryption: bool = True) -> Server:
    return Pysaml2IdP(config=config) if modern_encryption else Server(config=config)


def make_client(config: SPConfig) -> Saml2Client:
    return Saml2Client(config=config)
