"""Who may use the operator console (`servicekonto operators`). Granting and revoking
are audited as `operator.role`."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..accounts.models import Account
from ..accounts.staff import active_by_email
from ..extensions import db
from ..loa import Level
from .models import Operator

# The console changes what every citizen's login depends on: only the ID card will do.
REQUIRED_LEVEL = Level.HOCH
ROLE = "operator"


class OperatorError(ValueError):
    pass


def active_account(email: str) -> Account:
    account = active_by_email(email)
    if account is None:
        raise OperatorError(f"no active account {email}")
    return account


def grant(email: str) -> Account:
    account = active_account(email)
    if db.session.get(Operator, account.id) is None:
        db.session.add(Operator(account_id=account.id))
        audit.record("operator.role", account_id=account.id, email=account.email, what="grant", which=ROLE)
    db.session.commit()
    return account


def revoke(email: str) -> bool:
    """False if the account was no operator."""
    account = active_account(email)
    operator = db.session.get(Operator, account.id)
    if operator is None:
        return False
    db.session.delete(operator)
    audit.record("operator.role", account_id=account.id, email=account.email, what="revoke", which=ROLE)
    db.session.commit()
    return True


def is_operator(account_id: str | None) -> bool:
    return account_id is not None and db.session.get(Operator, account_id) is not None


def all_operators() -> list[Account]:
    return list(db.session.scalars(select(Account).join(Operator, Operator.account_id == Account.id)
                                   .order_by(Account.email_normalized)))
