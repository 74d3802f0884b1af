"""Function mailboxes of an organisation ("Funktionspostfächer", SPEC §6, seed 003).

A function mailbox has a name, an optional description, entitled groups and
persons, and optionally one linked online service whose messages it receives (so
each service is linked to at most one mailbox of an organisation; without a link,
the Postfach delivers the service's messages to the organisation's mailbox). Being
entitled to a mailbox lets a person read it; it never grants the linked service.
The messages themselves belong to the Postfach.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete as sql_delete
from sqlalchemy import Select, or_, select

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _, ngettext
from ..oidc.models import Client
from .groups import audit_people, check_text, groups_of, usable_services, users_of
from .models import (FunctionMailbox, FunctionMailboxGroup, FunctionMailboxMember, GroupMember, Organisation,
                     OrganisationMember)

NAME_MAX = 80
DESCRIPTION_MAX = 500
FIELDS = ("name", "description", "client_id")
LABELS = {"name": _("Name"), "description": _("Beschreibung"), "client_id": _("Verknüpfter Online-Dienst")}


# The messages live in the Postfach, which builds on organisations; the application
# factory hands its counter in here so that this package never imports the Postfach.
_unread_counter: Callable[[FunctionMailbox], int] | None = None


def count_unread_with(counter: Callable[[FunctionMailbox], int] | None) -> None:
    global _unread_counter
    _unread_counter = counter


def unread_count(mailbox: FunctionMailbox) -> int:
    """Unread messages in the mailbox (none while no Postfach is plugged in)."""
    return _unread_counter(mailbox) if _unread_counter is not None else 0


def mailboxes_of(organisation: Organisation) -> list[FunctionMailbox]:
    return list(db.session.scalars(select(FunctionMailbox).where(FunctionMailbox.organisation_id == organisation.id)
                                   .order_by(FunctionMailbox.name)))


def mailbox_in(organisation: Organisation, mailbox_id: str) -> FunctionMailbox | None:
    """The mailbox with this id if it belongs to the organisation; another
    organisation's mailbox is as absent as one that does not exist."""
    mailbox = db.session.get(FunctionMailbox, mailbox_id)
    return mailbox if mailbox is not None and mailbox.organisation_id == organisation.id else None


def linked_mailbox(organisation_id: str, client_id: str) -> FunctionMailbox | None:
    """Where the Postfach delivers this service's messages to the organisation, if a
    mailbox is linked to it."""
    return db.session.scalar(select(FunctionMailbox).where(FunctionMailbox.organisation_id == organisation_id,
                                                           FunctionMailbox.client_id == client_id))


def linked_services(organisation: Organisation) -> dict[str, str]:
    """Which of the organisation's services are linked already: client id → mailbox name."""
    return {m.client_id: m.name for m in mailboxes_of(organisation) if m.client_id}


def linked_service(mailbox: FunctionMailbox) -> Client | None:
    return db.session.get(Client, mailbox.client_id) if mailbox.client_id else None


def group_ids(mailbox: FunctionMailbox) -> set[int]:
    return set(db.session.scalars(select(FunctionMailboxGroup.group_id)
                                  .where(FunctionMailboxGroup.mailbox_id == mailbox.id)))


def person_ids(mailbox: FunctionMailbox) -> set[str]:
    return set(db.session.scalars(select(FunctionMailboxMember.account_id)
                                  .where(FunctionMailboxMember.mailbox_id == mailbox.id)))


# -- who may read it ---------------------------------------------------------------------------
def _entitled_ids(mailbox: FunctionMailbox) -> set[str]:
    through_groups = set(db.session.scalars(
        select(GroupMember.account_id)
        .join(FunctionMailboxGroup, FunctionMailboxGroup.group_id == GroupMember.group_id)
        .where(FunctionMailboxGroup.mailbox_id == mailbox.id)))
    # Seam for delegation: a deputy of an entitled person is to be added here by the
    # delegation rules (idp/organisations/delegation.py), not by the Postfach.
    return person_ids(mailbox) | through_groups


def entitled_accounts(mailbox: FunctionMailbox) -> list[Account]:
    """Everyone who may read the mailbox: the entitled persons and the members of the
    entitled groups, each once."""
    ids = _entitled_ids(mailbox)
    if not ids:
        return []
    return list(db.session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.email_normalized)))


def readable_ids(account_id: str) -> Select:
    """The ids of the function mailboxes the account may read, as a subquery, so that
    the Postfach can count across them in one statement."""
    groups = select(GroupMember.group_id).where(GroupMember.account_id == account_id)
    by_group = select(FunctionMailboxGroup.mailbox_id).where(FunctionMailboxGroup.group_id.in_(groups))
    in_person = select(FunctionMailboxMember.mailbox_id).where(FunctionMailboxMember.account_id == account_id)
    return (select(FunctionMailbox.id)
            .join(OrganisationMember, OrganisationMember.organisation_id == FunctionMailbox.organisation_id)
            .where(OrganisationMember.account_id == account_id,
                   or_(FunctionMailbox.id.in_(by_group), FunctionMailbox.id.in_(in_person))))


def mailboxes_for(account: Account) -> list[FunctionMailbox]:
    """The function mailboxes `account` may read, for its Postfach. (Mailboxes read as
    a deputy come from the delegation rules, like in `_entitled_ids`.)"""
    return list(db.session.scalars(select(FunctionMailbox).where(FunctionMailbox.id.in_(readable_ids(account.id)))
                                   .order_by(FunctionMailbox.name)))


