""""Servicekonto löschen" (SPEC §3): the account and everything attached to it go at
once, and online services with a live session of the account are told first."""
from __future__ import annotations

from sqlalchemy import delete

from .. import audit
from ..authn import throttle
from ..authn.logout import end_other_sessions
from ..authn.password import check_current_password
from ..extensions import db
from ..i18n import _
from ..mail import OutboxMail
from ..organisations import admins, elster_links
from .models import Account

NOT_CONFIRMED = _("Bitte bestätigen Sie, dass Sie Ihr Servicekonto endgültig löschen möchten.")


def check_confirmation(account: Account, form: dict[str, str], address: str, *,
                       devices_seen: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if form.get("confirm") != "ja":
        errors["confirm"] = [NOT_CONFIRMED]
    if account.password_hash and (problem := check_current_password(
            account, form.get("password") or "", address, devices_seen=devices_seen)):
        errors["password"] = [problem]
    if not admins.may_leave(account):
        errors["form"] = [admins.LAST_ADMIN_CANNOT_LEAVE]
    return errors


def delete_account(account_id: str) -> None:
    remove_account(account_id)
    db.session.commit()


def remove_account(account_id: str) -> None:
    """`delete_account` without the final commit, for callers that queue a mail to the
    address or delete more in the same transaction (organisations). Ending the
    sessions commits on its own: the online services are told at once."""
    account = db.session.get(Account, account_id)
    if account is None:
        return
    # The logout tokens name the session's pairwise subject: send them while the
    # account still exists.
    end_other_sessions(account_id)
    email = account.email
    throttle.clear(email)
    # Mails to the address would otherwise outlive the account in the outbox.
    db.session.execute(delete(OutboxMail).where(OutboxMail.recipient == email))
    # The last certificate of an organisation unlocks its data, whoever takes it along.
    elster_links.forget(account_id)
    # Sessions, tokens, consents, links and the release history hang on the account
    # with ON DELETE CASCADE.
    db.session.delete(account)
    # The account id only: the event outlives every personal datum of the account.
    audit.record("account.deleted", account_id=account_id)
    db.session.flush()
