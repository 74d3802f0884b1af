"""What an online service learns about an organisation user's organisation (SPEC §6):
the `organisation` claim with an id that differs per service, and `roles`."""
from __future__ import annotations

import base64
import hashlib
import hmac

from .models import Organisation


def pairwise_organisation_id(secret: bytes, client_id: str, organisation_id: str) -> str:
    """Stable for one service, unlinkable across services (like the pairwise `sub`)."""
    mac = hmac.new(secret, f"organisation|{client_id}|{organisation_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def organisation_claim(organisation: Organisation, client_id: str, secret: bytes) -> dict:
    number = organisation.house_number
    street = f"{organisation.street} {number}" if number and number != "0" else organisation.street
    claim = {
        "id": pairwise_organisation_id(secret, client_id, organisation.id),
        "name": organisation.name,
        "legal_form": organisation.legal_form,
        "register_number": organisation.register_number,
        "register_court": organisation.register_court,
        "address": {"street_address": street, "postal_code": organisation.postal_code,
                    "locality": organisation.city, "country": "DE"},
    }
    return {k: v for k, v in claim.items() if v}
