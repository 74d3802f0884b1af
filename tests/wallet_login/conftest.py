"""Fixtures for the wallet in the IdP: the simulator's wallet as holder, and accounts
linked to its test PIDs."""
from __future__ import annotations

import pytest

from idp.extensions import db

from .support import Holder


@pytest.fixture
def holder(app, wallet_simulator):
    return Holder(app, wallet_simulator.simulator.wallet)


@pytest.fixture
def link_pid(app, wallet_simulator):
    """Make the account Servicekonto Plus by the test PID `pid_id`, as an upgrade with
    the wallet does."""
    from idp.accounts import wallet_links
    from idp.accounts.models import Account
    from wallet_connector import attributes
    from wallet_connector.backend import identifier

    def link(account_id: str, pid_id: str) -> None:
        claims = wallet_simulator.simulator.wallet.pids[pid_id].claims
        with app.app_context():
            account = db.session.get(Account, account_id)
            assert wallet_links.take_pid(account, attributes(claims), identifier(claims)) is None

    return link
