"""E-mail and password: the first login back end."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..accounts import passwords
from ..accounts.models import Account
from ..accounts.policy import normalize_email
from ..extensions import db
from ..i18n import _
from ..loa import Level
from . import devices, throttle
from .identity import AuthenticationFailed, Identity, LoginBackend

WRONG_CREDENTIALS = _("E-Mail-Adresse oder Passwort ist nicht korrekt.")


class LoginThrottled(AuthenticationFailed):
    """Too many failures: nothing was checked."""


class PasswordBackend(LoginBackend):
    name = "password"

    def authenticate(self, *, email: str, password: str, address: str = "",
                     devices_seen: list[str] | None = None) -> Identity:
        """Check e-mail and password. The attempt counts against the client `address`
        and against the account, or, from a browser that logged in to the account
        before (`devices_seen`: its known-device tokens), against that device; while
        one of them waits, nothing is checked.

        The attempt is counted and committed before the check. A right password gives
        it back in the caller's transaction: the caller commits that, with the login
        it starts (`core.log_in`) or at once (`check_current_password`)."""
        device = devices.find(devices_seen or [], email)
        own = throttle.device_counter(device.token_hash) if device else throttle.account_counter(email)
        attempt = throttle.attempt((own, throttle.address_counter(address)))
        if attempt.refused_until is not None:
            audit.record("login.failed", succeeded=False, email=email, method=self.name, reason="throttled")
            db.session.commit()
            raise LoginThrottled(throttle.refusal(attempt.refused_until))
        try:
            identity = self._verify(email, password)
        except AuthenticationFailed:
            audit.record("login.failed", succeeded=False, email=email, method=self.name, reason="credentials")
            db.session.commit()
            raise
        throttle.succeeded(attempt.counters)
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
        return Identity(method=self.name, amr=("pwd",), ceiling=Level.SUBSTANZIELL, account_id=account.id,
                        account=account)


WRONG_CURRENT_PASSWORD = _("Das Passwort ist nicht korrekt.")


def check_current_password(account: Account, password: str, address: str, *,
                           devices_seen: list[str]) -> str | None:
    """Asking a logged-in user for the password again (password change, deletion).
    The answer is a password attempt like a login's, with the same back-off: a session
    left open does not become a way to guess the password, and from the owner's known
    device (`devices_seen`, as for a login) strangers' failures do not hold her up.
    Returns the message to show."""
    try:
        PasswordBackend().authenticate(email=account.email, password=password, address=address,
                                       devices_seen=devices_seen)
    except LoginThrottled as exc:
        return str(exc)
    except AuthenticationFailed:
        return WRONG_CURRENT_PASSWORD
    # The attempt given back at once: a form refused for another reason (a weak new
    # password) must not leave it counted.
    db.session.commit()
    return None
