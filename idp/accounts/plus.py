"""Servicekonto Plus through the Online-Ausweisfunktion (SPEC §3): the upgrade of an
existing account, "Daten mit Ausweis synchronisieren" and "Online-Ausweisfunktion
deaktivieren"."""
from __future__ import annotations

from eid_connector import EidAttributes

from .. import audit
from ..authn import eid
from ..extensions import db
from ..i18n import _
from ..loa import Level
from .models import Account

OTHER_PERSON = _("Dieser Nachweis gehört zu einer anderen Person als der, die für Ihr Servicekonto bestätigt ist: "
                 "das Geburtsdatum stimmt nicht überein. Ihre Daten wurden nicht geändert.")


def other_person(account: Account, birth_date: str | None) -> str | None:
    """Why a card or PID may not replace the account's confirmed data, if it may not.

    Once the person behind an account is confirmed, a synchronisation keeps them:
    else a password alone (phished, or a family member's) would let any card take
    the account over at level hoch. Names change with a marriage and the address
    with a move; the birth date does not."""
    known = account.attribute("birth_date")
    if known is None or known.level < Level.SUBSTANZIELL or not known.value:
        return None  # a self-entered birth date is what the card corrects
    return OTHER_PERSON if birth_date != known.value else None


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
