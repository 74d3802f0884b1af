"""Servicekonto Plus through the Online-Ausweisfunktion (SPEC §3): the upgrade of an
existing account, "Daten mit Ausweis synchronisieren" and "Online-Ausweisfunktion
deaktivieren"."""
from __future__ import annotations

from eid_connector import EidAttributes

from .. import audit
from ..authn import eid
from ..extensions import db
from ..loa import Level
from .models import Account
from .profile import other_person

def take_card(account: Account, card: EidAttributes) -> str | None:
    """Upgrade and synchronisation alike: the card's data become the locked fields at
    level hoch, and a transferred pseudonym is stored (a new card has a new one).
    Returns a refusal message, and then nothing has changed."""
    if refusal := other_person(account, card.birth_date):
        return refusal
    if card.restricted_id and (refusal := eid.link(account, card.restricted_id)):
        db.session.rollback()
        return refusal
    eid.apply_card(account, card)
    audit.record("account.upgraded", account_id=account.id, method=eid.SOURCE, level=Level.HOCH.word)
    db.session.commit()
    return None


def deactivate(account: Account) -> bool:
    """Forget the pseudonym: eID login ends, password login stays."""
    removed = eid.unlink(account)
    if removed:
        audit.record("account.eid_deactivated", account_id=account.id)
    db.session.commit()
    return removed
