"""ELSTER as a login back end: a certificate linked to an organisation user."""
from __future__ import annotations

from idp import audit
from idp.authn.identity import Attribute, AuthenticationFailed, Identity, LoginBackend
from idp.extensions import db
from idp.loa import Level
from idp.organisations import elster_links
from idp.organisations.elster_links import Certificate

METHOD = "elster"
SOURCE = "elster"
# SPEC §2: a software certificate and its password.
AMR = ("swk", "pwd")
# What an ELSTER certificate proves here (SPEC §2), whatever ELSTER asserts above it.
CEILING = Level.SUBSTANZIELL


class ElsterBackend(LoginBackend):
    name = METHOD

    def authenticate(self, *, certificate: Certificate) -> Identity:
        account_id, refusal = elster_links.logging_in(certificate)
        if refusal:
            audit.record("login.failed", succeeded=False, method=METHOD, reason="certificate_not_linked")
            db.session.commit()
            raise AuthenticationFailed(refusal)
        level = min(certificate.level, CEILING)
        # The holder as ELSTER knows them: what the account core weighs for this login.
        holder = tuple(Attribute(name, value, level, SOURCE) for name, value in certificate.person.items())
        return Identity(method=METHOD, amr=AMR, ceiling=level, account_id=account_id, attributes=holder)
