"""The EU Digital Identity Wallet as a login back end: a verified PID whose stable
identifier is linked to an account."""
from __future__ import annotations

from flask import current_app

from idp.accounts import wallet_links
from idp.authn import core
from idp.authn.eid import CARD_ATTRIBUTES
from idp.authn.identity import Attribute, AuthenticationFailed, Identity, LoginBackend
from idp.i18n import _
from idp.loa import Level

from .pid import PidDataMissing, attributes, stable_identifier

METHOD = "wallet"
# RFC 8176 has no value for a wallet. "hwk": the key binding proves possession of the
# key the PID is bound to, kept in the wallet's secure hardware (the ARF's WSCA). The
# wallet unlocks it with PIN or biometrics but does not tell us which, so neither
# "pin" nor "face" is claimed. "eudi_wallet" names the method, so services can tell
# it from the ID card ("hwk", "pin"); RFC 8176 §2 allows values beyond its registry.
AMR = ("eudi_wallet", "hwk")
# A PID is issued from the ID card's eID at level hoch (ARF, PID rulebook).
CEILING = Level.HOCH
UNKNOWN = _("Zu diesem Identitätsnachweis ist kein Servicekonto mit EUDI-Wallet eingerichtet. Melden Sie sich "
            "mit E-Mail-Adresse und Passwort an und richten Sie die Wallet unter „Mein Profil“ → „Upgrade "
            "starten“ ein, oder registrieren Sie sich mit der Wallet.")
INCOMPLETE = _("Ihre Wallet hat nicht alle Angaben übermittelt, an denen dieses Servicekonto Sie wiedererkennt. "
               "Bitte geben Sie in der Wallet alle angefragten Angaben frei und versuchen Sie es erneut.")


def identifier(claims: dict) -> str:
    """The stable identifier under this IdP's own secret (raises PidDataMissing)."""
    return stable_identifier(claims, current_app.extensions["servicekonto.keys"].secret("wallet-identifier"))


class WalletBackend(LoginBackend):
    """Login with the wallet: the PID's stable identifier names the account."""

    name = METHOD

    def authenticate(self, *, claims: dict) -> Identity:
        try:
            subject = identifier(claims)
        except PidDataMissing:
            core.refused(METHOD, "incomplete_pid")
            raise AuthenticationFailed(INCOMPLETE) from None
        account_id = wallet_links.account_for(subject)
        if account_id is None:
            core.refused(METHOD, "unknown_pid")
            raise AuthenticationFailed(UNKNOWN)
        pid = tuple(Attribute(name, value, Level.HOCH, wallet_links.SOURCE)
                    for name, value in attributes(claims).as_dict().items() if name in CARD_ATTRIBUTES)
        return Identity(method=METHOD, amr=AMR, ceiling=CEILING, account_id=account_id, subject=subject,
                        attributes=pid)
