"""Dates as the Postfach shows and filters them: by the calendar day and clock of the
people reading it (Europe/Berlin), while the database keeps naive UTC."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from ..i18n import _
from ..organisations.delegation import LOCAL_TIME

_GERMAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")  # what <input type="date"> sends


def parse_day(value: str) -> date | None:
    """TT.MM.JJJJ or JJJJ-MM-TT; None when it is no date."""
    if match := _GERMAN.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    if not 1900 <= year <= 2999:  # a typo, and far from what any message carries
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    """The first moment of the local day, in stored (naive UTC) time."""
    local = datetime.combine(day, time.min, tzinfo=LOCAL_TIME)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def day_end(day: date) -> datetime:
    """The first moment after the local day, in stored time."""
    return day_start(day + timedelta(days=1))


def shown(moment: datetime) -> str:
    """"02.12.2026, 22:05 Uhr" in local time ("02.12.2026, 22:05" in English)."""
    local = moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIME)
    return str(_("%(day)s, %(clock)s Uhr", day=local.strftime("%d.%m.%Y"), clock=local.strftime("%H:%M")))
