"""Who sees which Vorgänge, and the folders Eingang, Gesendet and Papierkorb.

A viewer reads one Postfach at a time ("box"): the own one; for organisation users
also each function mailbox they are entitled to (in person or through a group), the
organisation's general mailbox for its administrators, and while acting as deputy
("Vertretung wahrnehmen") whatever of these the principal reads. A Vorgang outside
the viewer's boxes does not exist for them.

The folders list messages (newest first unless sorted otherwise); a Postfach may hold
ten thousand of them, so every list is filtered and paged in the database through the
indexed owner columns of the Vorgang, never loaded whole.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, func, or_, select

from ..accounts.models import Account
from ..authn.sessions import LoginSession
from ..extensions import db
from ..i18n import _
from ..organisations import delegation as delegations
from ..organisations import entitlements, mailboxes
from ..organisations.models import Delegation, FunctionMailbox, OrganisationMember
from .dates import day_end, day_start, parse_day
from .models import INCOMING, OUTGOING, Attachment, Case, Message

EINGANG, GESENDET, PAPIERKORB = "eingang", "gesendet", "papierkorb"
FOLDERS = {EINGANG: _("Eingang"), GESENDET: _("Gesendet"), PAPIERKORB: _("Papierkorb")}
SORTS = {"neueste": _("Datum (neueste zuerst)"), "aelteste": _("Datum (älteste zuerst)"),
         "dienst": _("Online-Dienst"), "betreff": _("Betreff")}
PAGE_SIZE = 20


# -- boxes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Box:
    """One Postfach the viewer may read. `key` names it in links:
    konto:<account id>, funktion:<mailbox id> or organisation:<organisation id>."""

    key: str
    label: str
    for_principal: bool = False  # read as deputy: what is done here is recorded

    def condition(self):
        return _condition(self.key)


def _condition(key: str):
    kind, _, ident = key.partition(":")
    if kind == "konto":
        return Case.account_id == ident
    if kind == "funktion":
        return Case.mailbox_id == ident
    return and_(Case.organisation_id == ident, Case.mailbox_id.is_(None))


def key_of(case: Case) -> str:
    if case.account_id:
        return f"konto:{case.account_id}"
    if case.mailbox_id:
        return f"funktion:{case.mailbox_id}"
    return f"organisation:{case.organisation_id}"


@dataclass(frozen=True)
class Viewer:
    account: Account
    boxes: list[Box]
    delegation: Delegation | None = None

    def box(self, key: str | None) -> Box | None:
        """The box with this key (the own Postfach without one); None for any other."""
        if not key:
            return self.boxes[0]
        return next((b for b in self.boxes if b.key == key), None)


def _boxes_of(account: Account, own_label, deputy_for: str | None = None) -> list[Box]:
    """The boxes `account` reads; `deputy_for` names the principal when a deputy sees them."""
    def labelled(label):
        return _("%(box)s (Vertretung für %(name)s)", box=label, name=deputy_for) if deputy_for else label
    boxes = [Box(f"konto:{account.id}", own_label)]
    boxes += [Box(f"funktion:{m.id}", labelled(_("Funktionspostfach „%(name)s“", name=m.name)))
              for m in mailboxes.mailboxes_for(account)]
    member = entitlements.membership(account.id)
    if member is not None and member.is_admin:
        boxes.append(Box(f"organisation:{member.organisation_id}", labelled(_("Postfach der Organisation"))))
    return boxes


def viewer(login_session: LoginSession) -> Viewer | None:
    account = db.session.get(Account, login_session.account_id)
    if account is None:
        return None
    boxes = _boxes_of(account, _("Mein Postfach"))
    delegation = delegations.acting_for(login_session)
    if delegation is not None:
        principal = db.session.get(Account, delegation.principal_id)
        name = principal.display_name or principal.email
        own = {b.key for b in boxes}
        boxes += [replace(b, for_principal=True)
                  for b in _boxes_of(principal, _("Postfach von %(name)s", name=name), name)
                  if b.key not in own]
    return Viewer(account, boxes, delegation)


def find_case(who: Viewer, case_id: str) -> tuple[Case, Box] | None:
    """The Vorgang with its box, if the viewer may see it."""
    case = db.session.get(Case, case_id)
    box = who.box(key_of(case)) if case is not None else None
    return (case, box) if box is not None else None


def find_attachment(who: Viewer, attachment_id: int) -> Attachment | None:
    """An attachment of a Vorgang the viewer may see."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or who.box(key_of(attachment.message.case)) is None:
        return None
    return attachment


# -- unread counts ---------------------------------------------------------------------------------
def _unread(condition) -> int:
    return db.session.scalar(select(func.count(Message.id)).join(Case, Case.id == Message.case_id)
                             .where(condition, Message.direction == INCOMING, Message.read_at.is_(None)))


