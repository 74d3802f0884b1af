"""`servicekonto partners add|list|remove|disable|enable|refresh` and
`servicekonto federation metadata`, as the operator types them (the first `partners add`
through the installed script, the others in this process)."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

from eid_connector.simulator.devkeys import self_signed
from federation.saml import KeyPair
from federation.saml.metadata import build_metadata, parse_metadata
from tests.support.cli import app_env, run, run_process

PARTNER = "https://land-b.example/saml/metadata"


@pytest.fixture
def cli(app, tmp_path):
    return app_env(app, tmp_path)


@pytest.fixture
def partner_metadata(tmp_path):
    key, cert = self_signed("Land B")
    xml = build_metadata(entity_id=PARTNER, signing=KeyPair(key, cert), sso_redirect_url="https://land-b.example/sso",
                         acs_url="https://land-b.example/acs", display_name="Servicekonto Land B",
                         organization_url="https://land-b.example/")
    path = tmp_path / "land-b.xml"
    path.write_bytes(xml)
    return path


def test_add_list_disable_remove(cli, partner_metadata, live_server):
    out = run_process(cli, "partners", "add", "--name", "Land B", "--metadata", str(partner_metadata),
                      "--max-loa", "substanziell")
    assert out.returncode == 0, out.stderr
    added = json.loads(out.stdout)
    assert added["entity_id"] == PARTNER and added["max_loa"] == "substanziell" and added["protocol"] == "saml"
    assert [p["name"] for p in json.loads(run(cli, "partners", "list").stdout)] == ["Land B"]
    # Citizens see the state on the login page's list.
    assert "Land B" in requests.get(live_server + "/anmelden/servicekonto", timeout=10).text

    again = run(cli, "partners", "add", "--name", "Land B2", "--metadata", str(partner_metadata), "--max-loa", "hoch")
    assert again.returncode != 0 and "bereits eingetragen" in again.stderr

    assert run(cli, "partners", "disable", "Land B").returncode == 0
    assert "Land B" not in requests.get(live_server + "/anmelden/servicekonto", timeout=10).text
    assert json.loads(run(cli, "partners", "list").stdout)[0]["enabled"] is False
    assert run(cli, "partners", "enable", PARTNER).returncode == 0
    assert run(cli, "partners", "refresh", added["id"]).returncode == 0

    assert run(cli, "partners", "remove", "Land B").returncode == 0
    assert json.loads(run(cli, "partners", "list").stdout) == []
    missing = run(cli, "partners", "remove", "Land B")
    assert missing.returncode != 0 and "no partner" in missing.stderr


@pytest.mark.parametrize("args, message", [
    (["--metadata", "/nonexistent.xml"], "gibt es nicht"),
    (["--metadata", "http://land-b.example/metadata"], "nur über https"),
    (["--protocol", "oidc", "--metadata", "https://land-b.example"], "Client-ID und Client-Secret"),
])
def test_add_refusals(cli, args, message):
    out = run(cli, "partners", "add", "--name", "Land B", "--max-loa", "hoch", *args)
    assert out.returncode != 0 and message in out.stderr


def test_broken_metadata_is_refused(cli, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    out = run(cli, "partners", "add", "--name", "Land B", "--metadata", str(path), "--max-loa", "hoch")
    assert out.returncode != 0 and "nicht verwendbar" in out.stderr


def test_own_metadata_is_signed_and_names_both_roles(cli, tmp_path, app, live_server):
    out = run(cli, "federation", "metadata")
    assert out.returncode == 0, out.stderr
    xml = out.stdout.encode("utf-8")
    cert = (tmp_path / "keys" / "saml-signing.cert.pem").read_bytes()
    parsed = parse_metadata(xml, signer_certs=[cert])
    issuer = app.config["SERVICEKONTO"].issuer
    assert parsed.entity_id == issuer + "/saml/metadata"
    assert [e.location for e in parsed.sso_endpoints] == [issuer + "/saml/sso"] * 2
    assert parsed.acs_endpoints[0].location == issuer + "/saml/acs"
    assert parsed.sp_encryption_certs and parsed.authn_requests_signed and parsed.want_authn_requests_signed
    path = tmp_path / "md.xml"
    path.write_bytes(xml)
    check = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(tmp_path / "keys" / "saml-signing.cert.pem"),
                            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # The live URL serves the same entity.
    served = requests.get(live_server + "/saml/metadata", timeout=10)
    assert served.headers["Content-Type"].startswith("application/samlmetadata+xml")
    assert parse_metadata(served.content).entity_id == parsed.entity_id


def test_expired_metadata_stops_the_partner_until_refreshed(cli, partner_metadata, app, live_server):
    from datetime import timedelta

    from idp import timeutil

    assert run(cli, "partners", "add", "--name", "Land B", "--metadata", str(partner_metadata), "--max-loa",
               "hoch").returncode == 0
    timeutil.travel(timedelta(days=8))  # the metadata said validUntil in 7 days
    with app.test_client() as browser:
        page = browser.get("/anmelden/servicekonto").get_data(as_text=True)
    assert "Land B" not in page and "kein Servicekonto eines anderen Bundeslandes" in page
    timeutil.travel(None)
    # The snapshot on disk is just as old; a new fetch (here: a new file) brings it back.
    key, cert = self_signed("Land B")
    partner_metadata.write_bytes(build_metadata(
        entity_id=PARTNER, signing=KeyPair(key, cert), sso_redirect_url="https://land-b.example/sso",
        acs_url="https://land-b.example/acs", display_name="Servicekonto Land B",
        organization_url="https://land-b.example/", valid_for=timedelta(days=30)))
    out = run(cli, "partners", "refresh", "--all")
    assert out.returncode == 0, out.stderr
    timeutil.travel(timedelta(days=8))
    with app.test_client() as browser:
        assert "Land B" in browser.get("/anmelden/servicekonto").get_data(as_text=True)


def test_metadata_must_carry_the_named_signature(cli, tmp_path):
    key, cert = self_signed("Land B")
    signed = build_metadata(entity_id=PARTNER, signing=KeyPair(key, cert), sso_redirect_url="https://land-b.example/s",
                            acs_url="https://land-b.example/acs", display_name="Servicekonto Land B",
                            organization_url="https://land-b.example/")
    (tmp_path / "signed.xml").write_bytes(signed)
    (tmp_path / "signer.pem").write_bytes(cert)
    (tmp_path / "stranger.pem").write_bytes(self_signed("Fremd")[1])
    unsigned = re.sub(rb"<ds:Signature.*</ds:Signature>", b"", signed, flags=re.S)
    assert unsigned != signed
    (tmp_path / "unsigned.xml").write_bytes(unsigned)

    def add(metadata, signer):
        return run(cli, "partners", "add", "--name", "Land B", "--metadata", str(tmp_path / metadata),
                   "--metadata-cert", str(tmp_path / signer), "--max-loa", "hoch")

    for metadata, signer in (("signed.xml", "stranger.pem"), ("unsigned.xml", "signer.pem")):
        refused = add(metadata, signer)
        assert refused.returncode != 0 and "nicht verwendbar" in refused.stderr
    accepted = add("signed.xml", "signer.pem")
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["metadata_signed"] is True
    # A refresh checks the signature again.
    (tmp_path / "signed.xml").write_bytes(unsigned)
    assert run(cli, "partners", "refresh", "--all").returncode != 0


def test_served_metadata_stays_valid_in_a_long_running_process(app):
    from datetime import timedelta

    from idp import timeutil

    services = app.extensions["servicekonto.federation"]
    services._metadata = None
    try:
        first_xml = services.metadata()
        first = parse_metadata(first_xml)
        timeutil.travel(timedelta(hours=23))
        assert services.metadata() == first_xml  # not rebuilt on every request
        timeutil.travel(timedelta(days=8))
        later = services.metadata()
        now = timeutil.utcnow().replace(tzinfo=first.valid_until.tzinfo)
        assert parse_metadata(later, now=now).valid_until > now + timedelta(days=6) > first.valid_until
    finally:
        # The session app must not keep metadata built in the travelled-to future.
        timeutil.travel(None)
        services._metadata = None
