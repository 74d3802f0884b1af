"""Upgrade to Servicekonto Plus at a registration office (Meldebehörde, SPEC §3).

The citizen enters birth date and address; a clerk with the role *Meldebehörde*
looks the case up, checks an ID document in person and confirms or refuses. Only a
confirmation raises the level of the data: they are then known at `substanziell`,
with the office as their source, and become locked fields. Persons under 16 get no
Servicekonto Plus (as with the ID card), and the clerk works only after a login at
`hoch`: whoever confirms identities must be identified as firmly as possible.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, or_, select

from .. import audit
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..mail import queue_template_mail
from ..timeutil import utcnow
from . import profile
from .models import Account, UpgradeRequest

ROLE = "meldebehoerde"
CLERK_LEVEL = Level.HOCH
TOO_YOUNG = _("Für ein Servicekonto Plus müssen Sie mindestens %(age)d Jahre alt sein.", age=profile.PLUS_MIN_AGE)
TOO_YOUNG_FOR_CLERK = _("Die Person ist jünger als %(age)d Jahre. Ein Servicekonto Plus ist erst ab %(age)d Jahren "
                        "möglich; bitte lehnen Sie den Antrag ab.", age=profile.PLUS_MIN_AGE)
SOURCE = "meldebehoerde"
UPGRADE_FIELDS = ("birth_date",) + profile.ADDRESS_FIELDS
CONFIRMED_FIELDS = ("given_name", "family_name") + UPGRADE_FIELDS
# Case numbers are read out at a counter: no letters that look alike.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
OPEN_FOR = timedelta(days=90)
KEEP_DECIDED = timedelta(days=30)


class UpgradeError(Exception):
    """A decision that cannot be taken; the message is safe to show, `field` names
    the form field it concerns."""

    def __init__(self, message: str, field: str = "form"):
        super().__init__(message)
        self.field = field


@dataclass
class RequestResult:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    request: UpgradeRequest | None = None


def is_clerk(account: Account | None) -> bool:
    return account is not None and account.role == ROLE


def clerk_level_met(level: Level) -> bool:
    return level >= CLERK_LEVEL


def open_request(account: Account) -> UpgradeRequest | None:
    return db.session.scalar(select(UpgradeRequest).where(
        UpgradeRequest.account_id == account.id, UpgradeRequest.status == "open",
        UpgradeRequest.created_at > utcnow() - OPEN_FOR))


def _case_number() -> str:
    return "MB-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def request_upgrade(account: Account, form: dict[str, str]) -> RequestResult:
    """Record birth date and address (they are the account's own entries until the
    office confirms them) and open a case."""
    data = {**profile.current(account), **{n: (form.get(n) or "").strip() for n in UPGRADE_FIELDS}}
    errors = {k: v for k, v in profile.validate(data).items() if k in UPGRADE_FIELDS}
    for name in UPGRADE_FIELDS:
        if not data[name] and name not in errors:
            errors[name] = [_("Bitte geben Sie „%(label)s“ an.", label=profile.LABELS[name])]
    if "birth_date" not in errors and not profile.old_enough_for_plus(data["birth_date"]):
        errors["birth_date"] = [TOO_YOUNG]
    shown = {n: data[n] for n in UPGRADE_FIELDS}
    if profile.is_plus(account):
        errors["form"] = [_("Ihr Servicekonto ist bereits ein Servicekonto Plus.")]
    if errors:
        return RequestResult(shown, errors)
    for name in UPGRADE_FIELDS:
        account.set_attribute(name, data[name], Level.NIEDRIG, "self")
    previous = open_request(account)
    if previous is not None:
        previous.status, previous.decided_at = "withdrawn", utcnow()
    snapshot = {n: data[n] for n in ("salutation", "title") + CONFIRMED_FIELDS}
    request = UpgradeRequest(id=_case_number(), account_id=account.id, data=snapshot)
    db.session.add(request)
    db.session.commit()
    return RequestResult(shown, {}, request)


def withdraw(account: Account) -> None:
    request = open_request(account)
    if request is not None:
        request.status, request.decided_at = "withdrawn", utcnow()
        db.session.commit()


# -- the clerk's side --------------------------------------------------------------------------
def find_open(case_number: str = "", family_name: str = "", birth_date: str = "") -> list[UpgradeRequest]:
    """Open cases by case number, or by family name and birth date together (both
    are on the ID document the citizen brings)."""
    query = select(UpgradeRequest).where(UpgradeRequest.status == "open",
                                         UpgradeRequest.created_at > utcnow() - OPEN_FOR)
    case_number = case_number.strip().upper()
    if case_number:
        query = query.where(UpgradeRequest.id == case_number)
    elif family_name.strip() and birth_date.strip():
        candidates = db.session.scalars(query).all()
        wanted = family_name.strip().casefold()
        return [r for r in candidates
                if r.data.get("family_name", "").casefold() == wanted and r.data.get("birth_date") == birth_date.strip()]
    else:
        return []
    return list(db.session.scalars(query))


def clerk_actor(clerk: Account) -> str:
    return f"clerk:{clerk.id}"


def _decidable(case_number: str, clerk: Account) -> tuple[UpgradeRequest, Account]:
    request = db.session.get(UpgradeRequest, case_number)
    if request is None or request.status != "open":
        raise UpgradeError(_("Dieser Vorgang ist nicht mehr offen."))
    if request.account_id == clerk.id:
        raise UpgradeError(_("Sie können über Ihren eigenen Antrag nicht selbst entscheiden."))
    account = db.session.get(Account, request.account_id)
    return request, account


def confirm(case_number: str, clerk: Account, document_checked: bool) -> UpgradeRequest:
    if not document_checked:
        raise UpgradeError(_("Bitte bestätigen Sie, dass Sie ein amtliches Ausweisdokument geprüft haben."),
                           "document_checked")
    request, account = _decidable(case_number, clerk)
    # Checked again on the day of the decision, with the birth date the clerk compared.
    if not profile.old_enough_for_plus(request.data.get("birth_date") or ""):
        raise UpgradeError(TOO_YOUNG_FOR_CLERK)
    # What the clerk compared with the document is what becomes verified, even if the
    # citizen edited the profile since.
    for name in CONFIRMED_FIELDS:
        account.set_attribute(name, request.data.get(name), Level.SUBSTANZIELL, SOURCE)
    request.status, request.decided_at, request.decided_by = "confirmed", utcnow(), clerk.id
    audit.record("account.upgraded", account_id=account.id, actor=clerk_actor(clerk), method=SOURCE,
                 level=Level.SUBSTANZIELL.word)
    queue_template_mail(account.email, _("Ihr Servicekonto ist jetzt ein Servicekonto Plus"), "upgrade_confirmed.txt",
                        account=account)
    db.session.commit()
    return request


def refuse(case_number: str, clerk: Account, reason: str) -> UpgradeRequest:
    reason = (reason or "").strip()
    if not reason:
        raise UpgradeError(_("Bitte geben Sie einen Grund für die Ablehnung an."), "reason")
    if "<" in reason or ">" in reason or len(reason) > 500:
        raise UpgradeError(_("Der Grund darf höchstens 500 Zeichen lang sein und die Zeichen < und > nicht "
                             "enthalten."), "reason")
    request, account = _decidable(case_number, clerk)
    request.status, request.decided_at, request.decided_by, request.reason = "refused", utcnow(), clerk.id, reason
    # The reason is the clerk's free text about a person: it stays in the case only.
    audit.record("account.upgraded", succeeded=False, account_id=account.id, actor=clerk_actor(clerk),
                 method=SOURCE, reason="refused")
    queue_template_mail(account.email, _("Ihr Antrag auf ein Servicekonto Plus wurde abgelehnt"), "upgrade_refused.txt",
                        account=account, reason=reason)
    db.session.commit()
    return request


def purge() -> int:
    """Cases hold personal data: decided ones go after KEEP_DECIDED, open ones when
    they lapse."""
    now = utcnow()
    return db.session.execute(delete(UpgradeRequest).where(or_(
        (UpgradeRequest.status != "open") & (UpgradeRequest.decided_at < now - KEEP_DECIDED),
        UpgradeRequest.created_at < now - OPEN_FOR,
    ))).rowcount
