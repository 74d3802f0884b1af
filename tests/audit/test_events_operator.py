"""What the operator does with `servicekonto` lands in the audit log as the command
line's work: online services, staff roles and Leitstelle members, federation
partners, signing keys."""
from __future__ import annotations

import json

from tests.audit.support import assert_no_personal_data, events
from tests.support.cli import run_cli
from tests.support.federation import land_b


def cli(app, tmp_path, *args) -> str:
    out = run_cli(app, tmp_path, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def operator_events(app, kind: str) -> list[tuple]:
    found = events(app, kind)
    assert {e.actor for e in found} == {"cli"}
    return [(e.details, e.client_id, e.account_id) for e in found]


def test_online_services_and_roles(app, tmp_path, make_account):
    client_id = json.loads(cli(app, tmp_path, "clients", "add", "--name", "Wohngeld",
                               "--redirect-uri", "https://wohngeld.example/cb"))["client_id"]
    cli(app, tmp_path, "clients", "catalogue", client_id, "--description", "Wohngeld beantragen",
        "--fees", "keine")
    cli(app, tmp_path, "clients", "disable", client_id)
    cli(app, tmp_path, "clients", "enable", client_id)
    cli(app, tmp_path, "clients", "registration-token")
    staff = make_account(email="amt@meldeamt.example", given_name="Sabine", family_name="Amt")
    cli(app, tmp_path, "accounts", "role", "amt@meldeamt.example", "--grant", "meldebehoerde")
    cli(app, tmp_path, "accounts", "role", "amt@meldeamt.example", "--revoke")
    cli(app, tmp_path, "clients", "leitstelle", client_id, "--grant", "amt@meldeamt.example")
    cli(app, tmp_path, "clients", "leitstelle", client_id, "--revoke", "amt@meldeamt.example")
    cli(app, tmp_path, "clients", "remove", client_id)

    assert operator_events(app, "operator.client") == [
        ({"what": "add", "which": client_id}, client_id, None),
        ({"what": "catalogue", "which": client_id, "fields": ["description", "fees"]}, client_id, None),
        ({"what": "disable", "which": client_id}, client_id, None),
        ({"what": "enable", "which": client_id}, client_id, None),
        ({"what": "registration_token"}, None, None),
        ({"what": "remove", "which": client_id}, client_id, None),
    ]
    assert operator_events(app, "operator.role") == [
        ({"what": "grant", "which": "meldebehoerde"}, None, staff),
        ({"what": "revoke", "which": "meldebehoerde"}, None, staff),
        ({"what": "grant", "which": "leitstelle"}, client_id, staff),
        ({"what": "revoke", "which": "leitstelle"}, client_id, staff),
    ]
    assert_no_personal_data(events(app), "Sabine", "Amt", "Wohngeld")


def test_federation_partners_and_keys(app, tmp_path):
    metadata = tmp_path / "land-b.xml"
    metadata.write_bytes(land_b().metadata_xml)
    partner_id = json.loads(cli(app, tmp_path, "partners", "add", "--name", "Land B", "--metadata", str(metadata),
                                "--max-loa", "substanziell"))["id"]
    cli(app, tmp_path, "partners", "disable", "Land B")
    cli(app, tmp_path, "partners", "enable", partner_id)
    cli(app, tmp_path, "partners", "refresh", partner_id)
    metadata.write_text("kein XML")
    assert run_cli(app, tmp_path, "partners", "refresh", partner_id).returncode == 1
    cli(app, tmp_path, "partners", "remove", partner_id)
    rotated = cli(app, tmp_path, "keys", "rotate")
    cli(app, tmp_path, "federation", "keys", "announce")

    found = events(app, "operator.partner")
    assert [(e.succeeded, e.details) for e in found] == [
        (True, {"what": "add", "which": partner_id, "protocol": "saml", "max_level": "substanziell"}),
        (True, {"what": "disable", "which": partner_id}),
        (True, {"what": "enable", "which": partner_id}),
        (True, {"what": "refresh", "which": partner_id}),
        (False, {"what": "refresh", "which": partner_id}),
        (True, {"what": "remove", "which": partner_id}),
    ]
    current = [line.split()[2] for line in rotated.splitlines() if line.startswith("current")]
    assert operator_events(app, "operator.keys") == [
        ({"what": "rotate", "which": "oidc", "kids": current}, None, None),
        ({"what": "announce", "which": "saml"}, None, None),
    ]
    assert {e.actor for e in found} == {"cli"}