# -- create, change, delete ----------------------------------------------------------------------
@dataclass
class MailboxForm:
    """What the form shows and what was entered: the fields, the chosen groups and
    persons, and the messages for refused fields."""

    data: dict[str, str]
    groups: set[int]
    persons: set[str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    mailbox: FunctionMailbox | None = None


def blank() -> MailboxForm:
    return MailboxForm({name: "" for name in FIELDS}, set(), set())


def current(mailbox: FunctionMailbox) -> MailboxForm:
    return MailboxForm({"name": mailbox.name, "description": mailbox.description or "",
                        "client_id": mailbox.client_id or ""}, group_ids(mailbox), person_ids(mailbox), mailbox=mailbox)


def _check_service(organisation: Organisation, client_id: str, mailbox: FunctionMailbox | None) -> list[str]:
    if not client_id:
        return []
    if client_id not in {c.client_id for c in usable_services(organisation)}:
        return [_("Bitte wählen Sie einen Online-Dienst, den Ihre Organisation nutzen darf.")]
    taken = linked_mailbox(organisation.id, client_id)
    if taken is not None and taken is not mailbox:
        return [_("Mit diesem Online-Dienst ist bereits das Funktionspostfach „%(name)s“ verknüpft. "
                  "Die Nachrichten eines Online-Dienstes gehen immer in genau ein Funktionspostfach.", name=taken.name)]
    return []


def _validate(organisation: Organisation, entered: MailboxForm) -> dict[str, list[str]]:
    data, mailbox = entered.data, entered.mailbox
    errors = {}
    if problems := check_text(data["name"], LABELS["name"], NAME_MAX, required=True):
        errors["name"] = problems
    elif any(other.name.casefold() == data["name"].casefold() and other is not mailbox
             for other in mailboxes_of(organisation)):
        errors["name"] = [_("Es gibt bereits ein Funktionspostfach „%(name)s“. Bitte wählen Sie einen anderen Namen.",
                            name=data["name"])]
    if problems := check_text(data["description"], LABELS["description"], DESCRIPTION_MAX, required=False):
        errors["description"] = problems
    if problems := _check_service(organisation, data["client_id"], mailbox):
        errors["client_id"] = problems
    return errors


def save(organisation: Organisation, form, chosen_groups: set[str], chosen_persons: set[str],
         mailbox: FunctionMailbox | None = None) -> MailboxForm:
    """Create a mailbox (`mailbox` None) or change it. The linked service is chosen at
    creation only: messages already delivered belong to it. Groups and persons outside
    the organisation are ignored."""
    data = {name: (form.get(name) or "").strip() for name in FIELDS}
    if mailbox is not None:
        data["client_id"] = mailbox.client_id or ""
    entered = MailboxForm(data, {s.group.id for s in groups_of(organisation) if str(s.group.id) in chosen_groups},
                          chosen_persons & {a.id for a in users_of(organisation)}, mailbox=mailbox)
    entered.errors = _validate(organisation, entered)
    if entered.errors:
        return entered
    if mailbox is None:
        mailbox = FunctionMailbox(organisation_id=organisation.id, client_id=data["client_id"] or None)
        db.session.add(mailbox)
    mailbox.name, mailbox.description = data["name"], data["description"] or None
    db.session.flush()
    _audit_entitlements(mailbox, entered.groups, entered.persons)
    _replace_entitlements(mailbox, entered.groups, entered.persons)
    db.session.commit()
    entered.mailbox = mailbox
    return entered


def _audit_entitlements(mailbox: FunctionMailbox, group_set: set[int], person_set: set[str]) -> None:
    """Who may read a mailbox is a right: an event per person let in or out, one for the groups."""
    before = person_ids(mailbox)
    audit_people(mailbox.organisation_id, person_set - before, before - person_set,
                 ("mailbox_granted", "mailbox_revoked"), mailbox=mailbox.id)
    if group_set != group_ids(mailbox):
        audit.record("organisation.roles_changed", organisation_id=mailbox.organisation_id, what="mailbox_groups",
                     mailbox=mailbox.id, which=sorted(group_set))


def _replace_entitlements(mailbox: FunctionMailbox, group_set: set[int], person_set: set[str]) -> None:
    db.session.execute(sql_delete(FunctionMailboxGroup).where(FunctionMailboxGroup.mailbox_id == mailbox.id))
    db.session.execute(sql_delete(FunctionMailboxMember).where(FunctionMailboxMember.mailbox_id == mailbox.id))
    db.session.add_all(FunctionMailboxGroup(mailbox_id=mailbox.id, group_id=g) for g in group_set)
    db.session.add_all(FunctionMailboxMember(mailbox_id=mailbox.id, account_id=a) for a in person_set)


def deletion_refusal(mailbox: FunctionMailbox) -> str | None:
    """Why the mailbox cannot be deleted now, or None."""
    unread = unread_count(mailbox)
    if unread:
        return _("Das Funktionspostfach „%(name)s“ enthält %(unread)s und kann deshalb nicht gelöscht werden. "
                 "Bitte lassen Sie die Nachrichten zuerst von einer berechtigten Person lesen.",
                 name=mailbox.name,
                 unread=ngettext("eine ungelesene Nachricht", "%(num)d ungelesene Nachrichten", unread))
    return None


def delete(mailbox: FunctionMailbox) -> str | None:
    """Delete the mailbox unless it holds unread messages; returns the refusal."""
    if refusal := deletion_refusal(mailbox):
        return refusal
    db.session.delete(mailbox)
    db.session.commit()
    return None
