"""Delegation (Vertretung, seed 001): a deputy acts for a colleague.

A user names a colleague of the same organisation as deputy, or an administrator does
it for any user, for a period or open-ended; "postfach" lets the deputy into the
principal's mailboxes only, "vollstaendig" everything the principal may do. The deputy
switches into "Vertretung wahrnehmen" by marking their own login session, and back;
everything done as deputy is recorded for the principal to see. A delegation is used
only while it holds today, and while both people are still active members of the one
organisation, so leaving, deletion or expiry end it without anyone having to act.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from .. import audit
from ..accounts.models import Account
from ..authn.sessions import LoginSession
from ..extensions import db
from ..i18n import _
from ..timeutil import utcnow
from .models import Delegation, DelegationEvent, OrganisationMember

SCOPES = {"postfach": _("Nur Postfächer"), "vollstaendig": _("Uneingeschränkt")}
# What a deputy did is recorded as a code (with the name of the Vorgang or service it
# concerns) and said in the reader's language only when the record is shown.
TAKEN_UP, GIVEN_UP, LOGGED_IN = "taken_up", "given_up", "logged_in"
CASE_READ, CASE_REPLIED, CASE_TRASHED, CASE_RESTORED, CASE_DOWNLOADED = (
    "case_read", "case_replied", "case_trashed", "case_restored", "case_downloaded")
ACTION_LABELS = {
    TAKEN_UP: _("Vertretung übernommen"),
    GIVEN_UP: _("Vertretung beendet"),
    LOGGED_IN: _("Anmeldung beim Online-Dienst „%(subject)s“"),
    CASE_READ: _("Vorgang „%(subject)s“ gelesen"),
    CASE_REPLIED: _("Antwort im Vorgang „%(subject)s“ gesendet"),
    CASE_TRASHED: _("Vorgang „%(subject)s“ in den Papierkorb verschoben"),
    CASE_RESTORED: _("Vorgang „%(subject)s“ wiederhergestellt"),
    CASE_DOWNLOADED: _("Vorgang „%(subject)s“ heruntergeladen"),
}
# What state() says, as the pages show it.
STATE_LABELS = {"künftig": _("künftig"), "aktiv": _("aktiv"), "abgelaufen": _("abgelaufen"), "beendet": _("beendet")}
DATE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
# Delegations run by the calendar days of the people who set them up.
LOCAL_TIME = ZoneInfo("Europe/Berlin")


def today() -> date:
    return utcnow().replace(tzinfo=timezone.utc).astimezone(LOCAL_TIME).date()


def state(delegation: Delegation, on: date | None = None) -> str:
    """künftig / aktiv / abgelaufen / beendet, as the pages show it."""
    on = on or today()
    if delegation.ended_at is not None:
        return "beendet"
    if delegation.starts_on > on:
        return "künftig"
    if delegation.ends_on is not None and delegation.ends_on < on:
        return "abgelaufen"
    return "aktiv"


def _colleague(account_id: str | None, organisation_id: str) -> OrganisationMember | None:
    """An active member of the organisation, or None."""
    member = db.session.get(OrganisationMember, account_id) if account_id else None
    if member is None or member.organisation_id != organisation_id or not member.account.is_active:
        return None
    return member


def usable(delegation: Delegation) -> bool:
    """Whether the deputy may act under it now."""
    return (state(delegation) == "aktiv" and delegation.principal_id != delegation.deputy_id
            and _colleague(delegation.principal_id, delegation.organisation_id) is not None
            and _colleague(delegation.deputy_id, delegation.organisation_id) is not None)


def acting_for(login_session: LoginSession | None) -> Delegation | None:
    """The delegation the session currently acts under ("Vertretung wahrnehmen"), if it
    is still valid today; None when the user acts as themselves."""
    if login_session is None or login_session.delegation_id is None:
        return None
    delegation = db.session.get(Delegation, login_session.delegation_id)
    if delegation is None or delegation.deputy_id != login_session.account_id or not usable(delegation):
        return None
    return delegation


def record(delegation: Delegation, action: str, subject: str | None = None) -> None:
    """Note something the deputy did as deputy: an ACTION_LABELS code and what it
    concerns (the caller commits)."""
    db.session.add(DelegationEvent(delegation_id=delegation.id, at=utcnow(), action=action, subject=subject))


def record_if_acting(login_session: LoginSession | None, action: str,
                     subject: str | None = None) -> Delegation | None:
    """For pages: record `action` when the session acts as deputy (the caller commits)."""
    delegation = acting_for(login_session)
    if delegation is not None:
        record(delegation, action, subject)
    return delegation


# -- setting up and ending ----------------------------------------------------------------
@dataclass
class Draft:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    delegation: Delegation | None = None


def parse_date(value: str) -> date | None:
    if not DATE_RE.match(value):
        return None
    day, month, year = (int(part) for part in value.split("."))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def colleagues(organisation_id: str) -> list[Account]:
    """Active members of the organisation, by name: who may be principal or deputy."""
    accounts = db.session.scalars(
        select(Account).join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(OrganisationMember.organisation_id == organisation_id, Account.status == "active"))
    return sorted(accounts, key=lambda a: (a.value("family_name").lower(), a.value("given_name").lower(), a.email))


def _check_dates(data: dict[str, str], errors: dict[str, list[str]]) -> tuple[date | None, date | None]:
    starts_on = ends_on = None
    if not data["starts_on"]:
        errors["starts_on"] = [_("Bitte geben Sie den Beginn der Vertretung an.")]
    elif (starts_on := parse_date(data["starts_on"])) is None:
        errors["starts_on"] = [_("Bitte geben Sie den Beginn im Format TT.MM.JJJJ an, z. B. 01.03.2027.")]
    elif starts_on < today():
        errors["starts_on"] = [_("Der Beginn darf nicht in der Vergangenheit liegen.")]
    if data["ends_on"]:
        if (ends_on := parse_date(data["ends_on"])) is None:
            errors["ends_on"] = [_("Bitte geben Sie das Ende im Format TT.MM.JJJJ an, z. B. 31.03.2027, "
                                   "oder lassen Sie das Feld für eine unbefristete Vertretung leer.")]
        elif starts_on is not None and ends_on < starts_on:
            errors["ends_on"] = [_("Das Ende darf nicht vor dem Beginn liegen.")]
    return starts_on, ends_on


def create(actor: OrganisationMember, form) -> Draft:
    """Set up a delegation. Users name deputies for themselves; administrators may also
    name them for any user of their organisation (field `principal`)."""
    data = {name: (form.get(name) or "").strip() for name in ("principal", "deputy", "starts_on", "ends_on", "scope")}
    if not actor.is_admin or not data["principal"]:
        data["principal"] = actor.account_id
    errors: dict[str, list[str]] = {}
    principal = _colleague(data["principal"], actor.organisation_id)
    if principal is None:
        errors["principal"] = [_("Bitte wählen Sie eine Person aus Ihrer Organisation aus.")]
    if not data["deputy"]:
        errors["deputy"] = [_("Bitte wählen Sie eine Vertreterin oder einen Vertreter aus.")]
    elif data["deputy"] == data["principal"]:
        errors["deputy"] = ([_("Sie können sich nicht selbst vertreten. Bitte wählen Sie eine Kollegin "
                               "oder einen Kollegen aus.")]
                            if data["deputy"] == actor.account_id else
                            [_("Die Vertretung muss eine andere Person sein als die vertretene Person.")])
    elif _colleague(data["deputy"], actor.organisation_id) is None:
        errors["deputy"] = [_("Bitte wählen Sie eine Kollegin oder einen Kollegen aus Ihrer Organisation aus.")]
    starts_on, ends_on = _check_dates(data, errors)
    if data["scope"] not in SCOPES:
        errors["scope"] = [_("Bitte wählen Sie den Umfang der Vertretung aus.")]
    if errors:
        return Draft(data, errors)
    delegation = Delegation(organisation_id=actor.organisation_id, principal_id=data["principal"],
                            deputy_id=data["deputy"], starts_on=starts_on, ends_on=ends_on, scope=data["scope"])
    db.session.add(delegation)
    db.session.flush()
    _audit(delegation, "set", actor)
    db.session.commit()
    return Draft(data, delegation=delegation)


def _audit(delegation: Delegation, what: str, actor: OrganisationMember | None) -> None:
    """On the principal's account; who set it up or ended it, when not the principal."""
    by_other = actor is not None and actor.account_id != delegation.principal_id
    audit.record("organisation.delegation", organisation_id=delegation.organisation_id,
                 account_id=delegation.principal_id, actor=f"admin:{actor.account_id}" if by_other else None,
                 what=what, delegation=delegation.id, scope=delegation.scope)


