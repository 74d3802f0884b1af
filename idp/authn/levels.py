"""How an account reaches a level of assurance its login lacks (SPEC §2). The step-up
page of an authorization request and the catalogue of online services give the same
advice, so it is decided here once."""
from __future__ import annotations

import enum

from ..accounts import wallet_links
from ..accounts.models import Account
from ..loa import Level
from ..organisations import elster_links
from ..organisations.entitlements import is_organisation_account
from . import eid


class Remedy(enum.Enum):
    # An organisation's data are self-entered: only an ELSTER organisation certificate
    # raises its level, which the organisation's administration arranges.
    ELSTER = "elster"
    # The user's own ELSTER certificate is linked: a login "Mit ElsterID" reaches substanziell.
    ELSTER_LOGIN = "elster_login"
    # hoch needs the Online-Ausweisfunktion or the EUDI-Wallet; the account has one linked already.
    EID_LOGIN = "eid_login"
    # hoch, but the Online-Ausweisfunktion is not set up yet: an upgrade does that.
    EID_UPGRADE = "eid_upgrade"
    # The identity is not verified (Servicekonto): the upgrade to Servicekonto Plus.
    PLUS_UPGRADE = "plus_upgrade"
    # The identity is verified; a fresh login with e-mail address and password reaches the level.
    LOG_IN_AGAIN = "log_in_again"

    @property
    def only_by_logging_in(self) -> bool:
        """Whether another login alone reaches the level, without an upgrade or the
        organisation's administration."""
        return self in (Remedy.EID_LOGIN, Remedy.LOG_IN_AGAIN, Remedy.ELSTER_LOGIN)


def remedy(account: Account, required: Level) -> Remedy:
    """What `account`, logged in below `required`, has to do to reach it."""
    if is_organisation_account(account):
        if required <= Level.SUBSTANZIELL and elster_links.link_of(account.id) is not None:
            return Remedy.ELSTER_LOGIN
        return Remedy.ELSTER
    if required >= Level.HOCH:
        linked = eid.has_link(account) or wallet_links.has_link(account)
        return Remedy.EID_LOGIN if linked else Remedy.EID_UPGRADE
    if account.identity_level < required:
        return Remedy.PLUS_UPGRADE
    return Remedy.LOG_IN_AGAIN
