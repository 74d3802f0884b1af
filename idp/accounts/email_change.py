"""Changing the e-mail address, which is also the username (SPEC §3).

The new address is proven by a link sent to it; the change is confirmed by a login
with the old address and the password, so a link forwarded or intercepted alone
cannot take over an account. Until then the old address stays the username.

Whether an address belongs to another account is never said to the one who asks:
the answer and the pending change look the same, and the owner of a taken address
is told instead that someone tried to use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from .. import audit
from ..authn import request_limits
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..mail import queue_template_mail
from . import links, policy
from .models import Account

PURPOSE = "email_change"
VALIDITY = timedelta(hours=24)
SAME_ADDRESS = _("Das ist bereits Ihre E-Mail-Adresse.")
TAKEN = _("Diese E-Mail-Adresse kann nicht verwendet werden. Bitte wählen Sie eine andere "
         "E-Mail-Adresse.")


@dataclass
class ChangeRequest:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def address_in_use(normalized: str, except_account: str | None = None) -> bool:
    """Live accounts and registrations waiting for activation both hold their address."""
    found = holder(normalized)
    return found is not None and found.id != except_account


def holder(normalized: str) -> Account | None:
    """The account that holds the (normalised) address, live or waiting for activation."""
    return db.session.scalar(select(Account).where(Account.email_normalized == normalized))


def tell_holder(account: Account) -> None:
    """The owner of a taken address learns that someone tried to make it the address
    of another account; whoever tried is answered as for a free address."""
    queue_template_mail(account.email, _("Ihre E-Mail-Adresse wurde für ein anderes Servicekonto angegeben"),
                        "email_change_attempt.txt", account=account)


def pending_change(account: Account) -> str | None:
    """The address a change is waiting to be confirmed for, if any."""
    link = links.open_link(account, PURPOSE)
    return (link.payload or {}).get("email") if link is not None else None


def check_request(account: Account, form: dict[str, str]) -> ChangeRequest:
    """The new address as entered, with what speaks against its form (whether another
    account holds it is no error here: see `request_change`)."""
    data = {"email": (form.get("email") or "").strip(), "email_repeat": (form.get("email_repeat") or "").strip()}
    errors: dict[str, list[str]] = {}
    if problems := policy.check_email(data["email"]):
        errors["email"] = problems
    elif data["email_repeat"] != data["email"]:
        errors["email_repeat"] = [_("Die E-Mail-Adressen stimmen nicht überein.")]
    else:
        if policy.normalize_email(data["email"]) == account.email_normalized:
            errors["email"] = [SAME_ADDRESS]
    return ChangeRequest(data, errors)


def request_change(account: Account, form: dict[str, str], link_for: Callable[[str], str],
                   requested_by: str | None = None, source: str | None = None) -> ChangeRequest:
    """`requested_by` names the organisation whose administrator asks for the change
    of a user's address; the mails then say so. `source` is the client address the
    request limit counts."""
    result = check_request(account, form)
    if result.errors:
        return result
    if not request_limits.take(request_limits.Action.EMAIL_CHANGE, source, result.data["email"]):
        result.errors["form"] = [request_limits.EXCEEDED]
        return result
    data = result.data
    # Issued in either case, so the pending change shown afterwards is the same.
    secret = links.issue_link(account, PURPOSE, VALIDITY, payload={"email": data["email"]})
    hours = int(VALIDITY.total_seconds() // 3600)
    taken_by = holder(policy.normalize_email(data["email"]))
    if taken_by is None:
        queue_template_mail(data["email"], _("Bestätigen Sie Ihre neue E-Mail-Adresse"), "email_change_confirm.txt",
                            account=account, link=link_for(secret), hours=hours, requested_by=requested_by)
    else:
        # The link is never sent; `confirm` would refuse the taken address anyway.
        tell_holder(taken_by)
    queue_template_mail(account.email, _("Änderung Ihrer E-Mail-Adresse beantragt"), "email_change_notice.txt",
                        account=account, hours=hours, requested_by=requested_by, new_email=data["email"])
    db.session.commit()
    return result


def set_address(account: Account, new_email: str) -> None:
    """Make `new_email` the username. The audit event names the old address: the new
    one finds it anyway, through the account."""
    audit.record("account.email_changed", account_id=account.id, email=account.email)
    account.email, account.email_normalized = new_email, policy.normalize_email(new_email)
    account.set_attribute("email", new_email, Level.NIEDRIG, "self")


def confirm(link, account_id: str) -> str | None:
    """Make the new address the username of the account that has just logged in with
    the old one. Returns an error message when it cannot be done."""
    if link.account_id != account_id:
        return _("Bitte melden Sie sich mit dem Servicekonto an, für das die Änderung beantragt wurde.")
    account = db.session.get(Account, account_id)
    new_email = (link.payload or {})["email"]
    normalized = policy.normalize_email(new_email)
    if address_in_use(normalized, account.id):
        links.consume(link)
        audit.record("account.email_changed", succeeded=False, account_id=account.id, reason="address_taken")
        db.session.commit()
        return TAKEN
    old_email = account.email
    set_address(account, new_email)
    links.consume(link)
    queue_template_mail(new_email, _("Ihre E-Mail-Adresse wurde geändert"), "email_changed.txt",
                        account=account, old_email=old_email)
    db.session.commit()
    return None
