"""SLA clocks: business time elapsed between two instants, deadlines, and a clock's verdict against its target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kernel.months import Interval
from sla.calendar.coverage import CoverageCalendar, open_intervals, open_stream
from sla.calendar.intervals import ZERO, minus, total, union, utc


def business_elapsed(
    cal: CoverageCalendar, start: datetime, end: datetime, pauses: Iterable[Interval] = ()
) -> timedelta:
    """Return the open time of cal between start and end, minus pauses during open hours."""
    # Pauses are cut from open hours only, so a pause overnight or over a
    # weekend removes nothing (and, in deadline, pushes nothing back).
    return total(minus(open_intervals(cal, start, end), union(pauses)))


def deadline(cal: CoverageCalendar, start: datetime, budget: timedelta, pauses: Iterable[Interval] = ()) -> datetime:
    """Return the earliest instant at which budget of business time has elapsed since start."""
    if budget < ZERO:
        raise ValueError(f"budget must not be negative, got {budget}")
    start = utc(start)
    if budget == ZERO:
        # Every instant up to the next opening has elapsed zero; start is the
        # earliest, and a zero target is met only by an immediate event.
        return start
    if cal.never_open():
        raise ValueError("the calendar has no working hours, so no deadline would ever arrive")
    remaining = budget
    # One pass over a lazy stream: linear in the days crossed, however far away.
    for span_start, span_end in minus(open_stream(cal, start), union(pauses)):
        if remaining <= span_end - span_start:
            return span_start + remaining
        remaining -= span_end - span_start
    raise AssertionError("an open calendar's stream never ends")  # pragma: no cover


@dataclass(frozen=True)
class ClockResult:
    """An SLA clock's reading against its target."""

    elapsed: timedelta
    target: timedelta
    met: bool | None  # None: still running and not yet breached
    breached: bool
    slack: timedelta  # target - elapsed; negative once breached


def evaluate(
    cal: CoverageCalendar,
    start: datetime,
    stop: datetime | None,
    now: datetime,
    target: timedelta,
    pauses: Iterable[Interval] = (),
) -> ClockResult:
    """Read a clock that started at start and stopped at stop (None: still running at now)."""
    elapsed = business_elapsed(cal, start, now if stop is None else stop, pauses)
    breached = elapsed > target
    if stop is None and not breached:
        met: bool | None = None
    else:
        # Elapsed time never decreases, so a running clock past its target
        # stays breached whenever it stops: the verdict is final already.
        met = not breached
    return ClockResult(elapsed=elapsed, target=target, met=met, breached=breached, slack=target - elapsed)
