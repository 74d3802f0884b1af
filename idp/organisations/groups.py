"""Groups of an organisation ("Gruppenverwaltung", SPEC §6, seed 003): a name, an
optional description, members, and online services with roles.

A group only records who is in it and what it carries; what that means for a
user's access is decided in `entitlements`, which joins a user's direct grant with
the groups' grants. So taking a user or a service out of a group, or deleting the
group, removes exactly what the group gave and leaves a direct grant alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..oidc.models import Client
from .models import (FunctionMailbox, FunctionMailboxGroup, Group, GroupMember, GroupService, Organisation,
                     OrganisationMember, ServiceSubscription)

NAME_MAX = 80
DESCRIPTION_MAX = 500
FIELDS = ("name", "description")
LABELS = {"name": _("Bezeichnung"), "description": _("Beschreibung")}


def check_text(value: str, label: str, max_len: int, required: bool) -> list[str]:
    """A one-line name or description as the organisation pages accept it."""
    if not value:
        return [_("Bitte geben Sie „%(label)s“ an.", label=label)] if required else []
    if len(value) > max_len:
        return [_("„%(label)s“ darf höchstens %(count)d Zeichen lang sein.", label=label, count=max_len)]
    if "<" in value or ">" in value:
        return [_("„%(label)s“ darf die Zeichen < und > nicht enthalten.", label=label)]
    return []


# -- who and what can be assigned ---------------------------------------------------------------
def person_name(account: Account) -> str:
    name = f"{account.value('given_name')} {account.value('family_name')}".strip()
    return name or account.email


def users_of(organisation: Organisation) -> list[Account]:
    """Everyone in the organisation, administrators included, by name."""
    accounts = db.session.scalars(
        select(Account).join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(OrganisationMember.organisation_id == organisation.id))
    return sorted(accounts, key=lambda a: (a.value("family_name").casefold(), a.value("given_name").casefold(),
                                           a.email_normalized))


def admin_ids(organisation: Organisation) -> set[str]:
    return set(db.session.scalars(
        select(OrganisationMember.account_id)
        .where(OrganisationMember.organisation_id == organisation.id, OrganisationMember.is_admin.is_(True))))


def usable_services(organisation: Organisation) -> list[Client]:
    """The online services the organisation may hand out: active subscriptions only."""
    clients = db.session.scalars(
        select(Client).join(ServiceSubscription, ServiceSubscription.client_id == Client.client_id)
        .where(ServiceSubscription.organisation_id == organisation.id, ServiceSubscription.status == "active"))
    return sorted((c for c in clients if c.for_organisations), key=lambda c: c.name.casefold())


# -- groups ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupSummary:
    group: Group
    members: int
    services: int


def groups_of(organisation: Organisation) -> list[GroupSummary]:
    members = (select(GroupMember.group_id, func.count().label("n")).group_by(GroupMember.group_id).subquery())
    services = (select(GroupService.group_id, func.count().label("n")).group_by(GroupService.group_id).subquery())
    rows = db.session.execute(
        select(Group, func.coalesce(members.c.n, 0), func.coalesce(services.c.n, 0))
        .outerjoin(members, members.c.group_id == Group.id)
        .outerjoin(services, services.c.group_id == Group.id)
        .where(Group.organisation_id == organisation.id))
    summaries = [GroupSummary(group, n_members, n_services) for group, n_members, n_services in rows]
    return sorted(summaries, key=lambda s: s.group.name.casefold())


GROUP_ID_MAX = 2**31 - 1  # the integer column; a larger id from the URL would be a database error


def group_in(organisation: Organisation, group_id: int) -> Group | None:
    """The group with this id if it belongs to the organisation; a group of another
    organisation is as absent as one that does not exist."""
    if not 0 < group_id <= GROUP_ID_MAX:
        return None
    group = db.session.get(Group, group_id)
    return group if group is not None and group.organisation_id == organisation.id else None


@dataclass
class GroupResult:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    group: Group | None = None


def current(group: Group) -> dict[str, str]:
    return {"name": group.name, "description": group.description or ""}


def _validate(organisation: Organisation, data: dict[str, str], group: Group | None) -> dict[str, list[str]]:
    errors = {}
    if problems := check_text(data["name"], LABELS["name"], NAME_MAX, required=True):
        errors["name"] = problems
    elif _name_taken(organisation, data["name"], group):
        errors["name"] = [_("Es gibt bereits eine Gruppe „%(name)s“. Bitte wählen Sie eine andere Bezeichnung.",
                            name=data["name"])]
    if problems := check_text(data["description"], LABELS["description"], DESCRIPTION_MAX, required=False):
        errors["description"] = problems
    return errors


def _name_taken(organisation: Organisation, name: str, group: Group | None) -> bool:
    others = db.session.scalars(select(Group).where(Group.organisation_id == organisation.id))
    return any(other.name.casefold() == name.casefold() and other is not group for other in others)


def save(organisation: Organisation, form, group: Group | None = None) -> GroupResult:
    """Create a group (`group` None) or change its Bezeichnung and Beschreibung."""
    data = {name: (form.get(name) or "").strip() for name in FIELDS}
    errors = _validate(organisation, data, group)
    if errors:
        return GroupResult(data, errors, group)
    if group is None:
        group = Group(organisation_id=organisation.id)
        db.session.add(group)
    group.name, group.description = data["name"], data["description"] or None
    db.session.commit()
    return GroupResult(data, group=group)


def mailboxes_using(group: Group) -> list[FunctionMailbox]:
    """Function mailboxes the group entitles; its members lose them with the group."""
    return list(db.session.scalars(
        select(FunctionMailbox).join(FunctionMailboxGroup, FunctionMailboxGroup.mailbox_id == FunctionMailbox.id)
        .where(FunctionMailboxGroup.group_id == group.id).order_by(FunctionMailbox.name)))


def delete(group: Group) -> None:
    """Delete the group with its memberships, service grants and mailbox entitlements;
    direct grants (ServiceGrant) are not the group's and stay."""
    for table in (GroupMember, GroupService, FunctionMailboxGroup):
        db.session.execute(sql_delete(table).where(table.group_id == group.id))
    audit.record("organisation.roles_changed", organisation_id=group.organisation_id, what="group_deleted",
                 group=group.id)
    db.session.delete(group)
    db.session.commit()


