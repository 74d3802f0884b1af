"""The account core's side of federation: what a remote identity becomes here.

Protocol-independent: the SAML and OIDC back ends deliver a `RemoteIdentity`; this
module caps it by the partner's trust (SPEC §2), finds the account linked to it, and
on the citizen's consent creates an account from it or links it to the account of the
person logged in here. Nothing is ever linked because an e-mail address matches.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import delete, select

from idp import audit
from idp.accounts import email_change, policy, registration
from idp.accounts.models import Account
from idp.authn import request_limits
from idp.authn.identity import Identity
from idp.extensions import db
from idp.i18n import _
from idp.loa import Level
from idp.mail import queue_template_mail
from idp.secrets import digest, new_secret
from idp.timeutil import utcnow

from .models import FederatedLink, FederationLogin, FederationPartner
from .remote import RemoteAttribute, RemoteIdentity

METHOD = "fed"
VALIDITY = timedelta(minutes=30)
# Account attributes a partner may fill; the e-mail address is handled on its own.
TAKEN_OVER = ("given_name", "family_name", "birth_name", "academic_title", "birth_date", "place_of_birth",
              "street", "house_number", "postal_code", "city", "country", "nationality")

LABELS = {"given_name": _("Vorname"), "family_name": _("Nachname"), "birth_name": _("Geburtsname"),
          "academic_title": _("Doktorgrad"), "birth_date": _("Geburtsdatum"), "place_of_birth": _("Geburtsort"),
          "street": _("Straße"), "house_number": _("Hausnummer"), "postal_code": _("Postleitzahl"),
          "city": _("Wohnort"), "country": _("Staat"), "nationality": _("Staatsangehörigkeit"),
          "email": _("E-Mail-Adresse")}

ALREADY_LINKED = _("Dieses Servicekonto des anderen Bundeslandes ist bereits mit einem anderen Konto hier verbunden.")
OTHER_LINK = _("Ihr Konto ist bereits mit einem anderen Servicekonto dieses Bundeslandes verbunden. Lösen Sie "
               "zuerst diese Verbindung.")
EMAIL_TAKEN = _("Zu dieser E-Mail-Adresse gibt es hier bereits ein Servicekonto. Ein Konto wird nie allein wegen "
                "der E-Mail-Adresse verbunden: Melden Sie sich mit diesem Konto an und verbinden Sie es unter "
                "„Mein Bereich“ mit dem anderen Servicekonto, oder geben Sie eine andere E-Mail-Adresse an.")
NAMES_MISSING = _("Das andere Servicekonto hat Vor- und Nachnamen nicht übermittelt. Ohne sie kann hier kein "
                  "Servicekonto angelegt werden.")


def source(partner: FederationPartner) -> str:
    return f"{METHOD}:{partner.id}"


def cap(partner: FederationPartner, level: Level | None) -> Level:
    """What this IdP believes: the asserted level, never more than the partner is
    trusted for; a partner that asserts nothing we know proves niedrig."""
    return min(level or Level.NIEDRIG, Level(partner.max_level))


def attributes(partner: FederationPartner, remote: RemoteIdentity) -> list[RemoteAttribute]:
    """The remote attributes this IdP can take over, each at its capped level: never
    above the login that carried it, and without a level of its own worth just that."""
    login = remote.level or Level.NIEDRIG
    out = []
    for attribute in remote.attributes:
        if attribute.name in TAKEN_OVER or attribute.name == "email":
            level = cap(partner, min(attribute.level or login, login))
            out.append(RemoteAttribute(attribute.name, attribute.value, level))
    return out


# -- links ---------------------------------------------------------------------------------
def _subject_digest(partner: FederationPartner, subject: str) -> str:
    key = current_app.extensions["servicekonto.keys"].secret("federation-subject")
    return hmac.new(key, f"{partner.id}\n{subject}".encode(), hashlib.sha256).hexdigest()


def _linked(partner: FederationPartner, subject: str) -> Account | None:
    account_id = db.session.scalar(select(FederatedLink.account_id).where(
        FederatedLink.partner_id == partner.id, FederatedLink.subject_digest == _subject_digest(partner, subject)))
    return db.session.get(Account, account_id) if account_id else None


def linked_account(partner: FederationPartner, subject: str) -> Account | None:
    """The account linked to the person at the partner. A sign-up through the partner
    that was never activated counts as none: like a registration, it is only a claim
    until its link is used, and signing in at the partner again starts it anew."""
    account = _linked(partner, subject)
    return None if account is None or registration.replaceable(account) else account


def _replace(*accounts: Account | None) -> None:
    """Unactivated registrations give way to a new one (their links and the federation
    link die with them); before the new rows with the same address or person go in."""
    stale = {account.id: account for account in accounts if account is not None and registration.replaceable(account)}
    for account in stale.values():
        db.session.delete(account)
    if stale:
        db.session.flush()


def links_of(account: Account) -> list[tuple[FederatedLink, FederationPartner]]:
    rows = db.session.execute(select(FederatedLink, FederationPartner).join(
        FederationPartner, FederationPartner.id == FederatedLink.partner_id).where(
        FederatedLink.account_id == account.id).order_by(FederationPartner.name))
    return [(link, partner) for link, partner in rows]


def link(account: Account, partner: FederationPartner, subject: str) -> str | None:
    """Link the account to the person at the partner; a refusal message if either
    side is already linked elsewhere (one remote identity, one account)."""
    holder = linked_account(partner, subject)
    if holder is not None:
        return None if holder.id == account.id else ALREADY_LINKED
    if any(p.id == partner.id for _, p in links_of(account)):
        return OTHER_LINK
    _replace(_linked(partner, subject))
    db.session.add(FederatedLink(account_id=account.id, partner_id=partner.id,
                                 subject_digest=_subject_digest(partner, subject)))
    return None


def unlink(account: Account, partner_id: str) -> bool:
    result = db.session.execute(delete(FederatedLink).where(FederatedLink.account_id == account.id,
                                                            FederatedLink.partner_id == partner_id))
    if result.rowcount:
        audit.record("federation.unlinked", account_id=account.id, partner=partner_id)
    db.session.commit()
    return bool(result.rowcount)


def take_over(account: Account, partner: FederationPartner, remote: RemoteIdentity) -> None:
    """The partner's data become the account's where they are at least as well
    proven as what the account holds (a card-read name is never replaced by a
    weaker one). Recorded in the caller's transaction."""
    taken = []
    for attribute in attributes(partner, remote):
        if attribute.name == "email":
            continue
        existing = account.attribute(attribute.name)
        if existing is None or existing.level <= attribute.level:
            account.set_attribute(attribute.name, attribute.value, attribute.level, source(partner))
            taken.append(attribute.name)
    audit.record("federation.received", account_id=account.id, partner=partner.id,
                 level=cap(partner, remote.level).word, fields=sorted(taken))


