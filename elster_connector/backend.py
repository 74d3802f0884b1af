"""ELSTER as a login back end: a certificate linked to an organisation user."""
from __future__ import annotations

from idp.authn import core
from idp.authn.identity import AuthenticationFailed, Identity, LoginBackend
from idp.loa import Level
from idp.organisations import elster_links
from idp.organisations.elster_links import Certificate

METHOD = "elster"
# SPEC §2: a software certificate and its password.
AMR = ("swk", "pwd")
# What an ELSTER certificate proves here (SPEC §2), whatever ELSTER asserts above it.
CEILING = Level.SUBSTANZIELL


class ElsterBackend(LoginBackend):
    name = METHOD

    def authenticate(self, *, certificate: Certificate) -> Identity:
        account_id, refusal = elster_links.logging_in(certificate)
        if refusal:
            core.refused(METHOD, "certificate_not_linked")
            raise AuthenticationFailed(refusal)
        level = min(certificate.level, CEILING)
        # The certificate is the organisation's and linked to this account: that tie is
        # proven at ELSTER's level whether or not ELSTER names the holder (SPEC §2; an
        # organisation certificate need not name a person). The names the account holds
        # keep their own level in what is released.
        return Identity(method=METHOD, amr=AMR, ceiling=level, account_id=account_id, organisation_binding=level)


def answer_refused(reason: str, purpose: str, account_id: str | None = None) -> None:
    """ELSTER's answer could not be used (not verifiable, cancelled, not acceptable):
    a failed login, whatever the trip was for. `reason` names the check that refused."""
    core.refused(METHOD, reason, purpose=purpose, account_id=account_id)