def unread_in(box: Box) -> int:
    """For "Eingang (n)". (The Papierkorb holds no unread messages: a Vorgang with one
    cannot be moved there, and a new message brings it back.)"""
    return _unread(box.condition())


def unread_in_mailbox(mailbox: FunctionMailbox) -> int:
    """The organisations' seam `mailboxes.unread_count`."""
    return _unread(Case.mailbox_id == mailbox.id)


def unread_for(account_id: str) -> int:
    """For the envelope in the page header: everything unread the person reads as
    themselves, in one statement."""
    administered = select(OrganisationMember.organisation_id).where(OrganisationMember.account_id == account_id,
                                                                    OrganisationMember.is_admin.is_(True))
    return _unread(or_(Case.account_id == account_id, Case.mailbox_id.in_(mailboxes.readable_ids(account_id)),
                       and_(Case.mailbox_id.is_(None), Case.organisation_id.in_(administered))))


# -- filter, sort, page ----------------------------------------------------------------------------
@dataclass
class Filters:
    """The filter form as entered (`data`), what it means, and refused fields."""

    data: dict[str, str]
    unread_only: bool = False
    client_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "neueste"
    page: int = 1
    errors: dict[str, list[str]] = field(default_factory=dict)

    def query(self, **changes) -> dict[str, str]:
        """The filter as URL parameters, e.g. for the next page."""
        return {k: v for k, v in {**self.data, **changes}.items() if v}


FILTER_FIELDS = ("ungelesen", "dienst", "von", "bis", "sortierung", "seite")


def filters(args) -> Filters:
    data = {name: (args.get(name) or "").strip() for name in FILTER_FIELDS}
    chosen = Filters(data, unread_only=data["ungelesen"] == "ja", client_id=data["dienst"],
                     sort=data["sortierung"] if data["sortierung"] in SORTS else "neueste")
    data["sortierung"] = chosen.sort
    chosen.page = int(data["seite"]) if data["seite"].isdigit() and 0 < int(data["seite"]) < 100_000 else 1
    for name, attribute in (("von", "date_from"), ("bis", "date_to")):
        if data[name]:
            day = parse_day(data[name])
            if day is None:
                chosen.errors[name] = [_("Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ an, "
                                         "z. B. 01.03.2027.")]
            setattr(chosen, attribute, day)
    if chosen.date_from and chosen.date_to and chosen.date_to < chosen.date_from:
        chosen.errors["bis"] = [_("Das Ende des Zeitraums darf nicht vor dem Beginn liegen.")]
        chosen.date_to = None
    return chosen


@dataclass(frozen=True)
class Row:
    message: Message
    case: Case

    @property
    def reply_possible(self) -> bool:
        return self.message.direction == INCOMING and self.message.reply_allowed and self.case.trashed_at is None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    number: int
    has_next: bool


_ORDER = {
    "neueste": (Message.delivered_at.desc(), Message.id.desc()),
    "aelteste": (Message.delivered_at.asc(), Message.id.asc()),
    "dienst": (Case.client_name.asc(), Message.delivered_at.desc(), Message.id.desc()),
    "betreff": (Message.subject.asc(), Message.delivered_at.desc(), Message.id.desc()),
}


def listing(box: Box, folder: str, chosen: Filters) -> Page:
    """One page of the folder: Eingang holds the services' messages, Gesendet the
    replies, both outside the Papierkorb; the Papierkorb holds every message of the
    Vorgänge in it."""
    query = select(Message, Case).join(Case, Case.id == Message.case_id).where(box.condition())
    if folder == PAPIERKORB:
        query = query.where(Case.trashed_at.is_not(None))
    else:
        query = query.where(Case.trashed_at.is_(None), Message.direction == (INCOMING if folder == EINGANG else OUTGOING))
    if chosen.unread_only:
        query = query.where(Message.direction == INCOMING, Message.read_at.is_(None))
    if chosen.client_id:
        query = query.where(Case.client_id == chosen.client_id)
    if chosen.date_from:
        query = query.where(Message.delivered_at >= day_start(chosen.date_from))
    if chosen.date_to:
        query = query.where(Message.delivered_at < day_end(chosen.date_to))
    # One row more than shown tells whether there is a next page without counting them all.
    found = db.session.execute(query.order_by(*_ORDER[chosen.sort])
                               .offset((chosen.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return Page([Row(message, case) for message, case in found[:PAGE_SIZE]], chosen.page, len(found) > PAGE_SIZE)


def services_in(box: Box) -> list[tuple[str, str]]:
    """The services that wrote to the box, for the filter: (client id, name)."""
    return list(db.session.execute(select(Case.client_id, Case.client_name).where(box.condition())
                                   .distinct().order_by(Case.client_name, Case.client_id)).tuples())
