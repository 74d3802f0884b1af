"""The relying side over OpenID Connect: a partner state that speaks OIDC is an
upstream provider (SPEC §7, design card)."""
from __future__ import annotations

from collections.abc import Mapping

from idp.extensions import db
from idp.loa import Level

from . import broker, oidc_upstream
from .models import FederationLogin, FederationPartner
from .remote import RemoteIdentity


def provider(partner: FederationPartner) -> oidc_upstream.UpstreamProvider:
    return oidc_upstream.UpstreamProvider(partner_id=partner.id, issuer=partner.entity_id,
                                          client_id=partner.client_id, client_secret=partner.client_secret,
                                          metadata=partner.discovery)


def request_url(partner: FederationPartner, login: FederationLogin, *, redirect_uri: str,
                level: Level | None) -> str:
    url, pending = oidc_upstream.begin(provider(partner), redirect_uri, level=level)
    login.pending = pending
    db.session.commit()
    return url


def read_callback(partner: FederationPartner, login: FederationLogin, params: Mapping[str, str]) -> RemoteIdentity:
    pending = login.pending
    if not pending:
        raise oidc_upstream.UpstreamError("Diese Anmeldung wurde bereits abgeschlossen.")
    # One answer per login: the state cannot be used a second time, even if this one fails.
    login.pending = None
    db.session.commit()
    try:
        return oidc_upstream.complete(provider(partner), pending, params)
    except oidc_upstream.UpstreamError as exc:
        broker.refused(partner, _REASONS.get(type(exc), "refused"))
        raise


_REASONS = {oidc_upstream.UpstreamCancelled: "cancelled", oidc_upstream.UpstreamLevelNotMet: "level"}
