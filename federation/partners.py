"""The registry of federation partners (other states' Servicekonten).

A partner is added with the metadata (SAML) or discovery document (OIDC) it
publishes; the snapshot taken then is what this IdP trusts until the operator
refreshes it, so a partner's web server cannot swap keys behind the operator's back.
"""
from __future__ import annotations

import logging
from datetime import timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import requests
from sqlalchemy import select

from idp import audit
from idp.extensions import db
from idp.i18n import _
from idp.loa import Level
from idp.observability import metrics
from idp.timeutil import utcnow

from .models import FederationPartner
from .saml import SamlError
from .saml.keys import load_certificate
from .saml.metadata import EntityMetadata, parse_metadata

log = logging.getLogger(__name__)
PROTOCOLS = ("saml", "oidc")
FETCH_TIMEOUT = 10


class PartnerError(ValueError):
    """The partner cannot be added as asked; the message says why, in the language of
    the page that shows it (German in the CLI)."""


def _local(url: str) -> bool:
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")


def fetch(source: str) -> bytes:
    """The document at `source`: an https URL (http only on this machine) or a file."""
    if source.startswith(("http://", "https://")):
        if source.startswith("http://") and not _local(source):
            raise PartnerError(_("Metadaten werden nur über https abgerufen."))
        try:
            with metrics.round_trip(metrics.FEDERATION_ROUND_TRIPS, "metadata"):
                response = requests.get(source, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise PartnerError(_("Die Metadaten unter %(source)s sind nicht abrufbar: %(error)s", source=source,
                                   error=exc)) from exc
        return response.content
    path = Path(source)
    if not path.is_file():
        raise PartnerError(_("Die Datei %(source)s gibt es nicht.", source=source))
    return path.read_bytes()


def _load(partner: FederationPartner) -> None:
    if partner.protocol == "saml":
        content = fetch(partner.source)
        signers = [partner.metadata_signer.encode()] if partner.metadata_signer else None
        try:
            metadata = parse_metadata(content, signer_certs=signers)
        except SamlError as exc:
            raise PartnerError(_("Die SAML-Metadaten sind nicht verwendbar: %(error)s", error=exc)) from exc
        if not (metadata.idp_signing_certs or metadata.sp_signing_certs):
            raise PartnerError(_("Die Metadaten enthalten weder Identity Provider noch Service Provider mit "
                                 "Signaturschlüssel."))
        partner.entity_id = metadata.entity_id
        partner.metadata_xml = content.decode("utf-8")
    else:
        from .oidc_upstream import UpstreamError, discover

        try:
            document = discover(partner.source)
        except UpstreamError as exc:
            raise PartnerError(str(exc)) from exc
        partner.entity_id = document["issuer"]
        partner.discovery = document


def add(name: str, protocol: str, source: str, max_level: Level, *, client_id: str | None = None,
        client_secret: str | None = None, enabled: bool = True,
        metadata_signer: bytes | None = None) -> FederationPartner:
    if protocol not in PROTOCOLS:
        raise PartnerError(_("Unbekanntes Protokoll „%(protocol)s“ (saml oder oidc).", protocol=protocol))
    if protocol == "oidc" and not (client_id and client_secret):
        raise PartnerError(_("Für einen OIDC-Partner sind Client-ID und Client-Secret nötig."))
    if metadata_signer is not None:
        if protocol != "saml":
            raise PartnerError(_("Ein Signaturzertifikat für Metadaten gibt es nur bei SAML-Partnern."))
        try:
            load_certificate(metadata_signer)
        except (SamlError, ValueError) as exc:
            raise PartnerError(_("Das Zertifikat für die Metadaten-Signatur ist nicht lesbar.")) from exc
    partner = FederationPartner(name=name.strip(), protocol=protocol, source=source, max_level=int(max_level),
                                client_id=client_id, client_secret=client_secret, enabled=enabled,
                                metadata_signer=metadata_signer.decode() if metadata_signer else None)
    _load(partner)
    if by_entity_id(partner.entity_id) is not None:
        raise PartnerError(_("Der Partner %(entity_id)s ist bereits eingetragen.", entity_id=partner.entity_id))
    db.session.add(partner)
    db.session.flush()
    _audit(partner, "add", protocol=protocol, max_level=Level(max_level).word)
    db.session.commit()
    return partner


def _audit(partner: FederationPartner, what: str, **details) -> None:
    """`details` may carry `succeeded`, like audit.record."""
    audit.record("operator.partner", what=what, which=partner.id, **details)


def refresh(partner: FederationPartner) -> FederationPartner:
    before = partner.entity_id
    try:
        _load(partner)
        if partner.entity_id != before:
            raise PartnerError(_("Die neuen Metadaten gehören zu einem anderen Partner."))
    except PartnerError:
        db.session.rollback()
        # A partner whose metadata cannot be renewed is worth noticing in the log.
        _audit(partner, "refresh", succeeded=False)
        db.session.commit()
        raise
    partner.updated_at = utcnow()
    _audit(partner, "refresh")
    db.session.commit()
    return partner


def all_partners() -> list[FederationPartner]:
    return list(db.session.scalars(select(FederationPartner).order_by(FederationPartner.name)))


def enabled(protocol: str | None = None) -> list[FederationPartner]:
    return [p for p in all_partners() if p.enabled and (protocol is None or p.protocol == protocol)]


def login_partners() -> list[FederationPartner]:
    """The partners a citizen can log in with: OIDC providers and SAML partners with an
    IdP role (a partner may only ask, never answer)."""
    return [p for p in enabled() if usable(p) and (p.protocol == "oidc" or saml_metadata(p).sso_endpoints)]


def get(partner_id: str) -> FederationPartner | None:
    return db.session.get(FederationPartner, partner_id)


def by_entity_id(entity_id: str) -> FederationPartner | None:
    return db.session.scalar(select(FederationPartner).where(FederationPartner.entity_id == entity_id))


def find(key: str) -> FederationPartner | None:
    """By ID, entity ID / issuer, or name (for the command line)."""
    return get(key) or by_entity_id(key) or db.session.scalar(
        select(FederationPartner).where(FederationPartner.name == key))


def remove(partner: FederationPartner) -> None:
    _audit(partner, "remove")
    db.session.delete(partner)
    db.session.commit()


def set_enabled(partner: FederationPartner, value: bool) -> None:
    partner.enabled = value
    _audit(partner, "enable" if value else "disable")
    db.session.commit()


class MetadataExpired(PartnerError):
    """The partner's metadata snapshot is past its validUntil; `partners refresh`."""


@lru_cache(maxsize=64)
def _parsed(xml: str) -> EntityMetadata:
    # validUntil is checked on every use (saml_metadata), not once per cached parse.
    return parse_metadata(xml.encode("utf-8"), check_validity=False)


def saml_metadata(partner: FederationPartner) -> EntityMetadata:
    """The partner's metadata, as long as it is valid: expired metadata may carry
    withdrawn keys, so nothing is sent to or accepted from the partner until the
    operator refreshes it."""
    metadata = _parsed(partner.metadata_xml)
    if metadata.valid_until is not None and metadata.valid_until <= utcnow().replace(tzinfo=timezone.utc):
        log.warning("SAML metadata of partner %s expired at %s; run `servicekonto partners refresh`",
                    partner.entity_id, metadata.valid_until.isoformat())
        raise MetadataExpired(_("Die Anbindung an „%(name)s“ ist derzeit gestört. Bitte versuchen Sie es "
                                "später erneut.", name=partner.name))
    return metadata


def usable(partner: FederationPartner) -> bool:
    try:
        return partner.protocol == "oidc" or bool(saml_metadata(partner))
    except PartnerError:
        return False


def saml_partner(entity_id: str) -> EntityMetadata | None:
    """The metadata of an enabled SAML partner with valid metadata, for checking its
    requests."""
    partner = by_entity_id(entity_id)
    if partner is None or not partner.enabled or partner.protocol != "saml" or not usable(partner):
        return None
    return saml_metadata(partner)


def describe(partner: FederationPartner) -> dict:
    return {"id": partner.id, "name": partner.name, "protocol": partner.protocol, "entity_id": partner.entity_id,
            "source": partner.source, "max_loa": Level(partner.max_level).word, "enabled": partner.enabled,
            "metadata_signed": bool(partner.metadata_signer),
            **({"client_id": partner.client_id} if partner.protocol == "oidc" else {})}
