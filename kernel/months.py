"""Months: the one home of month arithmetic, the organisation's today, and local months as UTC instants.

A month is held as the date of its first day. "Local" means the
organisation's zone (settings.TIME_ZONE): a month's figures cover the instants
from its first local midnight to the next month's (docs/definitions.md, Time).
Everything here but `month_of` of an instant, `today`, `current_month` and
`month_window` without a zone is pure.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from django.utils import timezone

Interval = tuple[dt.datetime, dt.datetime]


def first_of(day: dt.date) -> dt.date:
    """Return the first day of the month containing a date."""
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """Return the first day of the month `count` months after (or before, if negative) a date's month."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(month: dt.date) -> dt.date:
    """Return the first day of the month after the one containing a date."""
    return add_months(month, 1)


def previous_month(month: dt.date) -> dt.date:
    """Return the first day of the month before the one containing a date."""
    return add_months(month, -1)


def last_day_of(month: dt.date) -> dt.date:
    """Return the last day of the month containing a date."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def days_in(month: dt.date) -> int:
    """Return the number of days of the month containing a date."""
    return calendar.monthrange(month.year, month.month)[1]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the month containing a date."""
    return first_of(month), last_day_of(month)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the first day of every month from first's month through last's month (empty if last is before)."""
    start, end = first_of(first), first_of(last)
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [add_months(start, offset) for offset in range(max(count, 0))]


def months_apart(earlier: dt.date, later: dt.date) -> int:
    """Return how many months later's month is after earlier's month (negative when before)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def parse_month(raw: str | None) -> dt.date | None:
    """Read a `YYYY-MM` string as the first day of that month, or None when it is not one."""
    try:
        return dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return None


def month_label(month: dt.date) -> str:
    """Return a month as `YYYY-MM`, the way URLs, the API and CSVs write it."""
    return f"{month:%Y-%m}"


@cache
def zone(name: str) -> ZoneInfo:
    """Return a time zone by IANA name (cached: ZoneInfo reads a file on first use)."""
    return ZoneInfo(name)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Return the UTC instant of a day's local midnight (a DST change never falls at midnight in a way that matters)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def month_window(month: dt.date, tz: str | ZoneInfo | None = None) -> Interval:
    """Return a local month as the UTC instants of its first midnight and the next month's (end exclusive).

    Without a zone, the organisation's (settings.TIME_ZONE).
    """
    if tz is None:
        tz = timezone.get_default_timezone()
    elif isinstance(tz, str):
        tz = zone(tz)
    start = first_of(month)
    return local_midnight(start, tz), local_midnight(next_month(start), tz)


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """Return the first day of the organisation-local month containing a date or instant."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return first_of(value)


def today() -> dt.date:
    """Return the organisation's today (not the server's: the server may run in UTC)."""
    return timezone.localdate()


def current_month() -> dt.date:
    """Return the first day of the organisation-local month we are in."""
    return first_of(today())
