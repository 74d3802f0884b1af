"""Staff roles on top of a citizen account (today: clerks of a Meldebehörde), given
by the operator (`servicekonto accounts role`, the console's "Rollen")."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..extensions import db
from .models import Account
from .policy import normalize_email
from .upgrade import ROLE as MELDEBEHOERDE

ROLES = (MELDEBEHOERDE,)


class StaffError(ValueError):
    pass


def active_by_email(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email_normalized == normalize_email(email),
                                                   Account.status == "active"))


def set_role(email: str, role: str | None) -> Account:
    """Give the account `role`, or take its role away with None."""
    if role is not None and role not in ROLES:
        raise StaffError(f"unknown role {role}")
    account = active_by_email(email)
    if account is None:
        raise StaffError(f"no active account {email}")
    before = account.role
    if before != role:
        account.role = role
        audit.record("operator.role", account_id=account.id, email=account.email, what="grant" if role else "revoke",
                     which=role or before)
    db.session.commit()
    return account


def holders(role: str) -> list[Account]:
    return list(db.session.scalars(select(Account).where(Account.role == role).order_by(Account.email_normalized)))
