"""Settings for a real ELSTER IdP (SPEC §8: only through Settings) and the simulator
only in development."""
from __future__ import annotations

import pytest
import requests

from elster_connector import app as elster_app
from elster_connector.app import NOT_SET_UP, UNREACHABLE, ElsterServices
from elster_connector.errors import ElsterUnavailable
from federation.saml.metadata import build_metadata
from idp import create_app, devserver
from idp.config import Settings
from tests.federation.saml.support import make_keypair

IDP = "https://elster.example/idp"


@pytest.fixture(autouse=True)
def clean_database():
    """No database here (replaces the root conftest's fixture)."""
    yield


@pytest.fixture(scope="module")
def elster_keys():
    return make_keypair("ELSTER metadata signer")


@pytest.fixture
def metadata_file(tmp_path, elster_keys):
    path = tmp_path / "elster-metadata.xml"
    path.write_bytes(build_metadata(entity_id=IDP, signing=elster_keys, sso_redirect_url=IDP + "/sso",
                                    sso_post_url=IDP + "/sso", acs_url=None, display_name="ELSTER",
                                    organization_url="https://elster.example/"))
    return path


def test_elster_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"ELSTER_METADATA": "https://elster.example/metadata",
                                  "ELSTER_METADATA_SIGNER": str(tmp_path / "signer.pem"),
                                  "ELSTER_SP_KEY": str(tmp_path / "sp.key"), "ELSTER_SP_CERT": str(tmp_path / "sp.crt")})
    assert settings.elster_metadata == "https://elster.example/metadata"
    assert settings.elster_metadata_signer == tmp_path / "signer.pem"
    assert (settings.elster_sp_key, settings.elster_sp_cert) == (tmp_path / "sp.key", tmp_path / "sp.crt")


@pytest.mark.parametrize("env, problem", [
    ({"ELSTER_SP_KEY": "/k.pem"}, "ELSTER_SP_CERT"),
    ({"ELSTER_METADATA": "http://elster.example/metadata"}, "https"),
    ({"ELSTER_METADATA": "ftp://elster.example/metadata"}, "https URL or a file"),
    ({"SERVICEKONTO_ISSUER": "https://konto.example.de", "ELSTER_METADATA": "https://elster.example/md"},
     "ELSTER_METADATA_SIGNER"),
])
def test_unsafe_elster_settings_are_refused(env, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env(env)


def _services(metadata_source, signer, keypair) -> ElsterServices:
    return ElsterServices(Settings.from_env({}), keypair, metadata_source, signer, accept_test_accounts=False)


def test_metadata_from_a_file_must_carry_the_pinned_signature(metadata_file, elster_keys):
    ours = make_keypair("Servicekonto ELSTER")
    assert _services(str(metadata_file), elster_keys.cert_pem, ours).idp().entity_id == IDP
    with pytest.raises(ElsterUnavailable, match=str(UNREACHABLE)):
        _services(str(metadata_file), make_keypair("someone").cert_pem, ours).idp()
    with pytest.raises(ElsterUnavailable, match=str(NOT_SET_UP)):
        _services(None, None, ours).idp()


def test_production_configuration_uses_our_registered_keys_and_refuses_test_accounts(tmp_path, metadata_file,
                                                                                     elster_keys):
    ours = make_keypair("Servicekonto ELSTER registriert")
    (tmp_path / "sp.key").write_bytes(ours.key_pem)
    (tmp_path / "sp.crt").write_bytes(ours.cert_pem)
    (tmp_path / "signer.pem").write_bytes(elster_keys.cert_pem)
    settings = Settings.from_env(
        {}, issuer="https://konto.example.de", keys_dir=tmp_path / "keys", testing=True,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", elster_metadata=str(metadata_file),
        elster_metadata_signer=tmp_path / "signer.pem", elster_sp_key=tmp_path / "sp.key",
        elster_sp_cert=tmp_path / "sp.crt")
    services = elster_app.services(create_app(settings))
    assert not services.accept_test_accounts and services.keypair.cert_pem == ours.cert_pem
    assert services.entity_id == "https://konto.example.de/elster/metadata"
    assert services.idp().entity_id == IDP


def test_the_simulator_starts_only_with_servicekonto_simulators(tmp_path, monkeypatch):
    assert devserver._start_elster_simulator(Settings.from_env({}, keys_dir=tmp_path)) is None
    monkeypatch.setattr(devserver, "ELSTER_SIMULATOR_PORT", 0)
    started = devserver._start_elster_simulator(Settings.from_env({"SERVICEKONTO_SIMULATORS": "1"},
                                                                  keys_dir=tmp_path))
    try:
        assert requests.get(started.metadata_url, timeout=5).status_code == 200
    finally:
        started.stop()
