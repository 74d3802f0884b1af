"""Wiring the ELSTER connector into the app: our SP names and key pair, ELSTER's
metadata (fetched once and again when it expires or is an hour old), and the
blueprint."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from federation.saml.errors import SamlError
from federation.saml.keys import KeyPair
from federation.saml.metadata import EntityMetadata, parse_metadata
from idp.config import Settings
from idp.i18n import _
from idp.timeutil import utcnow

from . import sp
from .keys import stored_pair
from .errors import ElsterUnavailable

log = logging.getLogger(__name__)
EXTENSION = "servicekonto.elster"
METADATA_VALIDITY = timedelta(days=7)
# ELSTER's metadata is read again this often, so a key change there arrives without restart.
IDP_METADATA_REFRESH = timedelta(hours=1)
NOT_SET_UP = _("Die Anmeldung mit ElsterID ist in diesem Servicekonto derzeit nicht eingerichtet.")
UNREACHABLE = _("ELSTER ist derzeit nicht erreichbar. Bitte versuchen Sie es später erneut.")


@dataclass
class ElsterServices:
    settings: Settings
    keypair: KeyPair  # signs our requests and metadata, decrypts ELSTER's assertions
    metadata_source: str | None  # URL or file of ELSTER's metadata
    metadata_signer: bytes | None  # the pinned certificate that signs it
    # ELSTER test accounts are for development against a test IdP, never in production.
    accept_test_accounts: bool
    _idp: tuple[EntityMetadata, datetime] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def entity_id(self) -> str:
        return self.settings.issuer + "/elster/metadata"

    @property
    def acs_url(self) -> str:
        return self.settings.issuer + "/elster/acs"

    @property
    def configured(self) -> bool:
        return bool(self.metadata_source)

    def use(self, metadata_source: str, metadata_signer: bytes | None) -> None:
        """Another ELSTER IdP from now on (development and tests: the simulator)."""
        with self._lock:
            self.metadata_source, self.metadata_signer, self._idp = metadata_source, metadata_signer, None

    def idp(self) -> EntityMetadata:
        if not self.configured:
            raise ElsterUnavailable(NOT_SET_UP)
        with self._lock:
            now = utcnow()
            if self._idp is not None:
                metadata, fetched = self._idp
                fresh = now - fetched < IDP_METADATA_REFRESH
                if fresh and (metadata.valid_until is None or metadata.valid_until.replace(tzinfo=None) > now):
                    return metadata
            try:
                metadata = parse_metadata(self._read_metadata(),
                                          signer_certs=[self.metadata_signer] if self.metadata_signer else None)
            except (OSError, SamlError) as exc:
                log.warning("ELSTER metadata unusable: %s", type(exc).__name__)
                raise ElsterUnavailable(UNREACHABLE) from exc
            self._idp = (metadata, now)
            return metadata

    def _read_metadata(self) -> bytes:
        source = self.metadata_source or ""
        if "://" not in source:
            return Path(source).read_bytes()
        import requests

        try:
            answer = requests.get(source, timeout=10)
            answer.raise_for_status()
        except requests.RequestException as exc:
            raise OSError(str(exc)) from exc
        return answer.content

    def sp_metadata(self) -> bytes:
        return sp.metadata(entity_id=self.entity_id, acs_url=self.acs_url, signing=self.keypair,
                           display_name=self.settings.display_name, organization_url=self.settings.issuer,
                           valid_for=METADATA_VALIDITY, now=utcnow().replace(tzinfo=timezone.utc))


def _keypair(settings: Settings) -> KeyPair:
    """Our SP pair: the one registered with ELSTER, else one made here once."""
    if settings.elster_sp_key:
        return KeyPair(settings.elster_sp_key.read_bytes(), settings.elster_sp_cert.read_bytes())
    return stored_pair(settings.keys_dir / "elster-sp.key.pem", settings.keys_dir / "elster-sp.cert.pem",
                       f"{settings.display_name} ELSTER")


def services(app) -> ElsterServices:
    return app.extensions[EXTENSION]


def init_app(app) -> None:
    settings: Settings = app.config["SERVICEKONTO"]
    signer = settings.elster_metadata_signer.read_bytes() if settings.elster_metadata_signer else None
    app.extensions[EXTENSION] = ElsterServices(settings, _keypair(settings), settings.elster_metadata, signer,
                                               accept_test_accounts=not settings.is_production)
    from .views import bp

    app.register_blueprint(bp)


def install_simulator(app, simulator) -> None:
    """Development and tests: log in at the ELSTER IdP simulator
    (elster_connector.simulator.server.ElsterSimulator)."""
    services(app).use(simulator.metadata_url, simulator.signing.cert_pem)
