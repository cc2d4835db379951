"""Uptime: a window's merged downtime and its exact uptime percentage (rounded only for reporting)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from kernel.money import HUNDRED, exact
from kernel.months import Interval
from sla.calendar.intervals import ZERO, clip, total, utc_interval

_MICROSECOND = timedelta(microseconds=1)


def downtime(outages: Iterable[tuple[datetime, datetime | None]], window: Interval) -> timedelta:
    """Return the merged downtime of outages inside window; an open outage runs to its end."""
    window = utc_interval(window)
    closed = ((start, window[1] if end is None else end) for start, end in outages)
    return total(clip(closed, window))


def uptime_pct(window: Interval, outages: Iterable[tuple[datetime, datetime | None]]) -> Decimal | None:
    """Return the exact uptime percentage of window, or None when the window is empty."""
    length = total([window])
    if length == ZERO:
        return None
    up = length - downtime(outages, window)
    with exact():
        # Integer microseconds in, so the only rounding is at digit 50.
        return Decimal(_micros(up)) * HUNDRED / Decimal(_micros(length))


def _micros(span: timedelta) -> int:
    """Return a timedelta as an exact count of microseconds."""
    return span // _MICROSECOND


def uptime_met(uptime: Decimal | None, target_pct: Decimal) -> bool | None:
    """Tell whether the unrounded uptime reaches the target; None when there is no uptime."""
    return None if uptime is None else uptime >= target_pct
