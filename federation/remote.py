"""What an upstream partner (another state's Servicekonto) proved, before the account
core decides what to do with it.

Both relying back ends (SAML and OIDC) produce a `RemoteIdentity`; everything after
that (capping by the partner's trust, take-over consent, linking, account creation)
is protocol-independent and lives in `federation.broker`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from idp.loa import Level


@dataclass(frozen=True)
class RemoteAttribute:
    """One datum in this IdP's account vocabulary (`given_name`, `birth_date`, …) with
    the level the partner asserted for it (None: the partner said nothing)."""

    name: str
    value: str
    level: Level | None = None


@dataclass(frozen=True)
class RemoteIdentity:
    partner_id: str
    # The partner's stable identifier for the person (SAML persistent NameID or bPK2,
    # OIDC `sub`); never shown, only used to find the linked account here.
    subject: str
    # The level the partner asserted for the login (None: it asserted none we know).
    level: Level | None
    amr: tuple[str, ...] = ()
    attributes: tuple[RemoteAttribute, ...] = ()
    auth_time: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def value(self, name: str) -> str | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute.value
        return None
