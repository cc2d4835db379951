"""Coverage calendars: when an SLA clock runs, as UTC intervals (24x7, or working hours in a zone minus holidays)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from kernel import months
from kernel.months import Interval, local_midnight, wall_to_utc
from sla.calendar.intervals import union, utc

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_ONE_DAY = timedelta(days=1)
# Stands in for "no end" in open-ended streams; never returned by public functions.
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _hhmm(moment: time | None) -> str:
    """Format a wall time for messages, None as 24:00."""
    return "24:00" if moment is None else moment.isoformat(timespec="minutes")


@dataclass(frozen=True)
class WorkingInterval:
    """Local wall-clock opening hours on one weekday; end None means 24:00."""

    weekday: int
    start: time
    end: time | None = None

    def __post_init__(self) -> None:
        """Refuse impossible weekdays, zoned times and empty or reversed hours."""
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.start.tzinfo is not None or (self.end is not None and self.end.tzinfo is not None):
            raise ValueError("working hours are wall-clock times in the calendar's zone: drop the tzinfo")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"{self.label()}: the end must be after the start (use no end for midnight)")

    def label(self) -> str:
        """Describe the interval for people, e.g. 'Monday 09:00-17:00'."""
        return f"{WEEKDAY_NAMES[self.weekday]} {_hhmm(self.start)}-{_hhmm(self.end)}"

    def ends_after(self, moment: time) -> bool:
        """Tell whether the interval is still open at wall time moment."""
        return self.end is None or self.end > moment


def validate_working(working: Iterable[WorkingInterval]) -> None:
    """Raise ValueError when working intervals overlap on a weekday (each refuses reversed hours itself)."""
    ordered = sorted(working, key=lambda wi: (wi.weekday, wi.start))
    for earlier, later in pairwise(ordered):
        # Touching intervals (09:00-12:00 and 12:00-13:00) are fine; overlaps are a typo.
        if earlier.weekday == later.weekday and earlier.ends_after(later.start):
            raise ValueError(f"{earlier.label()} overlaps {_hhmm(later.start)}-{_hhmm(later.end)}")


@dataclass(frozen=True)
class CoverageCalendar:
    """When an SLA clock runs: 24x7, or working hours per weekday in a zone minus holidays."""

    time_zone: str
    always_on: bool
    working: tuple[WorkingInterval, ...] = ()
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Check the zone and the working intervals as soon as the calendar is built."""
        months.zone(self.time_zone)
        validate_working(self.working)

    @property
    def zone(self) -> tzinfo:
        """Return the calendar's time zone."""
        return months.zone(self.time_zone)

    def never_open(self) -> bool:
        """Tell whether the calendar has no open hours at all."""
        return not self.always_on and not self.working


def _working_span(day: date, wi: WorkingInterval, tz: tzinfo) -> Interval:
    """Return the UTC instants a working interval covers on a local day."""
    start = wall_to_utc(day, wi.start, tz)
    if wi.end is None:
        return start, local_midnight(day + _ONE_DAY, tz)
    return start, wall_to_utc(day, wi.end, tz, is_end=True)


def _day_intervals(cal: CoverageCalendar, day: date, tz: tzinfo) -> list[Interval]:
    """Return the merged UTC intervals during which cal is open on local day."""
    if day in cal.holidays:
        return []
    spans = [_working_span(day, wi, tz) for wi in cal.working if wi.weekday == day.weekday()]
    # Union because a start in a fold can reach back before the previous
    # interval's end (01:00-01:30 and 01:30-03:00 on fall-back day overlap).
    return union(spans)


def open_stream(cal: CoverageCalendar, start: datetime, stop: datetime | None = None) -> Iterator[Interval]:
    """Yield cal's merged open intervals from start (UTC) on, day by day, until stop if given."""
    if cal.always_on:
        yield start, _FAR_FUTURE if stop is None else stop
        return
    tz = cal.zone
    # Begin a day early: one day's work buys safety against any zone rule that
    # would let a day's hours start before its own local midnight.
    day = start.astimezone(tz).date() - _ONE_DAY
    last_day = date.max if stop is None else stop.astimezone(tz).date()
    pending: Interval | None = None
    while day <= last_day:
        for span_start, span_end in _day_intervals(cal, day, tz):
            span_start = max(span_start, start)
            if span_end <= span_start:
                continue
            if pending is not None and span_start <= pending[1]:
                pending = (pending[0], max(pending[1], span_end))
                continue
            if pending is not None:
                yield pending
            pending = (span_start, span_end)
        day += _ONE_DAY
    if pending is not None:
        yield pending


def open_intervals(cal: CoverageCalendar, start: datetime, end: datetime) -> list[Interval]:
    """Return the UTC intervals within [start, end) during which cal is open."""
    start, end = utc(start), utc(end)
    spans: list[Interval] = []
    if end <= start:
        return spans
    for span_start, span_end in open_stream(cal, start, end):
        if span_start >= end:
            break
        spans.append((span_start, min(span_end, end)))
    return spans
