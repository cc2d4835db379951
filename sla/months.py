"""Organisation months as UTC instants, and runs of months (settings.TIME_ZONE)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from kernel.months import month_of
from sla.calendar import Interval, month_window


def first_of(month: dt.date) -> dt.date:
    """Return the first day of the month containing a date."""
    return month.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """Return the first day of the month after the one containing a date."""
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def last_day_of(month: dt.date) -> dt.date:
    """Return the last day of the month containing a date."""
    return next_month(month) - dt.timedelta(days=1)


def org_month_window(month: dt.date) -> Interval:
    """Return the month containing a date as the UTC instants of its two local midnights."""
    return month_window(month.year, month.month, settings.TIME_ZONE)


def current_month() -> dt.date:
    """Return the first day of the organisation-local month we are in."""
    return month_of(timezone.now())


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the first days of the months from first's month to last's month, inclusive."""
    months, month = [], first_of(first)
    while month <= first_of(last):
        months.append(month)
        month = next_month(month)
    return months


def parse_month(raw: str | None) -> dt.date | None:
    """Read a YYYY-MM string as the first day of that month, or None when it is not one."""
    try:
        return dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return None
