"""ELSTER organisation certificates (SPEC §6, seed 003): who may link which
certificate, the organisation data ELSTER vouches for and locks, and unlinking.

The ELSTER connector reads the IdP's answer into a `Certificate` and calls in here;
this module knows nothing of SAML. Certificates and organisations are recognised by
keyed digests of ELSTER's identifiers, never stored in the clear.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, select

from .. import audit
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..loa import Level
from . import entitlements
from .models import ACCOUNT_KIND, ELSTER_FIELDS, ElsterLink, ElsterOrganisation, Organisation


CITIZEN_ACCOUNT = (_("Sie nutzen ein Bürgerkonto. Für Bürgerkonten steht ELSTER-ID nicht zur Verfügung: ELSTER-"
                     "Zertifikate lassen sich nur mit dem Servicekonto einer Organisation verknüpfen."))
PRIVATE_CERTIFICATE = (_("Dieses ELSTER-Zertifikat gehört zu keiner Organisation. Bitte verwenden Sie ein ELSTER-"
                         "Zertifikat, das Ihrer Organisation bereitgestellt wurde, kein Zertifikat für den privaten "
                         "Gebrauch."))
FIRST_BY_ADMIN = (_("Das erste ELSTER-Zertifikat Ihrer Organisation muss von einer Administratorin oder einem "
                    "Administrator hinterlegt werden. Erst danach können Sie Ihr eigenes Zertifikat hinterlegen."))
OTHER_ORGANISATION = (_("Ihr ELSTER-Zertifikat gehört zu einer anderen Organisation als das bei Ihrer Organisation "
                        "bereits hinterlegte. Es können nur ELSTER-Zertifikate derselben Organisation hinterlegt "
                        "werden."))
ALREADY_LINKED = (_("Dieses ELSTER-Zertifikat wurde bereits von einer anderen Benutzerin oder einem anderen Benutzer "
                    "hinterlegt. Jede Person braucht ihr eigenes ELSTER-Zertifikat."))
ORGANISATION_TAKEN = (_("Die Organisation dieses ELSTER-Zertifikats ist bereits mit einem anderen Servicekonto "
                        "Business verknüpft. Bitten Sie die Administration dieser Organisation um einen Zugang."))
NOT_LINKED = (_("Mit diesem ELSTER-Zertifikat ist kein Servicekonto verknüpft. Melden Sie sich mit E-Mail-Adresse "
                "und Passwort an und hinterlegen Sie das Zertifikat unter „Mein Bereich“ → „ElsterID-Zertifikat "
                "verwalten“, oder registrieren Sie Ihre Organisation „Mit ElsterID“."))


@dataclass(frozen=True)
class Certificate:
    """What ELSTER vouches for at a login with a certificate."""

    pseudonym: str  # DatenuebermittlerPseudonymId: stable per certificate
    level: Level
    # ELSTER's key of the organisation (its tax number); None for a private certificate.
    organisation_key: str | None = None
    organisation: dict[str, str] = field(default_factory=dict)  # ELSTER_FIELDS it provides
    person: dict[str, str] = field(default_factory=dict)  # the holder: given_name, family_name, birth_date


def _digest(purpose: str, value: str) -> str:
    key = current_app.extensions["servicekonto.keys"].secret("elster-link")
    return hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()


def certificate_digest(certificate: Certificate) -> str:
    return _digest("certificate", certificate.pseudonym)


def organisation_digest(certificate: Certificate) -> str | None:
    return _digest("organisation", certificate.organisation_key) if certificate.organisation_key else None


# -- reading ---------------------------------------------------------------------------------
def account_for(certificate: Certificate) -> str | None:
    return db.session.scalar(select(ElsterLink.account_id).where(
        ElsterLink.certificate_digest == certificate_digest(certificate)))


def link_of(account_id: str) -> ElsterLink | None:
    return db.session.get(ElsterLink, account_id)


def linked_count(organisation_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(ElsterLink).where(
        ElsterLink.organisation_id == organisation_id)) or 0


def _organisation_holding(digest_value: str) -> str | None:
    return db.session.scalar(select(ElsterOrganisation.organisation_id).where(
        ElsterOrganisation.organisation_digest == digest_value))


# -- linking ---------------------------------------------------------------------------------
def link_refusal(account: Account, certificate: Certificate) -> str | None:
    """Why `account` may not link `certificate`, or None."""
    member = entitlements.membership(account.id)
    if account.kind != ACCOUNT_KIND or member is None:
        return CITIZEN_ACCOUNT
    org_digest = organisation_digest(certificate)
    if org_digest is None:
        return PRIVATE_CERTIFICATE
    holder = account_for(certificate)
    if holder is not None and holder != account.id:
        return ALREADY_LINKED
    bound = db.session.get(ElsterOrganisation, member.organisation_id)
    if bound is None:
        if not member.is_admin:
            return FIRST_BY_ADMIN
        if _organisation_holding(org_digest) is not None:
            return ORGANISATION_TAKEN
    elif not hmac.compare_digest(bound.organisation_digest, org_digest):
        return OTHER_ORGANISATION
    return None


def link(account: Account, certificate: Certificate) -> str | None:
    """Link the user's certificate (replacing one linked before); the first of the
    organisation binds it to its ELSTER organisation. Returns the refusal, or None
    after committing."""
    if refusal := link_refusal(account, certificate):
        return refusal
    organisation = entitlements.membership(account.id).organisation
    if db.session.get(ElsterOrganisation, organisation.id) is None:
        db.session.add(ElsterOrganisation(organisation_id=organisation.id,
                                          organisation_digest=organisation_digest(certificate)))
    existing = link_of(account.id)
    if existing is None:
        db.session.add(ElsterLink(account_id=account.id, organisation_id=organisation.id,
                                  certificate_digest=certificate_digest(certificate)))
    else:
        existing.certificate_digest = certificate_digest(certificate)
    take_over(organisation, certificate)
    audit.record("organisation.elster_linked", account_id=account.id, organisation_id=organisation.id,
                 fields=sorted(certificate.organisation))
    db.session.commit()
    return None


def take_over(organisation: Organisation, certificate: Certificate) -> None:
    """ELSTER's organisation data replace what was entered and are locked from now on.
    Also at every login: changes at ELSTER reach the organisation only this way.

    The holder's personal data are not stored at ELSTER's level: a later password login
    must stay at the level of what the organisation entered (SPEC §6)."""
    for name in ELSTER_FIELDS:
        if value := certificate.organisation.get(name):
            # Columns are sized for what people type; ELSTER's names may be longer.
            setattr(organisation, name, value[:Organisation.__table__.c[name].type.length])
    organisation.locked_fields = sorted(set(organisation.locked_fields or ()) | set(certificate.organisation))


def unlink(account: Account) -> bool:
    """"ELSTER-Verknüpfung lösen"; False if nothing was linked."""
    organisation_id = forget(account.id)
    if organisation_id is None:
        return False
    audit.record("organisation.elster_unlinked", account_id=account.id, organisation_id=organisation_id)
    db.session.commit()
    return True


def forget(account_id: str) -> str | None:
    """The account's certificate goes (unlinked, or the account is deleted); with the
    last one of the organisation its data are no longer ELSTER's, so they are unlocked,
    and the organisation may be bound anew. Returns the organisation's id if a link
    went; the caller commits."""
    link_row = link_of(account_id)
    if link_row is None:
        return None
    organisation_id = link_row.organisation_id
    db.session.delete(link_row)
    db.session.flush()
    if linked_count(organisation_id) == 0:
        db.session.execute(delete(ElsterOrganisation).where(ElsterOrganisation.organisation_id == organisation_id))
        db.session.get(Organisation, organisation_id).locked_fields = []
    return organisation_id


# -- login -----------------------------------------------------------------------------------
def logging_in(certificate: Certificate) -> tuple[str | None, str | None]:
    """(account id, refusal): the account the certificate is linked to, its and the
    organisation's data brought up to date with ELSTER's."""
    account_id = account_for(certificate)
    account = db.session.get(Account, account_id) if account_id else None
    member = entitlements.membership(account_id) if account_id else None
    if account is None or member is None:
        return None, NOT_LINKED
    take_over(member.organisation, certificate)
    db.session.commit()
    return account.id, None


# -- registration "Mit ElsterID" -------------------------------------------------------------
def registration_refusal(certificate: Certificate) -> str | None:
    org_digest = organisation_digest(certificate)
    if org_digest is None:
        return PRIVATE_CERTIFICATE
    if account_for(certificate) is not None:
        return ALREADY_LINKED
    if _organisation_holding(org_digest) is not None:
        return ORGANISATION_TAKEN
    return None


def registration_payload(certificate: Certificate) -> dict:
    """What a registration draft keeps of the certificate: digests, not identifiers."""
    return {"certificate_digest": certificate_digest(certificate),
            "organisation_digest": organisation_digest(certificate), "locked": sorted(certificate.organisation)}


def bind_registered(organisation: Organisation, account: Account, payload: dict) -> None:
    """The organisation registered "Mit ElsterID" and its first administrator: bound
    and linked as if the administrator had linked the certificate afterwards."""
    organisation.locked_fields = list(payload["locked"])
    db.session.add(ElsterOrganisation(organisation_id=organisation.id,
                                      organisation_digest=payload["organisation_digest"]))
    db.session.add(ElsterLink(account_id=account.id, organisation_id=organisation.id,
                              certificate_digest=payload["certificate_digest"]))
