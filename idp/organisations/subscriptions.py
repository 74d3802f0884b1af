"""Subscriptions of online services by organisations (SPEC §6): active at once for
services with automatic approval, else waiting for the Fachliche Leitstelle, which
approves or refuses; the organisation's administrators learn the outcome by mail."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..mail import queue_template_mail
from ..oidc.models import Client
from ..timeutil import utcnow
from . import entitlements
from .models import (Group, GroupService, LeitstelleMember, Organisation, OrganisationMember, ServiceGrant,
                     ServiceSubscription)

REASON_MAX = 500
STATUS_LABELS = {
    "active": _("freigeschaltet"),
    "pending": _("wartet auf Freischaltung durch die Fachliche Leitstelle"),
    "refused": _("abgelehnt"),
}


class SubscriptionError(Exception):
    """A change that cannot be made; the message is safe to show, `field` names the
    form field it concerns."""

    def __init__(self, message: str, field: str = "form"):
        super().__init__(message)
        self.field = field


def subscribe(organisation: Organisation, client: Client) -> ServiceSubscription:
    """Subscribe (or ask again after a refusal); an existing active or pending one stays.
    Does not commit: registration subscribes within its own transaction."""
    sub = db.session.get(ServiceSubscription, (organisation.id, client.client_id))
    if sub is not None and sub.status in ("active", "pending"):
        return sub
    if sub is None:
        sub = ServiceSubscription(organisation_id=organisation.id, client_id=client.client_id)
        db.session.add(sub)
    sub.status = "active" if client.approval == "auto" else "pending"
    sub.requested_at = utcnow()
    sub.decided_at = sub.decided_by = sub.reason = None
    if sub.status == "pending" and organisation.is_active:
        _tell_leitstelle(organisation, client)
    return sub


def _tell_leitstelle(organisation: Organisation, client: Client) -> None:
    # Only what the Leitstelle needs to look the request up: no personal data.
    members = db.session.scalars(
        select(Account).join(LeitstelleMember, LeitstelleMember.account_id == Account.id)
        .where(LeitstelleMember.client_id == client.client_id, Account.status == "active"))
    for account in members:
        queue_template_mail(account.email, _("Neue Freischaltungsanfrage für %(name)s", name=client.name),
                            "leitstelle_request.txt", account=account, organisation=organisation, client=client,
                            issuer=current_app.config["SERVICEKONTO"].issuer)


def of_organisation(organisation: Organisation) -> list[tuple[ServiceSubscription, Client]]:
    rows = db.session.execute(
        select(ServiceSubscription, Client).join(Client, Client.client_id == ServiceSubscription.client_id)
        .where(ServiceSubscription.organisation_id == organisation.id).order_by(Client.name))
    return [(sub, client) for sub, client in rows]


def active_services(organisation: Organisation) -> list[Client]:
    return [client for sub, client in of_organisation(organisation) if sub.status == "active"]


def subscribable(organisation: Organisation) -> list[Client]:
    """Services for organisations the organisation has not subscribed, or whose
    subscription was refused (asking again goes to the Leitstelle again)."""
    taken = {sub.client_id for sub, _ in of_organisation(organisation) if sub.status != "refused"}
    clients = db.session.scalars(select(Client).where(Client.audience.in_(("organisations", "both")))
                                 .order_by(Client.name))
    return [c for c in clients if c.client_id not in taken]


def add(organisation: Organisation, client_id: str) -> ServiceSubscription:
    """"Online-Dienst abonnieren" by an administrator."""
    client = next((c for c in subscribable(organisation) if c.client_id == client_id), None)
    if client is None:
        raise SubscriptionError(_("Bitte wählen Sie einen Online-Dienst aus der Liste."), "client_id")
    sub = subscribe(organisation, client)
    audit.record("organisation.subscription", organisation_id=organisation.id, client_id=client.client_id,
                 what="add", status=sub.status)
    db.session.commit()
    return sub


def find(organisation: Organisation, client_id: str) -> tuple[ServiceSubscription, Client] | None:
    """The organisation's own subscription only: another organisation's is not found."""
    return next(((s, c) for s, c in of_organisation(organisation) if c.client_id == client_id), None)


def unsubscribe(organisation: Organisation, client_id: str) -> None:
    """"Abonnement beenden": with the subscription go the service's direct grants to the
    organisation's users and the service in the organisation's groups. Function
    mailboxes linked to the service stay; they keep their messages."""
    members = select(OrganisationMember.account_id).where(OrganisationMember.organisation_id == organisation.id)
    groups = select(Group.id).where(Group.organisation_id == organisation.id)
    db.session.execute(delete(ServiceGrant).where(ServiceGrant.client_id == client_id,
                                                  ServiceGrant.account_id.in_(members)))
    db.session.execute(delete(GroupService).where(GroupService.client_id == client_id,
                                                  GroupService.group_id.in_(groups)))
    db.session.execute(delete(ServiceSubscription).where(ServiceSubscription.organisation_id == organisation.id,
                                                         ServiceSubscription.client_id == client_id))
    audit.record("organisation.subscription", organisation_id=organisation.id, client_id=client_id, what="remove")
    db.session.commit()


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise SubscriptionError(_("Bitte geben Sie eine Begründung für die Ablehnung an."), "reason")
    if "<" in reason or ">" in reason or len(reason) > REASON_MAX:
        raise SubscriptionError(_("Die Begründung darf höchstens %(count)d Zeichen lang sein und die Zeichen "
                                  "< und > nicht enthalten.", count=REASON_MAX), "reason")
    return reason


def decide(sub: ServiceSubscription, approve: bool, reason: str, by_account: Account) -> ServiceSubscription:
    """The Fachliche Leitstelle's answer to a waiting subscription (a refusal needs a
    reason); every active administrator of the organisation gets a mail either way."""
    reason = None if approve else check_reason(reason)
    # Two members of the Leitstelle may answer at once: the second finds it decided.
    db.session.refresh(sub, with_for_update=True)
    if sub.status != "pending":
        raise SubscriptionError(_("Über diese Anfrage ist bereits entschieden."))
    sub.status = "active" if approve else "refused"
    sub.decided_at, sub.decided_by, sub.reason = utcnow(), by_account.id, reason
    # The reason is free text: it stays with the subscription, not in the log.
    audit.record("organisation.approval", organisation_id=sub.organisation_id,
                 client_id=sub.client_id, actor=f"leitstelle:{by_account.id}",
                 decision="approved" if approve else "refused")
    organisation = db.session.get(Organisation, sub.organisation_id)
    client = db.session.get(Client, sub.client_id)
    subject = (_("Online-Dienst freigeschaltet: %(name)s", name=client.name) if approve
               else _("Online-Dienst nicht freigeschaltet: %(name)s", name=client.name))
    for admin in entitlements.active_administrators(organisation.id):
        queue_template_mail(admin.email, subject, "subscription_decided.txt", account=admin,
                            organisation=organisation, client=client, approved=approve, reason=reason)
    db.session.commit()
    return sub
