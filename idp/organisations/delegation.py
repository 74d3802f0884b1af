"""Delegation (Vertretung, seed 001): a deputy acts for a colleague."""
from __future__ import annotations

from ..authn.sessions import LoginSession
from .models import Delegation


def acting_for(login_session: LoginSession | None) -> Delegation | None:
    """The delegation the session currently acts under ("Vertretung wahrnehmen"), if it
    is still valid today; None when the user acts as themselves."""
    return None


def record(delegation: Delegation, action: str) -> None:
    """Note something the deputy did as deputy (the caller commits)."""
