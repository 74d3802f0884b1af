"""Forgotten and changed passwords (SPEC §3).

"Passwort vergessen?" answers the same for every address; only the owner of a
mailbox with an account learns more. A reset link is single-use and valid 1 h; a
new password ends every other session of the account, here and at the online
services.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from .. import audit
from ..authn import request_limits, throttle
from ..authn.logout import end_other_sessions
from ..authn.password import check_current_password
from ..extensions import db
from ..i18n import _
from ..mail import queue_template_mail
from . import links, passwords, policy
from .models import Account, EmailLink

PURPOSE = "password_reset"
VALIDITY = timedelta(hours=1)


@dataclass
class PasswordResult:
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def request_reset(email: str, link_for: Callable[[str], str], source: str | None = None) -> list[str]:
    """Send a reset link if the address belongs to an active account. Returns only
    input errors and the request limit (counted for every address alike), never
    whether the address is known."""
    if problems := policy.check_email(email):
        return problems
    if not request_limits.take(request_limits.Action.PASSWORD_RESET, source, email):
        return [request_limits.EXCEEDED]
    account = db.session.scalar(
        select(Account).where(Account.email_normalized == policy.normalize_email(email), Account.status == "active")
    )
    if account is not None:
        secret = links.issue_link(account, PURPOSE, VALIDITY)
        queue_template_mail(account.email, _("Passwort zurücksetzen"), "password_reset.txt", account=account,
                            link=link_for(secret), minutes=int(VALIDITY.total_seconds() // 60))
        db.session.commit()
    return []


def _check_new(password: str, repeat: str, email: str) -> dict[str, list[str]]:
    if problems := policy.check_password(password, email):
        return {"password": problems}
    if password != repeat:
        return {"password_repeat": [_("Die Passwörter stimmen nicht überein.")]}
    return {}


def _set_password(account: Account, password: str, keep_session_id: str | None) -> None:
    account.password_hash = passwords.hash_password(password)
    queue_template_mail(account.email, _("Ihr Passwort wurde geändert"), "password_changed.txt", account=account)
    db.session.commit()
    end_other_sessions(account.id, keep_session_id)


def reset(link: EmailLink, form: dict[str, str], keep_session_id: str | None = None) -> PasswordResult:
    account = db.session.get(Account, link.account_id)
    errors = _check_new(form.get("password") or "", form.get("password_repeat") or "", account.email)
    if errors:
        return PasswordResult(errors)
    links.consume(link)
    audit.record("account.password_reset", account_id=account.id)
    _set_password(account, form["password"], keep_session_id)
    # Whoever could read the reset mail may log in again at once.
    throttle.clear(account.email)
    db.session.commit()
    return PasswordResult()


def change(account: Account, form: dict[str, str], session_id: str, address: str, *,
           devices_seen: list[str]) -> PasswordResult:
    """Change the password of a logged-in user; the current one must be given."""
    if problem := check_current_password(account, form.get("current_password") or "", address,
                                         devices_seen=devices_seen):
        return PasswordResult({"current_password": [problem]})
    errors = _check_new(form.get("password") or "", form.get("password_repeat") or "", account.email)
    if errors:
        return PasswordResult(errors)
    audit.record("account.password_changed", account_id=account.id)
    _set_password(account, form["password"], session_id)
    return PasswordResult()
