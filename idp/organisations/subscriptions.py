"""Subscriptions of online services by organisations (SPEC §6): active at once for
services with automatic approval, else waiting for the Fachliche Leitstelle."""
from __future__ import annotations

from ..extensions import db
from ..oidc.models import Client
from .models import Organisation, ServiceSubscription


def subscribe(organisation: Organisation, client: Client) -> ServiceSubscription:
    """Subscribe (or ask again after a refusal); an existing active or pending one stays."""
    sub = db.session.get(ServiceSubscription, (organisation.id, client.client_id))
    if sub is not None and sub.status in ("active", "pending"):
        return sub
    if sub is None:
        sub = ServiceSubscription(organisation_id=organisation.id, client_id=client.client_id)
        db.session.add(sub)
    sub.status = "active" if client.approval == "auto" else "pending"
    sub.decided_at = sub.decided_by = sub.reason = None
    return sub
