"""`servicekonto federation keys list|announce|activate|retire`: this IdP's SAML key
pairs change without breaking partners, and a running server follows the steps the
CLI takes in another process, without restart.

Each test has its own instance of the IdP (own keys, database and port), so the
session app's keys never change. A partner state's IdP is played with our SAML
library: it receives our AuthnRequest and answers with an encrypted Response, as a
partner that took a snapshot of our metadata would.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes

from federation.credentials import SamlCredentials
from federation.saml import SignatureRefused, load_certificate, parse_redirect, post_fields, safexml
from federation.saml.messages import build_response
from federation.saml.metadata import EntityMetadata, parse_metadata
from idp.loa import Level
from tests.conftest import Browserless
from tests.federation.saml.support import GIVEN_NAME, LEVEL_3, SURNAME, make_account, make_keypair
from tests.support.cli import run
from tests.support.two_states import served, state_settings

REPO = Path(__file__).resolve().parents[2]
# The server looks at the key files once a second; a step shows within this time.
PICKUP_SECONDS = 5.0


@pytest.fixture(autouse=True)
def operator_database(monkeypatch, database_url):
    """The steps that change keys are audited: the command writes to a database."""
    monkeypatch.setenv("DATABASE_URL", database_url)


def cli(keys_dir: Path, *args: str):
    return run({**os.environ, "SERVICEKONTO_KEYS_DIR": str(keys_dir)}, "federation", "keys", *args)


def cert(keys_dir: Path, use: str, state: str = "current") -> bytes:
    infix = "" if state == "current" else f".{state}"
    return (keys_dir / f"saml-{use}{infix}.cert.pem").read_bytes()


def same(certs, *pems: bytes) -> bool:
    return tuple(certs) == tuple(load_certificate(pem) for pem in pems)


@dataclass
class Instance:
    """Our IdP, served, with Land B's IdP (played here) as its SAML partner."""

    app: object
    base: str
    keys_dir: Path
    land_b: object
    partner_id: str

    def metadata_xml(self) -> bytes:
        return requests.get(self.base + "/saml/metadata", timeout=10).content

    def metadata(self, signed_by: bytes) -> EntityMetadata:
        return parse_metadata(self.metadata_xml(), signer_certs=[signed_by])

    def wait_for(self, check, what: str):
        """The metadata served once `check(xml)` holds: the server noticed the step."""
        deadline = time.monotonic() + PICKUP_SECONDS
        while True:
            xml = self.metadata_xml()
            if check(xml):
                return xml
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not pick up: {what}")
            time.sleep(0.1)

    def start_login(self):
        """Ask Land B for a login, as a citizen choosing it does; returns the browser
        and the AuthnRequest as it arrives at Land B."""
        browser = Browserless(self.app)
        sent = browser.submit("/anmelden/servicekonto", {"partner": self.partner_id})
        assert sent.status_code == 303, sent.text
        assert sent.location.startswith(self.land_b.sso_url)
        return browser, parse_redirect(sent.location.split("?", 1)[1])

    def answer(self, encrypt_for: bytes):
        """Land B's answer to a fresh login, encrypted for `encrypt_for`, at our ACS."""
        services = self.app.extensions["servicekonto.federation"]
        browser, request = self.start_login()
        response = build_response(
            idp_entity_id=self.land_b.entity_id, in_response_to=safexml.parse(request.xml).get("ID"),
            acs_url=services.acs_url, sp_entity_id=services.entity_id, sp_encryption_cert=encrypt_for,
            signing=self.land_b.signing, name_id="land-b-subject-4711", class_ref=LEVEL_3,
            attributes=[(GIVEN_NAME, "givenName", "Berta", None), (SURNAME, "surname", "Beispiel", None)])
        return browser.post("/saml/acs", data=post_fields(response, request.relay_state))


def accepted(answer) -> bool:
    return answer.status_code == 303 and "/anmelden/servicekonto/ergebnis/" in answer.location


@pytest.fixture
def instance(tmp_path):
    from federation import partners

    land_b = make_account("land-b", make_keypair("Land B signing"), make_keypair("Land B encryption"), "Land B")
    (tmp_path / "land-b.xml").write_bytes(land_b.metadata_xml)
    settings = state_settings(tmp_path)
    with served(settings) as app:
        with app.app_context():
            partner_id = partners.add("Land B", "saml", str(tmp_path / "land-b.xml"), Level.HOCH).id
        yield Instance(app, settings.issuer, settings.keys_dir, land_b, partner_id)