def find(actor: OrganisationMember, delegation_id: int, as_deputy: bool = False) -> Delegation | None:
    """A delegation the actor may see: as deputy, or as principal or administrator of its
    organisation; None for everything else (the pages answer 404)."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.organisation_id != actor.organisation_id:
        return None
    if as_deputy:
        return delegation if delegation.deputy_id == actor.account_id else None
    if delegation.principal_id == actor.account_id or actor.is_admin:
        return delegation
    return None


def end(delegation: Delegation, actor: OrganisationMember | None = None) -> str | None:
    """"Vertretung beenden" before its end date (by `actor`); sessions acting under it
    stop acting. Returns a message when there is nothing left to end."""
    current = state(delegation)
    if current == "beendet":
        return _("Diese Vertretung ist bereits beendet.")
    if current == "abgelaufen":
        return _("Diese Vertretung ist bereits abgelaufen.")
    delegation.ended_at = utcnow()
    db.session.execute(update(LoginSession).where(LoginSession.delegation_id == delegation.id)
                       .values(delegation_id=None))
    _audit(delegation, "ended", actor)
    db.session.commit()
    return None


def given(principal_id: str) -> list[Delegation]:
    return _delegations(Delegation.principal_id == principal_id)


def received(deputy_id: str) -> list[Delegation]:
    return _delegations(Delegation.deputy_id == deputy_id)


def in_organisation(organisation_id: str) -> list[Delegation]:
    return _delegations(Delegation.organisation_id == organisation_id)


def _delegations(condition) -> list[Delegation]:
    return list(db.session.scalars(select(Delegation).where(condition)
                                   .order_by(Delegation.starts_on.desc(), Delegation.id.desc())))


# -- acting as deputy ---------------------------------------------------------------------
def start_acting(login_session: LoginSession, delegation: Delegation) -> str | None:
    """"Vertretung wahrnehmen". Returns why not, or None when the session now acts as
    deputy (committed)."""
    if delegation.deputy_id != login_session.account_id:
        return _("Diese Vertretung ist nicht für Sie eingerichtet.")
    current = state(delegation)
    if current == "künftig":
        return _("Diese Vertretung beginnt erst am %(date)s.", date=delegation.starts_on.strftime("%d.%m.%Y"))
    if current == "abgelaufen":
        return _("Diese Vertretung ist abgelaufen.")
    if current == "beendet":
        return _("Diese Vertretung wurde beendet.")
    if not usable(delegation):
        return _("Diese Vertretung kann nicht mehr wahrgenommen werden.")
    if login_session.delegation_id not in (None, delegation.id):
        stop_acting(login_session)
    if login_session.delegation_id != delegation.id:
        login_session.delegation_id = delegation.id
        record(delegation, TAKEN_UP)
    db.session.commit()
    return None


def stop_acting(login_session: LoginSession) -> None:
    """Back to the own account (committed)."""
    delegation = (db.session.get(Delegation, login_session.delegation_id)
                  if login_session.delegation_id is not None else None)
    if delegation is not None:
        record(delegation, GIVEN_UP)
    login_session.delegation_id = None
    db.session.commit()


# -- the record ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    at: datetime
    action: str
    subject: str | None
    delegation: Delegation

    @property
    def text(self) -> str:
        """What the deputy did, in the language of the page that shows it."""
        label = ACTION_LABELS.get(self.action)
        return self.action if label is None else str(label) % {"subject": self.subject or ""}


def events_for(principal: Account) -> list[Entry]:
    """What deputies did for `principal`, newest first."""
    return _events(Delegation.principal_id == principal.id)


def events_in(organisation_id: str) -> list[Entry]:
    """What deputies did in the organisation (for its administrators), newest first."""
    return _events(Delegation.organisation_id == organisation_id)


def _events(condition) -> list[Entry]:
    rows = db.session.execute(
        select(DelegationEvent, Delegation).join(Delegation, Delegation.id == DelegationEvent.delegation_id)
        .where(condition).order_by(DelegationEvent.at.desc(), DelegationEvent.id.desc())).all()
    return [Entry(event.at, event.action, event.subject, delegation) for event, delegation in rows]


def name_of(account_id: str) -> str:
    account = db.session.get(Account, account_id)
    return (account.display_name or account.email) if account is not None else _("gelöschtes Konto")
