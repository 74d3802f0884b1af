"""Helpers shared by the SAML core tests: throwaway keys, state accounts built with our
own library, a replay cache, the xmlsec1 command line as an independent verifier and
hand-assembled responses for the refusal tests."""
from __future__ import annotations

import copy
import subprocess
from dataclasses import dataclass
from functools import cache, cached_property
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

from federation.credentials import self_signed
from federation.saml import EntityMetadata, KeyPair, build_metadata, parse_metadata
from federation.saml import safexml, xmldsig, xmlenc
from federation.saml.namespaces import DS, SAML, SAMLP, STATUS_SUCCESS, q

XMLSEC1 = "/usr/bin/xmlsec1"

GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
BIRTHDATE = "urn:oid:1.2.40.0.10.2.1.1.55"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
LEVEL_3 = "STORK-QAA-Level-3"
LEVEL_4 = "STORK-QAA-Level-4"


def make_keypair(common_name: str, *, valid_for: timedelta = timedelta(days=30)) -> KeyPair:
    # 2048 bits: fast enough to make many per session.
    return KeyPair(*self_signed(common_name, key_size=2048, valid_for=valid_for))


@dataclass(frozen=True)
class Account:
    """One state account as the tests see it: keys, endpoints and its metadata."""

    entity_id: str
    signing: KeyPair
    encryption: KeyPair
    sso_url: str
    acs_url: str
    metadata_xml: bytes

    @cached_property
    def metadata(self) -> EntityMetadata:
        return parse_metadata(self.metadata_xml, signer_certs=[self.signing.cert_pem])


def make_account(state: str, signing: KeyPair, encryption: KeyPair, display_name: str) -> Account:
    base = f"https://servicekonto.{state}.example"
    entity_id = f"{base}/saml"
    metadata_xml = build_metadata(
        entity_id=entity_id,
        signing=signing,
        sso_redirect_url=f"{base}/saml/sso",
        acs_url=f"{base}/saml/acs",
        display_name=display_name,
        organization_url=f"{base}/",
        requested_attributes=[(GIVEN_NAME, "givenName", True), (SURNAME, "sn", True), (MAIL, "mail", False)],
        encryption_certs=[encryption.cert_pem],
        contact_email=f"saml@{state}.example",
    )
    return Account(entity_id, signing, encryption, f"{base}/saml/sso", f"{base}/saml/acs", metadata_xml)


class ReplayCache:
    """The app keeps this in its database; here a dict is enough."""

    def __init__(self):
        self.seen: dict[str, datetime] = {}

    def __call__(self, assertion_id: str, remember_until: datetime) -> bool:
        if assertion_id in self.seen:
            return False
        self.seen[assertion_id] = remember_until
        return True


def xmlsec1_verify(
    xml: bytes, cert_pem: bytes, id_attr: str, tmp_path: Path, *, node_xpath: str | None = None
) -> subprocess.CompletedProcess:
    """`xmlsec1 --verify` with the key pinned on the command line, as pysaml2 runs it;
    `node_xpath` picks the signature to check (default: the first in the document)."""
    doc = tmp_path / "signed.xml"
    cert = tmp_path / "cert.pem"
    doc.write_bytes(xml)
    cert.write_bytes(cert_pem)
    return subprocess.run(
        [XMLSEC1, "--verify", "--enabled-key-data", "raw-x509-cert", "--pubkey-cert-pem", str(cert),
         "--id-attr:ID", id_attr, *(["--node-xpath", node_xpath] if node_xpath else []), str(doc)],
        capture_output=True, text=True, timeout=30,
    )


# -- metadata schema (test only) -------------------------------------------------------
# The package ships the protocol and assertion schemas only; the OASIS metadata schema
# comes with pysaml2, whose copy imports the others by URL: resolved here to local
# files, never fetched.
PYSAML2_SCHEMAS = Path(__import__("saml2").__file__).parent / "data" / "schemas"
OUR_SCHEMAS = Path(__import__("federation.saml.schema", fromlist=["x"]).SCHEMA_DIR)


class _LocalSchemas(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        name = system_url.rsplit("/", 1)[-1]
        for folder in (OUR_SCHEMAS, PYSAML2_SCHEMAS):
            if (folder / name).is_file():
                return self.resolve_filename(str(folder / name), context)
        raise AssertionError(f"schema import not available locally: {system_url}")


@cache
def metadata_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(PYSAML2_SCHEMAS / "saml-schema-metadata-2.0.xsd"), parser))


def assert_valid_metadata(xml: bytes) -> None:
    schema = metadata_schema()
    root = safexml.parse(xml)
    assert schema.validate(root), schema.error_log


# -- hand-assembled responses ----------------------------------------------------------
def assemble_response(
    assertions: list[etree._Element],
    *,
    issuer: str,
    destination: str | None,
    in_response_to: str | None,
    signing: KeyPair | None,
    encrypt_for: bytes | None,
    status: str = STATUS_SUCCESS,
) -> bytes:
    """A samlp:Response around `assertions` (encrypted for `encrypt_for` unless None),
    signed with `signing` unless None; for cases build_response would never produce."""
    response = etree.Element(q(SAMLP, "Response"), nsmap={"samlp": SAMLP, "saml": SAML})
    response.set("ID", safexml.new_id())
    response.set("Version", "2.0")
    response.set("IssueInstant", safexml.format_datetime(datetime.now(timezone.utc)))
    if destination is not None:
        response.set("Destination", destination)
    if in_response_to is not None:
        response.set("InResponseTo", in_response_to)
    etree.SubElement(response, q(SAML, "Issuer")).text = issuer
    etree.SubElement(etree.SubElement(response, q(SAMLP, "Status")), q(SAMLP, "StatusCode")).set("Value", status)
    for assertion in assertions:
        if encrypt_for is None:
            response.append(copy.deepcopy(assertion))
        else:
            response.append(xmlenc.encrypt_assertion(assertion, encrypt_for))
    if signing is not None:
        xmldsig.sign(response, signing)
    return safexml.to_bytes(response)


def without_signature(element: etree._Element) -> etree._Element:
    """A copy of `element` whose own ds:Signature is gone (what the enveloped
    transform digests, so the signature still matches it)."""
    clone = copy.deepcopy(element)
    for child in list(clone):
        if child.tag == q(DS, "Signature"):
            clone.remove(child)
    return clone


def signature_of(element: etree._Element) -> etree._Element:
    return next(child for child in element if child.tag == q(DS, "Signature"))


def set_name_id(assertion: etree._Element, value: str) -> None:
    assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}").text = value
