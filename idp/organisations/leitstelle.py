"""The Fachliche Leitstelle of an online service (SPEC §6): staff of the authority
behind the service, named by the operator (`servicekonto clients leitstelle`), who
approve or refuse organisations' subscriptions of that service."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..accounts.models import Account
from ..accounts.staff import active_by_email
from ..extensions import db
from ..i18n import _
from ..oidc.models import Client
from . import entitlements, subscriptions
from .models import LeitstelleMember, Organisation, ServiceSubscription
from .subscriptions import SubscriptionError


ROLE = "leitstelle"


class LeitstelleError(ValueError):
    """The operator named an unknown service or account."""


@dataclass
class Request:
    """A subscription waiting for this Leitstelle."""

    subscription: ServiceSubscription
    organisation: Organisation
    client: Client


def _client_and_account(client_id: str, email: str) -> tuple[Client, Account]:
    client = db.session.get(Client, client_id)
    if client is None:
        raise LeitstelleError(f"no client {client_id}")
    account = active_by_email(email)
    if account is None:
        raise LeitstelleError(f"no active account {email}")
    return client, account


def grant(client_id: str, email: str) -> LeitstelleMember:
    """Make the active account with `email` (of any kind) a member of the service's Leitstelle."""
    client, account = _client_and_account(client_id, email)
    member = db.session.get(LeitstelleMember, (client.client_id, account.id))
    if member is None:
        member = LeitstelleMember(client_id=client.client_id, account_id=account.id)
        db.session.add(member)
        _audit(client, account, "grant")
        db.session.commit()
    return member


def _audit(client: Client, account: Account, what: str) -> None:
    audit.record("operator.role", account_id=account.id, client_id=client.client_id, email=account.email,
                 what=what, which=ROLE)


def revoke(client_id: str, email: str) -> bool:
    """Whether the account was a member (it no longer is)."""
    client, account = _client_and_account(client_id, email)
    member = db.session.get(LeitstelleMember, (client.client_id, account.id))
    if member is None:
        return False
    db.session.delete(member)
    _audit(client, account, "revoke")
    db.session.commit()
    return True


def all_members() -> list[tuple[Client, Account]]:
    """Every service's Leitstelle, by service name, then address (the operator's overview)."""
    return [tuple(row) for row in db.session.execute(
        select(Client, Account).join(LeitstelleMember, LeitstelleMember.client_id == Client.client_id)
        .join(Account, Account.id == LeitstelleMember.account_id)
        .order_by(Client.name, Account.email_normalized))]


def services_of(account: Account | None) -> list[str]:
    if account is None:
        return []
    return list(db.session.scalars(select(LeitstelleMember.client_id)
                                   .where(LeitstelleMember.account_id == account.id)))


def is_member(account: Account | None) -> bool:
    return bool(services_of(account))


def pending_requests(account: Account) -> list[Request]:
    """Waiting subscriptions of active organisations for the account's services,
    oldest first."""
    rows = db.session.execute(
        select(ServiceSubscription, Organisation, Client)
        .join(Organisation, Organisation.id == ServiceSubscription.organisation_id)
        .join(Client, Client.client_id == ServiceSubscription.client_id)
        .join(LeitstelleMember, LeitstelleMember.client_id == ServiceSubscription.client_id)
        .where(LeitstelleMember.account_id == account.id, ServiceSubscription.status == "pending",
               Organisation.status == "active")
        .order_by(ServiceSubscription.requested_at))
    return [Request(*row) for row in rows]


def find_request(account: Account, client_id: str, organisation_id: str) -> Request | None:
    """Only a waiting request of one of the account's services is found."""
    return next((r for r in pending_requests(account)
                 if r.client.client_id == client_id and r.organisation.id == organisation_id), None)


def decide(account: Account, request: Request, approve: bool, reason: str) -> ServiceSubscription:
    # Staff who also belong to the organisation do not decide their own request.
    own = entitlements.organisation_of(account.id)
    if own is not None and own.id == request.organisation.id:
        raise SubscriptionError(_("Über eine Anfrage Ihrer eigenen Organisation können Sie nicht selbst entscheiden."))
    return subscriptions.decide(request.subscription, approve, reason, account)
