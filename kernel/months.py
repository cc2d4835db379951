"""Months: the one home of month arithmetic, time zones, the organisation's today, and local months as UTC instants.

A month is held as the date of its first day. "Local" means the
organisation's zone (settings.TIME_ZONE) unless a zone is given: a month's
figures cover the instants from its first local midnight to the next month's
(docs/definitions.md, Time). Everything here but `month_of` of an instant,
`today`, `current_month` and the windows without a zone is pure.

Wall clocks follow one rule everywhere (sla.calendar relies on it):

- a wall time that does not exist (spring-forward gap) maps to the instant
  the gap ends, for starts and ends alike;
- an ambiguous wall time (fall-back fold) maps to its first occurrence when it
  starts an interval and to its second when it ends one;
- local midnights use the start rule, so consecutive days tile the timeline.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

Interval: TypeAlias = tuple[dt.datetime, dt.datetime]
Zone: TypeAlias = str | dt.tzinfo | None

_ONE_DAY = dt.timedelta(days=1)
_MICROSECOND = dt.timedelta(microseconds=1)


# --- months as dates -------------------------------------------------------------------


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
    return next_month(month) - _ONE_DAY


def days_in(month: dt.date) -> int:
    """Return the number of days of the month containing a date."""
    return last_day_of(month).day


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the month containing a date."""
    return first_of(month), last_day_of(month)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the first day of every month from first's month through last's month (empty if last is before)."""
    start = first_of(first)
    return [add_months(start, offset) for offset in range(max(months_apart(start, last) + 1, 0))]


def months_apart(earlier: dt.date, later: dt.date) -> int:
    """Return how many months later's month is after earlier's month (negative when before)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def recent_months(month: dt.date, count: int) -> list[dt.date]:
    """Return the first days of a date's month and the `count - 1` months before it, newest first."""
    return [add_months(month, -offset) for offset in range(count)]


# Dates outside these years are typing mistakes (or probes): pages and the API refuse them, and month
# arithmetic near year 1 or 9999 would overflow date's range.
MIN_YEAR, MAX_YEAR = 1900, 2199


def within_years(day: dt.date) -> bool:
    """Say whether a date lies in the years people may ask for (MIN_YEAR to MAX_YEAR)."""
    return MIN_YEAR <= day.year <= MAX_YEAR


def parse_month(raw: str | None, *, any_year: bool = False) -> dt.date | None:
    """Read a `YYYY-MM` string as the first day of that month, or None when it is not one or its year is out of range.

    `any_year` keeps years outside MIN_YEAR..MAX_YEAR, for callers that refuse them with their own message.
    """
    try:
        month = dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if any_year or within_years(month) else None


def parse_day(raw: str | None) -> dt.date | None:
    """Read a `YYYY-MM-DD` string as a date, or None when it is not one or its year is out of range."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if within_years(day) else None


def month_iso(month: dt.date) -> str:
    """Return a month as `YYYY-MM`, the way URLs, the API, payloads and CSVs write it."""
    return f"{month:%Y-%m}"


def month_label(month: dt.date) -> str:
    """Return a month as people write it: "April 2026"."""
    return f"{month:%B %Y}"


# --- zones and wall clocks -------------------------------------------------------------


@cache
def zone(name: str) -> ZoneInfo:
    """Return a time zone by IANA name, or raise ValueError with a readable message (cached once found)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        # ZoneInfo raises KeyError, ValueError or even IsADirectoryError ("America").
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as 'America/New_York' or 'UTC'") from None


def _tz(tz: Zone) -> dt.tzinfo:
    """Return a zone given by name or object; None is the organisation's zone."""
    if tz is None:
        return timezone.get_default_timezone()
    return zone(tz) if isinstance(tz, str) else tz


def _offset_at(instant: dt.datetime, tz: dt.tzinfo) -> dt.timedelta | None:
    """Return the zone's UTC offset in force at an instant."""
    return instant.astimezone(tz).utcoffset()


def _gap_end(tz: dt.tzinfo, before: dt.datetime, after: dt.datetime) -> dt.datetime:
    """Return the first instant in (before, after] that uses after's UTC offset."""
    # A gap's length varies by zone (30 min on Lord Howe, a whole day on Samoa
    # in 2011) and ZoneInfo does not expose its transitions, so bisect to the
    # microsecond: about 32 steps, and only on the rare days with a gap.
    target = _offset_at(after, tz)
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if _offset_at(middle, tz) == target:
            after = middle
        else:
            before = middle
    return after


def wall_to_utc(day: dt.date, wall: dt.time, tz: dt.tzinfo, *, is_end: bool = False) -> dt.datetime:
    """Return the UTC instant at which the local clock in a zone shows a day and wall time."""
    naive = dt.datetime.combine(day, wall.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    if first == second:
        return first
    if first < second:
        # Fold: the wall time happens twice; starts take the first occurrence,
        # ends the second, so an interval covers the real time on the clock.
        return second if is_end else first
    # Gap: fold=0 reads the wall time with the old offset (landing after the
    # gap) and fold=1 with the new one (landing before it); the clock first
    # shows a time at or past `wall` when the gap ends.
    return _gap_end(tz, second, first)


def local_midnight(day: dt.date, tz: Zone = None) -> dt.datetime:
    """Return the UTC instant at which a day begins in a zone (the organisation's without one)."""
    return wall_to_utc(day, dt.time(0), _tz(tz))


# --- months as UTC instants --------------------------------------------------------------


def month_window(month: dt.date, tz: Zone = None) -> Interval:
    """Return a local month as the UTC instants of its first midnight and the next month's (end exclusive)."""
    start = first_of(month)
    return local_midnight(start, tz), local_midnight(next_month(start), tz)


def active_window(month: dt.date, start_date: dt.date, end_date: dt.date | None, tz: Zone = None) -> Interval | None:
    """Return the part of a local month from start_date to end_date inclusive as UTC instants, or None if none."""
    after_month = next_month(month)
    first = max(first_of(month), start_date)
    # Compare before adding a day, so an end date of date.max cannot overflow.
    after_last = after_month if end_date is None or end_date >= after_month else end_date + _ONE_DAY
    if after_last <= first:
        return None
    return local_midnight(first, tz), local_midnight(after_last, tz)


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
