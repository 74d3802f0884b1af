"""What the citizen sees under "Datenzugriff verwalten" (SPEC §3): every release of
personal data to an online service, the standing consents, and the means to revoke
them and to delete that history.

The history is itself personal data: it names services a person uses. It is kept for
`RETENTION` and then purged, and the owner can delete it at any time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import audit
from ..extensions import db
from ..loa import Level
from ..oidc.models import Client, Consent
from ..oidc.revocation import revoke_for_consent
from ..timeutil import utcnow

RETENTION = timedelta(days=365)


class DataRelease(db.Model):
    __tablename__ = "data_release"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    # No foreign key: the record of what a service received outlives the service's
    # registration here.
    client_id: Mapped[str] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(255))
    claims: Mapped[list] = mapped_column(JSON)
    level: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def loa(self) -> Level:
        return Level(self.level)


def record(account_id: str, client: Client, claims: list[str], level: Level) -> None:
    """Note a release in the caller's transaction."""
    db.session.add(DataRelease(account_id=account_id, client_id=client.client_id, client_name=client.name,
                               claims=list(claims), level=int(level)))


def history(account_id: str) -> list[DataRelease]:
    return list(db.session.scalars(
        select(DataRelease).where(DataRelease.account_id == account_id)
        .order_by(DataRelease.released_at.desc(), DataRelease.id.desc())
    ))


@dataclass(frozen=True)
class StandingConsent:
    client_id: str
    client_name: str
    claims: list[str]
    granted_at: datetime


def consents(account_id: str) -> list[StandingConsent]:
    rows = db.session.execute(
        select(Consent, Client.name).join(Client, Client.client_id == Consent.client_id)
        .where(Consent.account_id == account_id).order_by(Client.name)
    ).all()
    return [StandingConsent(c.client_id, name, list(c.claims or []), c.granted_at) for c, name in rows]


def revoke_consent(account_id: str, client_id: str) -> bool:
    """The next login to that service asks again, and what the service holds stops
    working now, not when its tokens would expire."""
    deleted = db.session.execute(
        delete(Consent).where(Consent.account_id == account_id, Consent.client_id == client_id)
    ).rowcount
    revoke_for_consent(account_id, client_id)
    if deleted:
        audit.record("consent.revoked", account_id=account_id, client_id=client_id)
    db.session.commit()
    return bool(deleted)


def delete_history(account_id: str) -> int:
    count = db.session.execute(delete(DataRelease).where(DataRelease.account_id == account_id)).rowcount
    db.session.commit()
    return count


def purge() -> int:
    return db.session.execute(delete(DataRelease).where(DataRelease.released_at < utcnow() - RETENTION)).rowcount