def identity(account: Account, partner: FederationPartner, remote: RemoteIdentity) -> Identity:
    amr = tuple(dict.fromkeys((*remote.amr, METHOD)))
    return Identity(method=METHOD, amr=amr, ceiling=cap(partner, remote.level), account_id=account.id,
                    subject=remote.subject)


def create_account(partner: FederationPartner, remote: RemoteIdentity, email: str,
                   link_for: Callable[[str], str], carried: dict | None = None,
                   client_address: str | None = None) -> tuple[Account | None, str | None]:
    """An account made of the partner's data, linked to the remote identity. Active at
    once when the e-mail address is the one the partner vouches for; otherwise it
    waits for the activation link like a registration, which then continues where
    the login was going (`carried`: `registration.continuation`).

    Returns (account to log in now, refusal); neither means a mail went to the address
    (the page says so). As at the registration form, nothing tells whether the address
    has an account here (SPEC §3): the request limit of `client_address` and of the
    address is counted first; an unactivated citizen registration is replaced (a fresh
    link); for any other account the person is answered as if the link had been sent,
    nothing is made or linked, and the owner is told by mail. The one exception is the
    address the partner vouches for: its owner, as far as the partner's word goes
    (the word that makes a free address live at once), is told plainly that it is
    taken and may try another one; it would show anyway, as a free one logs in."""
    if not (remote.value("given_name") and remote.value("family_name")):
        return None, NAMES_MISSING
    # About the identity just proven at the partner, not about the address.
    if linked_account(partner, remote.subject) is not None:
        return None, ALREADY_LINKED
    if not request_limits.take(request_limits.Action.REGISTRATION, client_address, email):
        return None, request_limits.EXCEEDED
    normalized = policy.normalize_email(email)
    vouched = policy.normalize_email(remote.value("email") or "") == normalized
    holder = email_change.holder(normalized)
    if holder is not None and not registration.replaceable(holder):
        if vouched:
            return None, EMAIL_TAKEN
        _tell_holder(holder, partner)
        audit.record("account.registered", succeeded=False, email=email.strip(), method=METHOD,
                     partner=partner.id, reason="address_taken")
        db.session.commit()
        return None, None
    # An earlier sign-up of this person, or a registration of this address, neither activated.
    _replace(holder, _linked(partner, remote.subject))
    account = Account(email=email.strip(), email_normalized=normalized, status="active" if vouched else "pending")
    if vouched:
        account.activated_at = utcnow()
    db.session.add(account)
    # The id first: the audit events name it.
    db.session.flush()
    audit.record("account.registered", account_id=account.id, email=account.email, method=METHOD,
                 partner=partner.id)
    take_over(account, partner, remote)
    link(account, partner, remote.subject)
    if vouched:
        mail = next(a for a in attributes(partner, remote) if a.name == "email")
        account.set_attribute("email", account.email, mail.level, source(partner))
        audit.record("account.activated", account_id=account.id, email=account.email, method=METHOD)
    else:
        registration.send_activation(account, link_for, carried)
    db.session.commit()
    return (account if vouched else None), None


