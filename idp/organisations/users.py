""""Benutzer" (SPEC §6, seed 003): the administrators set up users and further
administrators, who activate their account by a link valid 14 days and choose their
password there; administrators edit their data, change their e-mail address (the
new address confirms, as in "Mein Bereich") and delete them with a mail to them.

Anyone can register an organisation, so the administration's forms must not tell
whether an address has a Servicekonto (SPEC §3). An address held by someone of the
administrator's own organisation is refused plainly: the list of users shows it
anyway. Any other taken address is answered like a free one, after the request limit
has been counted, and its owner is told by mail instead; no account is made or
changed for it. What remains visible is that no new user (or no changed address)
appears in the list afterwards: an organisation can only list its own accounts, and a
citizen's or another organisation's account must never join it. That signal costs a
counted request each time, and each time the owner of the address learns of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from .. import audit
from ..accounts import deletion, email_change, links
from ..accounts import policy as account_policy
from ..accounts.models import Account
from ..accounts.passwords import hash_password
from ..authn import request_limits
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..mail import queue_template_mail
from ..timeutil import utcnow
from . import admins, policy
from .models import ACCOUNT_KIND, Organisation, OrganisationMember

ACTIVATION_PURPOSE = "org_user_activation"
ACTIVATION_VALIDITY = timedelta(days=14)
# Personal data an administrator keeps for a user; the e-mail address changes apart.
DATA_FIELDS = ("given_name", "family_name", "birth_date", "phone")
NOT_CONFIRMED = _("Bitte bestätigen Sie, dass Sie dieses Servicekonto endgültig löschen möchten.")
SAME_ADDRESS = _("Das ist bereits die E-Mail-Adresse dieser Person.")
ALREADY_HERE = _("Diese E-Mail-Adresse gehört bereits zu einem Benutzer Ihrer Organisation.")
NOT_YOURSELF = _("Ihr eigenes Servicekonto löschen Sie unter „Mein Bereich“ → „Servicekonto löschen“.")


@dataclass
class Result:
    data: dict
    errors: dict[str, list[str]] = field(default_factory=dict)
    account: Account | None = None


def members(organisation: Organisation) -> list[OrganisationMember]:
    """Everyone in the organisation, by name."""
    rows = db.session.scalars(select(OrganisationMember).where(
        OrganisationMember.organisation_id == organisation.id))
    return sorted(rows, key=lambda m: (m.account.value("family_name").casefold(),
                                       m.account.value("given_name").casefold(), m.account.email_normalized))


def member_of(organisation: Organisation, account_id: str) -> OrganisationMember | None:
    """The member only if it belongs to `organisation`: an administrator never
    reaches the people of another organisation."""
    member = db.session.get(OrganisationMember, account_id)
    return member if member is not None and member.organisation_id == organisation.id else None


def _entered(form) -> tuple[dict, bool]:
    data = {name: (form.get(name) or "").strip() for name in policy.PERSON_FIELDS}
    data["is_admin"] = form.get("is_admin") == "ja"
    return data, data["is_admin"]


def _set_person(account: Account, data: dict) -> None:
    for name in DATA_FIELDS:
        account.set_attribute(name, data.get(name), Level.NIEDRIG, "self")


def create(organisation: Organisation, form, link_for: Callable[[str], str], source: str | None = None,
           locale: str | None = None) -> Result:
    """"Neuer Benutzer": a pending account of the organisation and the activation mail
    (the invitation); `source` is the client address the request limit counts. The
    invited person has chosen no language yet: they get the inviting administrator's
    (`locale`) until they choose their own.

    For an address that belongs to an account outside the organisation the result is
    the same success without an account (see the module's docstring): its owner gets
    a notice naming the organisation, and the account stays as it is."""
    data, admin = _entered(form)
    errors = policy.validate_person(data, admin)
    normalized = account_policy.normalize_email(data["email"])
    holder = _holder(organisation, data["email"], errors) if "email" not in errors else None
    if not errors and not request_limits.take(request_limits.Action.INVITATION, source, data["email"]):
        errors["form"] = [request_limits.EXCEEDED]
    if errors:
        return Result(data, errors)
    if holder is not None:
        queue_template_mail(holder.email, _("Ihre E-Mail-Adresse wurde für ein Servicekonto Business angegeben"),
                            "org_invitation_attempt.txt", account=holder, organisation_name=organisation.name)
        audit.record("organisation.member_added", succeeded=False, organisation_id=organisation.id,
                     email=data["email"], reason="address_taken")
        db.session.commit()
        return Result(data)
    account = Account(email=data["email"], email_normalized=normalized, kind=ACCOUNT_KIND, status="pending",
                      locale=locale)
    _set_person(account, data)
    db.session.add(account)
    db.session.flush()
    db.session.add(OrganisationMember(account_id=account.id, organisation_id=organisation.id, is_admin=admin))
    send_activation(account, organisation, link_for)
    audit.record("organisation.member_added", organisation_id=organisation.id, account_id=account.id,
                 email=account.email, admin=admin)
    db.session.commit()
    return Result(data, account=account)


def _holder(organisation: Organisation, email: str, errors: dict) -> Account | None:
    """The account holding a valid address. Someone of `organisation` is named as
    such in `errors`: its administrators see them in the list anyway."""
    holder = email_change.holder(account_policy.normalize_email(email))
    if holder is not None and member_of(organisation, holder.id) is not None:
        errors["email"] = [ALREADY_HERE]
    return holder


def send_activation(account: Account, organisation: Organisation, link_for: Callable[[str], str]) -> None:
    secret = links.issue_link(account, ACTIVATION_PURPOSE, ACTIVATION_VALIDITY)
    queue_template_mail(account.email, _("Ihr Zugang zum Servicekonto Business"), "org_user_activation.txt",
                        account=account, organisation_name=organisation.name, link=link_for(secret),
                        days=ACTIVATION_VALIDITY.days)


def activation_link(secret: str):
    return links.find_link(secret, ACTIVATION_PURPOSE)


def activate(link, form) -> Result:
    """The user chooses a password; the account is active from then on."""
    account = db.session.get(Account, link.account_id)
    password, repeat = form.get("password") or "", form.get("password_repeat") or ""
    errors = {}
    if problems := account_policy.check_password(password, account.email):
        errors["password"] = problems
    elif password != repeat:
        errors["password_repeat"] = [_("Die Passwörter stimmen nicht überein.")]
    if errors:
        return Result({}, errors)
    account.password_hash = hash_password(password)
    account.status, account.activated_at = "active", utcnow()
    account.set_attribute("email", account.email, Level.NIEDRIG, "self")
    links.consume(link)
    member = db.session.get(OrganisationMember, account.id)
    audit.record("account.activated", account_id=account.id, email=account.email,
                 organisation_id=member.organisation_id if member is not None else None)
    db.session.commit()
    return Result({}, account=account)


def current(member: OrganisationMember) -> dict:
    data = {name: member.account.value(name) for name in DATA_FIELDS}
    data["is_admin"] = member.is_admin
    return data


def update(member: OrganisationMember, form) -> Result:
    """Personal data and the administrator role; the last active administrator keeps it."""
    data, admin = _entered(form)
    errors = policy.validate_person({**data, "email": member.account.email}, admin)
    # The address is not part of this form; an old one that today's rules refuse stays.
    errors.pop("email", None)
    if member.is_admin and not admin and admins.is_last_admin(member):
        errors["is_admin"] = [admins.LAST_ADMIN_KEEPS_ROLE]
    if errors:
        return Result(data, errors)
    before = current(member)
    _set_person(member.account, data)
    if changed := [name for name in DATA_FIELDS if (data.get(name) or "") != before[name]]:
        audit.record("account.changed", account_id=member.account_id, organisation_id=member.organisation_id,
                     fields=changed)
    if member.is_admin != admin:
        audit.record("organisation.roles_changed", account_id=member.account_id,
                     organisation_id=member.organisation_id, what="grant" if admin else "revoke", which="admin")
    member.is_admin = admin
    db.session.commit()
    return Result(data, account=member.account)


def request_email_change(member: OrganisationMember, form, confirm_link: Callable[[str], str],
                         activation_link_for: Callable[[str], str],
                         source: str | None = None) -> email_change.ChangeRequest:
    """An active user confirms the new address as in "Mein Bereich" (link to the new
    address, login with the old one); a user who has not activated yet has no password
    to confirm with, so the activation link simply goes to the new address instead.
    Either way an address taken outside the organisation is answered like a free one
    (see the module's docstring): its owner is told, and nothing changes."""
    account = member.account
    result = email_change.check_request(account, form)
    if problems := policy.check_org_email(result.data["email"]):
        result.errors["email"] = problems
    elif result.errors.get("email") == [email_change.SAME_ADDRESS]:
        result.errors["email"] = [SAME_ADDRESS]
    holder = None if result.errors else _holder(member.organisation, result.data["email"], result.errors)
    if result.errors:
        return result
    if account.is_active:
        # Counts the request limit and answers a taken address like a free one itself.
        return email_change.request_change(account, form, confirm_link, requested_by=member.organisation.name,
                                           source=source)
    if not request_limits.take(request_limits.Action.EMAIL_CHANGE, source, result.data["email"]):
        result.errors["form"] = [request_limits.EXCEEDED]
        return result
    if holder is not None:
        email_change.tell_holder(holder)
    else:
        email_change.set_address(account, result.data["email"])
        send_activation(account, member.organisation, activation_link_for)
    db.session.commit()
    return result


def check_deletion(member: OrganisationMember, acting: Account, form) -> dict[str, list[str]]:
    errors = {}
    if admins.is_last_admin(member):
        errors["form"] = [admins.LAST_ADMIN_CANNOT_BE_DELETED]
    elif member.account_id == acting.id:
        errors["form"] = [NOT_YOURSELF]
    if form.get("confirm") != "ja":
        errors["confirm"] = [NOT_CONFIRMED]
    return errors


def delete(member: OrganisationMember) -> None:
    """The account goes the way of "Servicekonto löschen"; the user learns it by mail."""
    account = member.account
    email, display_name, locale = account.email, account.display_name, account.locale
    organisation_name = member.organisation.name
    account_id, organisation_id = account.id, member.organisation_id
    deletion.remove_account(account_id)
    audit.record("organisation.member_removed", organisation_id=organisation_id, account_id=account_id)
    # Queued after the removal, which clears the outbox for the address.
    queue_template_mail(email, _("Ihr Servicekonto wurde gelöscht"), "org_user_deleted.txt", locale=locale,
                        display_name=display_name, organisation_name=organisation_name)
    db.session.commit()