def test_announce_publishes_the_next_pairs_and_decrypts_for_them(instance):
    keys = instance.keys_dir
    old_signing, old_encryption = cert(keys, "signing"), cert(keys, "encryption")
    before = instance.metadata(signed_by=old_signing)
    assert same(before.idp_signing_certs, old_signing) and same(before.sp_encryption_certs, old_encryption)

    out = cli(keys, "announce")
    assert out.returncode == 0, out.stderr
    next_signing, next_encryption = cert(keys, "signing", "next"), cert(keys, "encryption", "next")
    instance.wait_for(lambda xml: len(parse_metadata(xml).idp_signing_certs) == 2, "announce")

    metadata = instance.metadata(signed_by=old_signing)
    assert same(metadata.idp_signing_certs, old_signing, next_signing)
    assert same(metadata.sp_signing_certs, old_signing, next_signing)
    # Current first: a partner that takes the first encryption certificate goes on
    # encrypting for the current pair.
    assert same(metadata.sp_encryption_certs, old_encryption, next_encryption)
    with pytest.raises(SignatureRefused):
        instance.metadata(signed_by=next_signing)

    _, request = instance.start_login()
    request.verify([old_signing])
    with pytest.raises(SignatureRefused):
        request.verify([next_signing])

    # A partner that refreshed already may encrypt for the next pair.
    assert accepted(instance.answer(encrypt_for=next_encryption))
    assert accepted(instance.answer(encrypt_for=old_encryption))
    refused = instance.answer(encrypt_for=make_keypair("somebody else").cert_pem)
    assert refused.status_code == 400 and "ungültig" in refused.text


def test_decryption_keys_are_current_next_and_previous(tmp_path):
    credentials = SamlCredentials(tmp_path, "Test")
    current = credentials.encryption
    assert credentials.decryption_keys == [current]
    announced = credentials.announce()
    upcoming = announced.get("encryption", "next")
    assert credentials.decryption_keys == [current, upcoming]
    assert credentials.published_encryption_certs == [current.cert_pem, upcoming.cert_pem]
    credentials.activate()
    assert credentials.encryption == upcoming and credentials.signing == announced.get("signing", "next")
    assert credentials.decryption_keys == [upcoming, current]
    assert credentials.published_signing_certs == [announced.get("signing", "next").cert_pem,
                                                   announced.get("signing", "current").cert_pem]
    credentials.retire()
    assert credentials.decryption_keys == [upcoming]


def test_activate_signs_with_the_new_key_and_keeps_the_old_one_published(instance):
    keys = instance.keys_dir
    old_signing, old_encryption = cert(keys, "signing"), cert(keys, "encryption")
    assert cli(keys, "announce").returncode == 0
    new_signing, new_encryption = cert(keys, "signing", "next"), cert(keys, "encryption", "next")

    out = cli(keys, "activate")
    assert out.returncode == 0, out.stderr
    assert "refresh" in out.stdout  # the reminder: partners must have refreshed our metadata
    instance.wait_for(lambda xml: same(parse_metadata(xml).idp_signing_certs[:1], new_signing), "activate")

    metadata = instance.metadata(signed_by=new_signing)
    with pytest.raises(SignatureRefused):
        instance.metadata(signed_by=old_signing)
    assert same(metadata.idp_signing_certs, new_signing, old_signing)
    assert same(metadata.sp_encryption_certs, new_encryption, old_encryption)
    assert cert(keys, "signing", "previous") == old_signing and cert(keys, "signing") == new_signing
    assert not (keys / "saml-signing.next.key.pem").exists()

    _, request = instance.start_login()
    request.verify([new_signing])
    with pytest.raises(SignatureRefused):
        request.verify([old_signing])

    # A partner with an older snapshot still encrypts for the previous pair.
    assert accepted(instance.answer(encrypt_for=old_encryption))
    assert accepted(instance.answer(encrypt_for=new_encryption))


def test_retire_leaves_one_pair_per_use(instance):
    keys = instance.keys_dir
    old_encryption = cert(keys, "encryption")
    assert cli(keys, "announce").returncode == 0
    assert cli(keys, "activate").returncode == 0
    new_signing, new_encryption = cert(keys, "signing"), cert(keys, "encryption")

    out = cli(keys, "retire")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("retired") == 2
    instance.wait_for(lambda xml: len(parse_metadata(xml).idp_signing_certs) == 1, "retire")

    metadata = instance.metadata(signed_by=new_signing)
    assert same(metadata.idp_signing_certs, new_signing) and same(metadata.sp_signing_certs, new_signing)
    assert same(metadata.sp_encryption_certs, new_encryption)
    assert sorted(p.name for p in keys.glob("saml-*")) == [
        "saml-encryption.cert.pem", "saml-encryption.key.pem", "saml-signing.cert.pem", "saml-signing.key.pem"]
    assert accepted(instance.answer(encrypt_for=new_encryption))
    assert instance.answer(encrypt_for=old_encryption).status_code == 400


