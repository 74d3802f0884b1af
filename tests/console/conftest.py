"""An operator and the console as the operator's browser sees it."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.extensions import db
from idp.loa import Level
from idp.operations import operators
from tests.support.sessions import log_in_at_level

OPERATOR = "betrieb@land.example"


@dataclass
class Operator:
    account_id: str
    email: str = OPERATOR

    @property
    def actor(self) -> str:
        return f"operator:{self.account_id}"


@pytest.fixture
def operator(app, make_account) -> Operator:
    account_id = make_account(email=OPERATOR, given_name="Olaf", family_name="Betrieb")
    with app.app_context():
        operators.grant(OPERATOR)
    return Operator(account_id)


@pytest.fixture
def console(app, user_agent, operator):
    """The operator's browser, logged in with the ID card (hoch)."""
    log_in_at_level(app, user_agent, operator.account_id, Level.HOCH)
    return user_agent


def audit_events(app, event_prefix: str = "") -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event.startswith(event_prefix))
                                       .order_by(AuditEvent.id)))
