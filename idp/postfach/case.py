"""What a reader does with one Vorgang (SPEC §4, seed 000): open it, which marks its
messages read; answer where the service allows it; move the whole Vorgang to the
Papierkorb — never while a message in it is unread — and restore it from there,
which also keeps it from the trash purge for good.

A reply is an OUTGOING message in the same Vorgang; the service fetches it through
the message API. What a deputy does in the principal's Postfach is recorded for the
principal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..extensions import db
from ..i18n import _, ngettext
from ..organisations import delegation as delegations
from ..timeutil import utcnow
from .folders import Box, Viewer
from .models import INCOMING, OUTGOING, Case, Message

SUBJECT_MAX = 255
TEXT_MAX = 10_000
REPLY_PREFIX = "AW: "


def _note(who: Viewer, box: Box, action: str, case: Case) -> None:
    """Record for the principal what the deputy did in their Postfach (the caller commits)."""
    if box.for_principal and who.delegation is not None:
        delegations.record(who.delegation, action, case.title)


def open_case(who: Viewer, box: Box, case: Case) -> set[str]:
    """Mark the Vorgang's messages read (committed); returns the ids of those that were
    unread until now, so the page can still point them out."""
    now = utcnow()
    fresh = [m for m in case.messages if m.unread]
    for message in fresh:
        message.read_at = now
    if fresh:
        _note(who, box, delegations.CASE_READ, case)
        db.session.commit()
    return {m.id for m in fresh}


def answerable(case: Case) -> Message | None:
    """The message the menu bar's "Antworten" answers: the newest one of the service,
    if it allows a reply."""
    incoming = [m for m in case.messages if m.direction == INCOMING]
    return incoming[-1] if incoming and reply_refusal(case, incoming[-1]) is None else None


def message_in(case: Case, message_id: str) -> Message | None:
    return next((m for m in case.messages if m.id == message_id and m.direction == INCOMING), None)


def reply_refusal(case: Case, message: Message) -> str | None:
    if case.trashed_at is not None:
        return _("Der Vorgang liegt im Papierkorb. Bitte stellen Sie ihn zuerst wieder her, um zu antworten.")
    if not message.reply_allowed:
        return _("Der Online-Dienst „%(name)s“ hat für diese Nachricht keine Antwort vorgesehen.",
                 name=case.client_name)
    return None


@dataclass
class Reply:
    data: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    sent: Message | None = None


def blank_reply(message: Message) -> Reply:
    subject = message.subject if message.subject.startswith(REPLY_PREFIX) else REPLY_PREFIX + message.subject
    return Reply({"subject": subject[:SUBJECT_MAX], "text": ""})


def _check(data: dict[str, str]) -> dict[str, list[str]]:
    errors = {}
    if not data["subject"]:
        errors["subject"] = [_("Bitte geben Sie einen Betreff ein.")]
    elif len(data["subject"]) > SUBJECT_MAX:
        errors["subject"] = [_("Der Betreff darf höchstens %(max)d Zeichen lang sein.", max=SUBJECT_MAX)]
    if not data["text"].strip():
        errors["text"] = [_("Bitte geben Sie Ihre Antwort ein.")]
    elif len(data["text"]) > TEXT_MAX:
        errors["text"] = [_("Ihre Antwort darf höchstens %(max)s Zeichen lang sein (jetzt %(now)s).",
                            max=f"{TEXT_MAX:,}".replace(",", "."), now=f"{len(data['text']):,}".replace(",", "."))]
    return errors


def send_reply(who: Viewer, box: Box, case: Case, message: Message, form) -> Reply:
    """Answer `message`; what was entered comes back with the errors when refused."""
    data = {"subject": " ".join((form.get("subject") or "").split()),
            "text": (form.get("text") or "").replace("\r\n", "\n").rstrip()}
    entered = Reply(data)
    if refusal := reply_refusal(case, message):
        entered.errors["form"] = [refusal]
    else:
        entered.errors = _check(data)
    if entered.errors:
        return entered
    now = utcnow()
    entered.sent = Message(case=case, client_id=case.client_id, direction=OUTGOING, subject=data["subject"],
                           text=data["text"], reply_allowed=False, in_reply_to=message.id,
                           author_id=who.account.id, delivered_at=now)
    db.session.add(entered.sent)
    case.last_message_at = now
    _note(who, box, delegations.CASE_REPLIED, case)
    db.session.commit()
    return entered


def trash(who: Viewer, box: Box, case: Case) -> str | None:
    """"Gesamten Vorgang löschen": into the Papierkorb; returns why not."""
    if case.trashed_at is not None:
        return _("Der Vorgang liegt bereits im Papierkorb.")
    unread = sum(1 for m in case.messages if m.unread)
    if unread:
        return ngettext("Der Vorgang enthält eine ungelesene Nachricht und kann deshalb nicht in den Papierkorb "
                        "verschoben werden. Bitte lesen Sie zuerst alle Nachrichten des Vorgangs.",
                        "Der Vorgang enthält %(num)d ungelesene Nachrichten und kann deshalb nicht in den "
                        "Papierkorb verschoben werden. Bitte lesen Sie zuerst alle Nachrichten des Vorgangs.", unread)
    case.trashed_at = utcnow()
    _note(who, box, delegations.CASE_TRASHED, case)
    db.session.commit()
    return None


def restore(who: Viewer, box: Box, case: Case) -> str | None:
    """"Wiederherstellen": back to the Eingang, and never purged with the trash again."""
    if case.trashed_at is None:
        return _("Der Vorgang liegt nicht im Papierkorb.")
    case.trashed_at = None
    case.restored_at = utcnow()
    _note(who, box, delegations.CASE_RESTORED, case)
    db.session.commit()
    return None


def downloaded(who: Viewer, box: Box, case: Case) -> None:
    """"Vorgang herunterladen" leaves a record when a deputy does it."""
    _note(who, box, delegations.CASE_DOWNLOADED, case)
    db.session.commit()