def test_steps_out_of_order_are_refused_and_change_nothing(tmp_path):
    def files():
        return {p.name: p.read_bytes() for p in tmp_path.glob("saml-*")}

    assert cli(tmp_path, "list").returncode == 0
    initial = files()
    assert len(initial) == 4

    activate = cli(tmp_path, "activate")
    assert activate.returncode == 1 and "no next pair" in activate.stderr
    retire = cli(tmp_path, "retire")
    assert retire.returncode == 1 and "no previous pair" in retire.stderr
    assert files() == initial

    assert cli(tmp_path, "announce").returncode == 0
    announced = files()
    again = cli(tmp_path, "announce")
    assert again.returncode == 1 and "already announced" in again.stderr
    assert files() == announced
    assert cli(tmp_path, "retire").returncode == 1

    assert cli(tmp_path, "activate").returncode == 0
    assert cli(tmp_path, "activate").returncode == 1
    assert cli(tmp_path, "retire").returncode == 0
    assert cli(tmp_path, "retire").returncode == 1


def test_list_shows_use_state_fingerprint_and_expiry(tmp_path):
    assert cli(tmp_path, "announce").returncode == 0
    out = cli(tmp_path, "list")
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()]
    assert [(row[0], row[1]) for row in rows] == [("signing", "current"), ("signing", "next"),
                                                 ("encryption", "current"), ("encryption", "next")]
    for use, state, fingerprint, *rest in rows:
        certificate = load_certificate(cert(tmp_path, use, state))
        assert fingerprint == certificate.fingerprint(hashes.SHA256()).hex(":").upper()
        assert rest == ["not", "after", certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")]


def test_private_keys_stay_private_through_the_steps(tmp_path):
    for step, states in (("announce", ("", ".next")), ("activate", ("", ".previous"))):
        assert cli(tmp_path, step).returncode == 0
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("saml-*.key.pem")}
        assert modes == {f"saml-{use}{state}.key.pem": 0o600 for use in ("signing", "encryption") for state in states}
    assert not list(tmp_path.glob("*.tmp"))


def test_a_running_server_follows_the_steps_without_restart(instance):
    keys = instance.keys_dir
    old_signing = cert(keys, "signing")
    first = instance.metadata_xml()
    assert instance.metadata_xml() == first  # built once, not per request

    # Another process, as the operator runs it.
    env = {**os.environ, "SERVICEKONTO_KEYS_DIR": str(keys), "PYTHONPATH": str(REPO)}
    announce = subprocess.run([sys.executable, "-c", "from idp.cli import main; main()", "federation", "keys",
                               "announce"], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert announce.returncode == 0, announce.stderr
    xml = instance.wait_for(lambda xml: xml != first, "announce")
    assert same(parse_metadata(xml, signer_certs=[old_signing]).idp_signing_certs, old_signing,
                cert(keys, "signing", "next"))

    new_signing = cert(keys, "signing", "next")
    assert cli(keys, "activate").returncode == 0
    instance.wait_for(lambda xml: same(parse_metadata(xml).idp_signing_certs, new_signing, old_signing), "activate")
    instance.metadata(signed_by=new_signing)

    assert cli(keys, "retire").returncode == 0
    instance.wait_for(lambda xml: same(parse_metadata(xml).idp_signing_certs, new_signing), "retire")


def test_a_half_copied_pair_does_not_take_the_server_down(tmp_path):
    server = SamlCredentials(tmp_path, "Test", recheck_seconds=0)
    before = server.keys()
    # An operator copying a CA-issued next pair in: the key has arrived, its
    # certificate not yet (another key's certificate is still in its place).
    (tmp_path / "saml-signing.next.key.pem").write_bytes(make_keypair("next").key_pem)
    (tmp_path / "saml-signing.next.cert.pem").write_bytes(make_keypair("other").cert_pem)
    assert server.keys() is before and server.signing == before.signing
    complete = make_keypair("next, complete")
    (tmp_path / "saml-signing.next.key.pem").write_bytes(complete.key_pem)
    (tmp_path / "saml-signing.next.cert.pem").write_bytes(complete.cert_pem)
    assert server.published_signing_certs == [before.signing.cert_pem, complete.cert_pem]


def test_a_reader_looks_at_the_files_at_most_every_recheck_interval(tmp_path):
    operator = SamlCredentials(tmp_path, "Test")
    slow = SamlCredentials(tmp_path, "Test", recheck_seconds=3600)
    quick = SamlCredentials(tmp_path, "Test", recheck_seconds=0)
    unchanged = slow.keys(), quick.keys()
    assert quick.keys() is unchanged[1]  # nothing changed: the same set, no rebuilt metadata
    operator.announce()
    assert slow.keys() is unchanged[0] and len(slow.published_signing_certs) == 1
    assert len(quick.published_signing_certs) == 2
