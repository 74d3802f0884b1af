"""Servicekonto Business (SPEC §6): organisations, their members, groups, subscribed
online services with roles, function mailboxes and delegations.

An organisation user is an ordinary `Account` of kind "organisation" with one
`OrganisationMember` row; login, sessions, links and mail work as for citizens.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Account, new_id
from ..extensions import db
from ..timeutil import utcnow

ACCOUNT_KIND = "organisation"

# Fields of the organisation that a linked ELSTER certificate vouches for; once
# taken from ELSTER they are in `Organisation.locked_fields` and no form changes them.
ELSTER_FIELDS = ("name", "legal_form", "register_number", "register_court",
                 "street", "house_number", "postal_code", "city")


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40))
    legal_form: Mapped[str | None] = mapped_column(String(80))  # Rechtsform
    register_number: Mapped[str | None] = mapped_column(String(40))  # Handelsregisternummer
    register_court: Mapped[str | None] = mapped_column(String(80))  # Registergericht
    street: Mapped[str] = mapped_column(String(80))
    house_number: Mapped[str] = mapped_column(String(11))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(80))
    po_box: Mapped[str | None] = mapped_column(String(20))  # Postfach number, 4–20 digits
    admins_use_services: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_fields: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]

    members: Mapped[list["OrganisationMember"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def address(self) -> dict[str, str]:
        return {"street": self.street, "house_number": self.house_number,
                "postal_code": self.postal_code, "city": self.city}


class OrganisationMember(db.Model):
    """An account's place in its organisation: one organisation per account."""

    __tablename__ = "organisation_member"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    account: Mapped[Account] = relationship()


class ServiceSubscription(db.Model):
    """An online service the organisation subscribed; usable once `active` (at once
    for services with automatic approval, else after the Fachliche Leitstelle)."""

    __tablename__ = "organisation_subscription"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active | refused
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class ServiceGrant(db.Model):
    """A service granted to a user directly ("Berechtigt") with "Zusätzliche Rollen".
    Grants through groups live on the group and never touch this row."""

    __tablename__ = "organisation_service_grant"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Group(db.Model):
    __tablename__ = "organisation_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))  # Bezeichnung
    description: Mapped[str | None] = mapped_column(Text)  # Beschreibung
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(db.Model):
    __tablename__ = "organisation_group_member"

    group_id: Mapped[int] = mapped_column(ForeignKey("organisation_group.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)


class GroupService(db.Model):
    """A service (with roles) that every member of the group may use."""

    __tablename__ = "organisation_group_service"

    group_id: Mapped[int] = mapped_column(ForeignKey("organisation_group.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)


class FunctionMailbox(db.Model):
    """A shared mailbox of the organisation (Funktionspostfach); the Postfach fills it
    with messages. With `client_id` it receives that online service's messages."""

    __tablename__ = "organisation_mailbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FunctionMailboxGroup(db.Model):
    __tablename__ = "organisation_mailbox_group"

    mailbox_id: Mapped[str] = mapped_column(ForeignKey("organisation_mailbox.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organisation_group.id", ondelete="CASCADE"), primary_key=True)


class FunctionMailboxMember(db.Model):
    __tablename__ = "organisation_mailbox_member"

    mailbox_id: Mapped[str] = mapped_column(ForeignKey("organisation_mailbox.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)


class Delegation(db.Model):
    """Vertretung: `deputy` may act for `principal` from `starts_on` until `ends_on`
    (open-ended when None); `scope` "postfach" allows the mailboxes only,
    "vollstaendig" everything the principal may do."""

    __tablename__ = "organisation_delegation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(16), default="postfach")  # postfach | vollstaendig
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class DelegationEvent(db.Model):
    """What a deputy did as deputy, for the principal and the administrators to see."""

    __tablename__ = "organisation_delegation_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("organisation_delegation.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # A code of idp.organisations.delegation.ACTION_LABELS, and the name of the Vorgang
    # or online service it concerns: the page says it in its reader's language.
    action: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)


class LeitstelleMember(db.Model):
    """Staff of the authority behind an online service (Fachliche Leitstelle): they
    approve or refuse organisations' subscriptions of that service."""

    __tablename__ = "leitstelle_member"

    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)


class ElsterOrganisation(db.Model):
    """The organisation at ELSTER that this organisation's certificates belong to, set
    by the first certificate an administrator linked. Only a keyed digest of ELSTER's
    key of the organisation is kept."""

    __tablename__ = "elster_organisation"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    organisation_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ElsterLink(db.Model):
    """A user's own ELSTER certificate (DatenuebermittlerPseudonymId, as a keyed
    digest): one certificate per user, one user per certificate."""

    __tablename__ = "elster_link"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    certificate_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
