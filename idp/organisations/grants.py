"""Direct grants of online services to an organisation's users ("Berechtigt") with
"Zusätzliche Rollen" (SPEC §6). Who may then use what is entitlements.access()."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..oidc.models import Client
from . import entitlements, subscriptions
from .models import Organisation, OrganisationMember, ServiceGrant


@dataclass
class ServiceRow:
    """One line of the table "Online-Dienste verwalten" for a user."""

    client: Client
    granted: bool
    roles: list[str]
    groups: list[str]  # names of the user's groups that also give the service


@dataclass
class SaveResult:
    rows: list[ServiceRow]
    errors: dict[str, list[str]] = field(default_factory=dict)


def users(organisation: Organisation) -> list[Account]:
    return list(db.session.scalars(
        select(Account).join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(OrganisationMember.organisation_id == organisation.id).order_by(Account.email_normalized)))


def user(organisation: Organisation, account_id: str) -> Account | None:
    """A user of this organisation only: another organisation's user is not found."""
    member = entitlements.membership(account_id)
    if member is None or member.organisation_id != organisation.id:
        return None
    return member.account


def rows_for(organisation: Organisation, account: Account) -> list[ServiceRow]:
    rows = []
    for client in subscriptions.active_services(organisation):
        grant = entitlements.direct_grant(account.id, client.client_id)
        groups = [group.name for group, _ in entitlements.group_grants(account.id, client.client_id)]
        rows.append(ServiceRow(client, grant is not None, list(grant.roles) if grant else [], groups))
    return rows


def role_field(client_id: str) -> str:
    return f"rollen-{client_id}"


def save(organisation: Organisation, account: Account, granted: set[str],
         roles: dict[str, list[str]]) -> SaveResult:
    """Set the user's direct grants to exactly `granted` (client IDs) with `roles` per
    service. Only the organisation's active services and the roles each offers; on any
    refusal nothing changes and the rows show what was asked for."""
    if user(organisation, account.id) is None:
        raise ValueError("the account is not a user of this organisation")
    active = {c.client_id: c for c in subscriptions.active_services(organisation)}
    errors: dict[str, list[str]] = {}
    if not granted <= active.keys() or not roles.keys() <= active.keys():
        errors["form"] = [_("Ein Online-Dienst ist für Ihre Organisation nicht freigeschaltet.")]
    for client_id, wanted in roles.items():
        client = active.get(client_id)
        if client is None:
            continue
        if set(wanted) - set(client.roles or []):
            errors[role_field(client_id)] = [_("Diese Rolle bietet der Online-Dienst nicht an.")]
        elif wanted and client_id not in granted:
            errors[role_field(client_id)] = [_("Zusätzliche Rollen setzen voraus, dass der Benutzer "
                                               "für den Online-Dienst berechtigt ist.")]
    if errors:
        asked = [ServiceRow(row.client, row.client.client_id in granted, roles.get(row.client.client_id, []),
                            row.groups) for row in rows_for(organisation, account)]
        return SaveResult(asked, errors)
    before = _granted(rows_for(organisation, account))
    for client_id, client in active.items():
        _set(account, client, client_id in granted, roles.get(client_id, []))
    rows = rows_for(organisation, account)
    if (after := _granted(rows)) != before:
        audit.record("organisation.roles_changed", organisation_id=organisation.id, account_id=account.id,
                     what="services", which=sorted(after))
    db.session.commit()
    return SaveResult(rows)


def _granted(rows: list[ServiceRow]) -> dict[str, list[str]]:
    return {row.client.client_id: row.roles for row in rows if row.granted}


def _set(account: Account, client: Client, granted: bool, roles: list[str]) -> None:
    grant = entitlements.direct_grant(account.id, client.client_id)
    if not granted:
        if grant is not None:
            db.session.delete(grant)
        return
    if grant is None:
        grant = ServiceGrant(account_id=account.id, client_id=client.client_id)
        db.session.add(grant)
    # Kept in the order the service lists its roles, so the claim is stable.
    grant.roles = [r for r in client.roles or [] if r in roles]