# -- members -----------------------------------------------------------------------------------
def member_ids(group: Group) -> set[str]:
    return set(db.session.scalars(select(GroupMember.account_id).where(GroupMember.group_id == group.id)))


def set_members(group: Group, organisation: Organisation, chosen: set[str]) -> None:
    """Make exactly the chosen users of the organisation members ("Zugeordnet");
    ids of anyone outside the organisation are ignored."""
    wanted = chosen & {a.id for a in users_of(organisation)}
    present = member_ids(group)
    if gone := present - wanted:
        db.session.execute(sql_delete(GroupMember).where(GroupMember.group_id == group.id,
                                                         GroupMember.account_id.in_(gone)))
    db.session.add_all(GroupMember(group_id=group.id, account_id=account_id) for account_id in wanted - present)
    audit_people(organisation.id, wanted - present, gone, ("group_joined", "group_left"), group=group.id)
    db.session.commit()


def audit_people(organisation_id: str, added: set[str], removed: set[str], what: tuple[str, str],
                 **details) -> None:
    """One event per person whose rights changed (`what`: the names for added and
    removed), so that a search by person finds it."""
    for account_id, change in sorted([(a, what[0]) for a in added] + [(a, what[1]) for a in removed]):
        audit.record("organisation.roles_changed", organisation_id=organisation_id, account_id=account_id,
                     what=change, **details)


# -- services ----------------------------------------------------------------------------------
@dataclass
class ServiceChoice:
    """One row of the "Online-Dienste" tab: the service, whether the group carries it
    ("Zugeordnet") and with which of the service's roles."""

    client: Client
    assigned: bool
    roles: set[str]


def service_choices(group: Group, organisation: Organisation) -> list[ServiceChoice]:
    carried = {row.client_id: row for row in
               db.session.scalars(select(GroupService).where(GroupService.group_id == group.id))}
    return [ServiceChoice(client, client.client_id in carried,
                          set(carried[client.client_id].roles or []) if client.client_id in carried else set())
            for client in usable_services(organisation)]


@dataclass
class ServicesResult:
    choices: list[ServiceChoice]
    errors: dict[str, list[str]] = field(default_factory=dict)


def role_field(client: Client) -> str:
    """The form name of a service's role checkboxes."""
    return f"rollen-{client.client_id}"


def set_services(group: Group, organisation: Organisation, assigned: set[str],
                 roles: dict[str, set[str]]) -> ServicesResult:
    """Make the group carry exactly the `assigned` services among those the organisation
    may hand out, each with the chosen roles the service offers. Services outside that
    list are left as they are: the organisation cannot see or change them here."""
    choices = [ServiceChoice(client, client.client_id in assigned,
                             roles.get(client.client_id, set()) & set(client.roles or []))
               for client in usable_services(organisation)]
    errors = {role_field(c.client): [_("Rollen gelten nur für einen zugeordneten Online-Dienst. Bitte ordnen Sie "
                                       "„%(name)s“ zu oder wählen Sie die Rollen ab.", name=c.client.name)]
              for c in choices if c.roles and not c.assigned}
    if errors:
        return ServicesResult(choices, errors)
    carried = {row.client_id: row for row in
               db.session.scalars(select(GroupService).where(GroupService.group_id == group.id))}
    before = {c.client.client_id: sorted(carried[c.client.client_id].roles or [])
              for c in choices if c.client.client_id in carried}
    after = {c.client.client_id: sorted(c.roles) for c in choices if c.assigned}
    if after != before:
        audit.record("organisation.roles_changed", organisation_id=organisation.id, what="group_services",
                     group=group.id, which=sorted(after))
    for choice in choices:
        row = carried.get(choice.client.client_id)
        if choice.assigned and row is None:
            db.session.add(GroupService(group_id=group.id, client_id=choice.client.client_id,
                                        roles=sorted(choice.roles)))
        elif choice.assigned:
            row.roles = sorted(choice.roles)
        elif row is not None:
            db.session.delete(row)
    db.session.commit()
    return ServicesResult(choices)
