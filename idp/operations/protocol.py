"""Betrieb → Protokoll: the search form of the audit log read into an
`audit.search.Query`, with German refusals, and one page of results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from ..audit import EVENTS
from ..audit.models import AuditEvent
from ..audit.search import Query, count, search
from ..i18n import _
from ..postfach.dates import parse_day

PAGE_SIZE = 50
DATE_REFUSED = _("Bitte geben Sie ein Datum als TT.MM.JJJJ an.")
PERIOD_REFUSED = _("Das Ende des Zeitraums liegt vor seinem Anfang.")
EVENT_REFUSED = _("Bitte wählen Sie eine der angebotenen Ereignisarten.")
# Kinds of events by the prefix of their names, for a search by kind.
KINDS = {"login.": _("Anmeldungen"), "account.": _("Konten"), "organisation.": _("Organisationen"),
         "consent.": _("Einwilligungen"), "federation.": _("Föderation"), "operator.": _("Betrieb")}


def event_choices() -> dict[str, str]:
    """The search's choices: every kind, then every event, by its label."""
    return {"": _("Alle Ereignisse"), **{k: _("%(kind)s (alle)", kind=label) for k, label in KINDS.items()},
            **EVENTS}


def _date(value: str) -> datetime | None:
    # The log shows UTC, so its days are UTC days.
    day = parse_day(value)
    return datetime.combine(day, time.min) if day else None


@dataclass
class Search:
    entered: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    query: Query | None = None

    @classmethod
    def read(cls, args) -> "Search":
        entered = {name: (args.get(name) or "").strip() for name in ("email", "event", "client_id", "von", "bis")}
        found = cls(entered)
        if entered["event"] not in event_choices():
            found.errors["event"] = [EVENT_REFUSED]
        period = {}
        for name in ("von", "bis"):
            if entered[name]:
                period[name] = _date(entered[name])
                if period[name] is None:
                    found.errors[name] = [DATE_REFUSED]
        since, until = period.get("von"), period.get("bis")
        if since and until and until < since:
            found.errors["bis"] = [PERIOD_REFUSED]
        if not found.errors:
            # "bis" names a whole day.
            found.query = Query(email=entered["email"] or None, event=entered["event"] or None,
                                client_id=entered["client_id"] or None, since=since,
                                until=until + timedelta(days=1) if until else None)
        return found


@dataclass
class Page:
    entries: list[AuditEvent]
    number: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def page(query: Query, number: int) -> Page:
    total = count(query)
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    return Page(search(query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE), number, total)
