"""E-mail and password: the first login back end."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..accounts import passwords
from ..accounts.models import Account
from ..accounts.policy import normalize_email
from ..extensions import db
from ..loa import Level
from . import throttle
from .identity import AuthenticationFailed, Identity, LoginBackend

WRONG_CREDENTIALS = "E-Mail-Adresse oder Passwort ist nicht korrekt."


class LoginThrottled(AuthenticationFailed):
    """Too many failures: nothing was checked."""


class PasswordBackend(LoginBackend):
    name = "password"

    def authenticate(self, *, email: str, password: str, address: str = "") -> Identity:
        """Check e-mail and password; failures count against the account and the
        client `address`, and while either is throttled nothing is checked."""
        failures = throttle.recent_failures(email, address)
        if throttle.over_limit(failures):
            audit.record("login.failed", succeeded=False, email=email, method=self.name, reason="throttled")
            db.session.commit()
            raise LoginThrottled(throttle.THROTTLED)
        try:
            identity = self._verify(email, password)
        except AuthenticationFailed:
            audit.record("login.failed", succeeded=False, email=email, method=self.name, reason="credentials")
            throttle.record_failure(email, address)
            raise
        if failures[0]:
            # Committed with the login (or the change the password was asked for).
            throttle.clear(email)
        return identity

    def _verify(self, email: str, password: str) -> Identity:
        account = db.session.scalar(
            select(Account).where(Account.email_normalized == normalize_email(email))
        )
        stored = account.password_hash if account is not None and account.is_active else None
        # Always verify (against a dummy hash if need be): the answer's timing must
        # not tell whether the address has an account.
        if not passwords.verify_password(stored, password or "") or stored is None:
            raise AuthenticationFailed(WRONG_CREDENTIALS)
        if passwords.needs_rehash(stored):
            account.password_hash = passwords.hash_password(password)
        return Identity(method=self.name, amr=("pwd",), ceiling=Level.SUBSTANZIELL, account_id=account.id)


WRONG_CURRENT_PASSWORD = "Das Passwort ist nicht korrekt."


def check_current_password(account: Account, password: str, address: str) -> str | None:
    """Asking a logged-in user for the password again (password change, deletion).
    Wrong answers count towards the same throttle as logins, so a session left open
    does not become a way to guess the password. Returns the message to show."""
    try:
        PasswordBackend().authenticate(email=account.email, password=password, address=address)
    except LoginThrottled as exc:
        return str(exc)
    except AuthenticationFailed:
        return WRONG_CURRENT_PASSWORD
    return None
