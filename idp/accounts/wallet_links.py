"""The EU Digital Identity Wallet on an account (issue #16): the link by the PID's
stable identifier, and the PID's data as the locked fields of Servicekonto Plus, as
the ID card's (SPEC §3).

The connector derives the identifier (a keyed digest) and maps the PID to the eID's
`EidAttributes`; this module only keeps them, so the account core stays free of the
wallet protocol.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from eid_connector import EidAttributes

from .. import audit
from ..authn import eid
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..timeutil import utcnow
from .models import Account, WalletLink
from .profile import is_plus, other_person

SOURCE = "wallet"
ALREADY_LINKED = _("Dieser Identitätsnachweis (PID) ist bereits mit einem anderen Servicekonto verbunden. Eine "
                   "Wallet kann nur für ein Servicekonto genutzt werden.")


def account_for(identifier: str) -> str | None:
    return db.session.scalar(select(WalletLink.account_id).where(WalletLink.identifier_digest == identifier))


def link(account: Account, identifier: str) -> str | None:
    """Store the identifier for the account. Returns a refusal message when the PID
    already belongs to another account (one PID, one account)."""
    holder = account_for(identifier)
    if holder is not None and holder != account.id:
        return ALREADY_LINKED
    existing = db.session.get(WalletLink, account.id)
    if existing is None:
        db.session.add(WalletLink(account_id=account.id, identifier_digest=identifier))
    else:
        existing.identifier_digest, existing.created_at = identifier, utcnow()
    return None


def has_link(account: Account) -> bool:
    return db.session.get(WalletLink, account.id) is not None


def unlink(account: Account) -> bool:
    return bool(db.session.execute(delete(WalletLink).where(WalletLink.account_id == account.id)).rowcount)


def deactivate(account: Account) -> bool:
    """Forget the PID: wallet login ends, the account stays Plus with its data."""
    removed = unlink(account)
    if removed:
        audit.record("account.wallet_deactivated", account_id=account.id)
    db.session.commit()
    return removed


def apply_pid(account: Account, pid: EidAttributes) -> None:
    """The PID's data become the account's locked fields at level hoch, like the card's
    (what the PID does not say is removed rather than left unverified)."""
    values = pid.as_dict()
    for name in eid.CARD_ATTRIBUTES:
        account.set_attribute(name, values.get(name), Level.HOCH, SOURCE)


def take_pid(account: Account, pid: EidAttributes, identifier: str) -> str | None:
    """Upgrade to Servicekonto Plus with the wallet: link and locked fields together.
    Returns a refusal message, and then nothing has changed."""
    return _take(account, pid, identifier, "account.upgraded")


def may_synchronise(account: Account) -> bool:
    """"Daten mit EUDI-Wallet synchronisieren" is for a Plus account with the wallet
    linked; on any other it would be an upgrade without the new login SPEC §3 asks for."""
    return is_plus(account) and has_link(account)


def synchronise(account: Account, pid: EidAttributes, identifier: str) -> str | None:
    """The PID's data become the locked fields again (after a move, a new name) and its
    identifier the link, as the card's sync stores the pseudonym again. Returns a
    refusal message, and then nothing has changed."""
    return _take(account, pid, identifier, "account.wallet_synchronised")


def _take(account: Account, pid: EidAttributes, identifier: str, event: str) -> str | None:
    if refusal := other_person(account, pid.birth_date):
        return refusal
    if refusal := link(account, identifier):
        db.session.rollback()
        return refusal
    apply_pid(account, pid)
    audit.record(event, account_id=account.id, method=SOURCE, level=Level.HOCH.word)
    db.session.commit()
    return None
