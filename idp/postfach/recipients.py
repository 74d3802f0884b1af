"""Who a message is for: the owner behind an identifier the sending service received.

A service names a citizen by the pairwise `sub` it received, an organisation by the
pairwise `organisation.id`; both lead back to their owner only through what was
issued to that very service (`IssuedIdentifier`), so a service can reach no one it
does not know, and an identifier another service received means nothing to it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Account
from ..extensions import db
from ..oidc.models import IssuedIdentifier
from ..organisations import entitlements, mailboxes
from ..organisations.models import FunctionMailbox, Organisation
from .models import owner_key

KINDS = ("sub", "organisation")


@dataclass(frozen=True)
class Recipient:
    account: Account | None = None
    organisation: Organisation | None = None
    # For an organisation: the function mailbox linked to the sending service, if any.
    mailbox: FunctionMailbox | None = None

    @property
    def owner(self) -> str:
        return owner_key(self.account.id if self.account else None,
                         self.organisation.id if self.organisation else None)


def resolve(client_id: str, kind: str, identifier: str) -> Recipient | None:
    """The recipient `client_id` names, or None when the service does not know it
    (never received the identifier, or the account or organisation is gone)."""
    if kind not in KINDS or not isinstance(identifier, str):
        return None
    issued = db.session.scalar(select(IssuedIdentifier).where(
        IssuedIdentifier.client_id == client_id, IssuedIdentifier.kind == kind,
        IssuedIdentifier.identifier == identifier))
    if issued is None:
        return None
    if kind == "sub":
        account = db.session.get(Account, issued.account_id)
        return Recipient(account=account) if account is not None and account.is_active else None
    organisation = db.session.get(Organisation, issued.organisation_id)
    if organisation is None or not organisation.is_active:
        return None
    return Recipient(organisation=organisation, mailbox=mailboxes.linked_mailbox(organisation.id, client_id))


def notified_accounts(recipient: Recipient) -> list[Account]:
    """Who learns of a new message by mail: the citizen; for an organisation the
    persons entitled to the function mailbox, or the administrators for the
    organisation's general mailbox."""
    if recipient.account is not None:
        return [recipient.account]
    if recipient.mailbox is not None:
        return [a for a in mailboxes.entitled_accounts(recipient.mailbox) if a.is_active]
    return entitlements.active_administrators(recipient.organisation.id)
