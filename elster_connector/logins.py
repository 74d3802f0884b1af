"""Trips to ELSTER in flight: bound to the browser that started them, answered once,
and the replay cache of assertion IDs."""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete

from federation import replay
from idp.extensions import db
from idp.loa import Level
from idp.organisations.elster_links import Certificate
from idp.secrets import digest, new_secret
from idp.timeutil import utcnow

from .models import ElsterLogin, ElsterUsedAssertion

VALIDITY = timedelta(minutes=30)
PURPOSES = ("login", "link", "register")


def begin(purpose: str, *, account_id: str | None = None, record_id: str | None = None,
          next_url: str | None = None) -> tuple[ElsterLogin, str]:
    """A new trip (not yet committed) and the secret the browser keeps for it."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    browser_secret = new_secret()
    login = ElsterLogin(id=new_secret(24), browser_digest=digest(browser_secret), purpose=purpose,
                        account_id=account_id, record_id=record_id, next_url=next_url)
    db.session.add(login)
    return login, browser_secret


def awaiting(login_id: str | None) -> ElsterLogin | None:
    """The trip an answer at the ACS names (RelayState), if it still waits for one."""
    login = db.session.get(ElsterLogin, login_id or "")
    if login is None or not login.request_id or login.result or login.created_at < utcnow() - VALIDITY:
        return None
    return login


def find(login_id: str | None, browser_secret: str | None) -> ElsterLogin | None:
    """The trip, only for the browser that started it and only while fresh."""
    if not login_id or not browser_secret:
        return None
    login = db.session.get(ElsterLogin, login_id)
    if login is None or not hmac.compare_digest(login.browser_digest, digest(browser_secret)):
        return None
    return login if login.created_at >= utcnow() - VALIDITY else None


def arrived(login: ElsterLogin, certificate: Certificate) -> None:
    login.result = {"pseudonym": certificate.pseudonym, "level": int(certificate.level),
                    "organisation_key": certificate.organisation_key, "organisation": certificate.organisation,
                    "person": certificate.person}
    login.request_id = None
    db.session.commit()


def certificate_of(login: ElsterLogin) -> Certificate | None:
    data = login.result
    if not data:
        return None
    return Certificate(pseudonym=data["pseudonym"], level=Level(data["level"]),
                       organisation_key=data["organisation_key"], organisation=dict(data["organisation"]),
                       person=dict(data["person"]))


def finish(login: ElsterLogin) -> None:
    db.session.delete(login)
    db.session.commit()


def first_use(assertion_id: str, not_on_or_after: datetime) -> bool:
    return replay.remember(ElsterUsedAssertion(digest=digest(assertion_id),
                                               expires_at=not_on_or_after.replace(tzinfo=None)))


def purge() -> dict[str, int]:
    now = utcnow()
    logins = db.session.execute(delete(ElsterLogin).where(ElsterLogin.created_at < now - VALIDITY)).rowcount
    used = db.session.execute(delete(ElsterUsedAssertion).where(ElsterUsedAssertion.expires_at < now)).rowcount
    db.session.commit()
    return {"ELSTER logins": logins or 0, "used ELSTER assertion IDs": used or 0}