def _tell_holder(holder: Account, partner: FederationPartner) -> None:
    """The owner of the address learns of the attempt, and how to use the other
    state's Servicekonto here; an organisation's account not yet activated gets the
    registration's notice (its own activation link is the way in)."""
    if not holder.is_active:
        registration.notify_holder(holder)
        return
    queue_template_mail(holder.email, _("Ihre E-Mail-Adresse wurde bei einer Anmeldung mit einem anderen "
                                        "Servicekonto angegeben"),
                        "federation_address_taken.txt", account=holder, partner_name=partner.name)


# -- logins in flight ----------------------------------------------------------------------
def begin(partner: FederationPartner, purpose: str, *, account_id: str | None = None, record_id: str | None = None,
          next_url: str | None = None, level: Level | None = None) -> tuple[FederationLogin, str]:
    """A login at the partner, bound to the browser by the returned secret."""
    browser_secret = new_secret()
    login = FederationLogin(id=new_secret(24), browser_digest=digest(browser_secret), partner_id=partner.id,
                            purpose=purpose, account_id=account_id, record_id=record_id, next_url=next_url,
                            level=int(level) if level else None)
    db.session.add(login)
    return login, browser_secret


def find(login_id: str | None, browser_secret: str | None) -> FederationLogin | None:
    """The login in flight, only for the browser that started it and only while fresh."""
    if not login_id or not browser_secret:
        return None
    login = db.session.get(FederationLogin, login_id)
    if login is None or not hmac.compare_digest(login.browser_digest, digest(browser_secret)):
        return None
    if login.created_at < utcnow() - VALIDITY:
        return None
    return login


def arrived(login: FederationLogin, remote: RemoteIdentity) -> None:
    """Keep the remote identity until the citizen decides about the take-over. One
    answer per login: the request ID or OIDC state cannot be used again."""
    data = asdict(remote)
    data.pop("extra", None)
    data["level"] = int(remote.level) if remote.level else None
    data["auth_time"] = remote.auth_time.isoformat() if remote.auth_time else None
    data["attributes"] = [[a.name, a.value, int(a.level) if a.level else None] for a in remote.attributes]
    login.result, login.request_id, login.pending = data, None, None
    db.session.commit()


def remote_of(login: FederationLogin) -> RemoteIdentity | None:
    data = login.result
    if not data:
        return None
    return RemoteIdentity(
        partner_id=data["partner_id"], subject=data["subject"],
        level=Level(data["level"]) if data["level"] else None, amr=tuple(data["amr"]),
        attributes=tuple(RemoteAttribute(n, v, Level(lv) if lv else None) for n, v, lv in data["attributes"]),
        auth_time=datetime.fromisoformat(data["auth_time"]) if data["auth_time"] else None)


def refused(partner: FederationPartner, reason: str) -> None:
    """The partner's answer is refused (or the citizen cancelled there): a failed
    login by federation, recorded at once as nothing else is stored."""
    audit.record("login.failed", succeeded=False, method=METHOD, partner=partner.id, reason=reason)
    db.session.commit()


def finish(login: FederationLogin) -> None:
    db.session.delete(login)
    db.session.commit()


def purge() -> int:
    result = db.session.execute(delete(FederationLogin).where(FederationLogin.created_at < utcnow() - VALIDITY))
    db.session.commit()
    return result.rowcount or 0
