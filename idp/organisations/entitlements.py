"""Who in an organisation may use which online service, with which roles (SPEC §6).

A user may use a service when the organisation's subscription of it is active and
the service is granted to the user directly ("Berechtigt") or through one of the
user's groups; administrators only while "Administratoren dürfen Online-Dienste
nutzen" is on. Roles are the union of the direct grant's and the groups' roles, so
taking a user out of a group takes away exactly what the group gave.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import select

from ..accounts.models import Account
from ..extensions import db
from ..oidc.models import Client
from .models import (ACCOUNT_KIND, Group, GroupMember, GroupService, Organisation, OrganisationMember,
                     ServiceGrant, ServiceSubscription)


class Refusal(enum.Enum):
    """Why an account may not use a service; each has its own page text."""

    NOT_FOR_CITIZENS = "not_for_citizens"
    NOT_FOR_ORGANISATIONS = "not_for_organisations"
    NOT_SUBSCRIBED = "not_subscribed"
    AWAITING_APPROVAL = "awaiting_approval"
    SUBSCRIPTION_REFUSED = "subscription_refused"
    NOT_GRANTED = "not_granted"
    ADMINS_MAY_NOT_USE = "admins_may_not_use"
    DEPUTY_RESTRICTED = "deputy_restricted"


@dataclass(frozen=True)
class Access:
    refusal: Refusal | None = None
    roles: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def membership(account_id: str) -> OrganisationMember | None:
    return db.session.get(OrganisationMember, account_id)


def is_organisation_account(account: Account) -> bool:
    return account.kind == ACCOUNT_KIND


def direct_grant(account_id: str, client_id: str) -> ServiceGrant | None:
    return db.session.get(ServiceGrant, (account_id, client_id))


def group_grants(account_id: str, client_id: str) -> list[tuple[Group, GroupService]]:
    """The user's groups that carry the service, with the roles each gives."""
    rows = db.session.execute(
        select(Group, GroupService)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .join(GroupService, GroupService.group_id == Group.id)
        .where(GroupMember.account_id == account_id, GroupService.client_id == client_id)
        .order_by(Group.name)
    ).all()
    return [(group, service) for group, service in rows]


def granted_roles(account_id: str, client: Client) -> list[str] | None:
    """The roles the user holds for the service, or None when it is not granted at all
    (neither directly nor through a group). Roles the service no longer offers drop out."""
    direct = direct_grant(account_id, client.client_id)
    groups = group_grants(account_id, client.client_id)
    if direct is None and not groups:
        return None
    roles = set(direct.roles if direct else [])
    for _, service in groups:
        roles.update(service.roles or [])
    return sorted(roles & set(client.roles or []))


def subscription(organisation_id: str, client_id: str) -> ServiceSubscription | None:
    return db.session.get(ServiceSubscription, (organisation_id, client_id))


def access(account: Account, client: Client) -> Access:
    """May `account` log in to `client`? For citizens only the service's audience
    counts; for organisation users the rules of the module docstring."""
    if not is_organisation_account(account):
        return Access() if client.for_citizens else Access(Refusal.NOT_FOR_CITIZENS)
    if not client.for_organisations:
        return Access(Refusal.NOT_FOR_ORGANISATIONS)
    member = membership(account.id)
    if member is None:
        return Access(Refusal.NOT_SUBSCRIBED)
    sub = subscription(member.organisation_id, client.client_id)
    if sub is None:
        return Access(Refusal.NOT_SUBSCRIBED)
    if sub.status == "pending":
        return Access(Refusal.AWAITING_APPROVAL)
    if sub.status != "active":
        return Access(Refusal.SUBSCRIPTION_REFUSED)
    if member.is_admin and not member.organisation.admins_use_services:
        return Access(Refusal.ADMINS_MAY_NOT_USE)
    roles = granted_roles(account.id, client)
    if roles is None:
        return Access(Refusal.NOT_GRANTED)
    return Access(roles=roles)


def organisation_of(account_id: str) -> Organisation | None:
    member = membership(account_id)
    return member.organisation if member is not None else None


def administrators(organisation_id: str) -> list[Account]:
    return list(db.session.scalars(
        select(Account).join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(OrganisationMember.organisation_id == organisation_id, OrganisationMember.is_admin.is_(True))
        .order_by(Account.email_normalized)))


def active_administrators(organisation_id: str) -> list[Account]:
    return [a for a in administrators(organisation_id) if a.is_active]
