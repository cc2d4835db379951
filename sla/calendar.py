"""Pure maths of the SLA engine: intervals, coverage calendars, clocks, uptime, credits.

No Django and no database: every function takes plain values and returns plain
values, so the rules in design/domain.md can be tested exhaustively.

Conventions:

- An ``Interval`` is a half-open ``[start, end)`` pair of timezone-aware
  datetimes. Naive datetimes are refused. Everything is converted to UTC before
  any arithmetic, because Python subtracts and compares two datetimes that share
  a tzinfo on their wall clocks, which is wrong across a DST change.
- Durations are ``timedelta`` (exact integer microseconds); percentages are
  ``Decimal``. No floats anywhere.
- Working hours are wall-clock times in the calendar's zone. An interval covers
  the real time from the first moment the local clock shows its start to the
  last moment the clock reaches its end:

  * a wall time that does not exist (spring-forward gap) maps to the instant
    the gap ends, for starts and ends alike, so 01:00-04:00 in New York on the
    spring-forward day is 2 real hours;
  * an ambiguous wall time (fall-back fold) maps to its first occurrence when it
    starts an interval and to its second occurrence when it ends one, so
    01:00-04:00 on the fall-back day is 4 real hours;
  * an end of ``None`` means 24:00, the next local midnight. Local midnights
    use the start rule, so consecutive days tile the timeline exactly and a
    calendar open 00:00-24:00 every day equals a 24x7 calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval: TypeAlias = tuple[datetime, datetime]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
# Stands in for "no end" in open-ended streams; never returned by public functions.
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
# Enough digits that an uptime ratio of two microsecond counts is never rounded
# before it is compared with a threshold (the domain rounds only for reporting).
_PRECISION = 50
_HUNDRED = Decimal(100)
_PCT_PLACES = Decimal("0.001")


# --- instants and intervals -------------------------------------------------


def _utc(moment: datetime) -> datetime:
    """Return an aware datetime as UTC, refusing naive ones."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} is naive; timestamps must be timezone-aware")
    return moment.astimezone(UTC)


def _utc_interval(interval: Interval) -> Interval:
    """Return an interval with both ends in UTC."""
    return _utc(interval[0]), _utc(interval[1])


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping, touching and duplicate intervals into sorted disjoint ones."""
    ordered = sorted(iv for iv in map(_utc_interval, intervals) if iv[1] > iv[0])
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """Return the merged parts of intervals that fall inside window."""
    low, high = _utc_interval(window)
    clipped = ((max(start, low), min(end, high)) for start, end in union(intervals))
    return [(start, end) for start, end in clipped if end > start]


def _minus(merged: Iterable[Interval], holes: Sequence[Interval]) -> Iterator[Interval]:
    """Yield the parts of sorted disjoint intervals not covered by sorted disjoint holes."""
    first = 0  # holes before this index end before every interval still to come
    for start, end in merged:
        while first < len(holes) and holes[first][1] <= start:
            first += 1
        cursor, index = start, first
        while cursor < end and index < len(holes) and holes[index][0] < end:
            hole_start, hole_end = holes[index]
            if hole_start > cursor:
                yield cursor, hole_start
            cursor = max(cursor, hole_end)
            index += 1
        if cursor < end:
            yield cursor, end


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """Return the merged parts of intervals not covered by any hole."""
    return list(_minus(union(intervals), union(holes)))


def total(intervals: Iterable[Interval]) -> timedelta:
    """Sum the lengths of intervals as given, counting empty or reversed ones as zero."""
    lengths = (end - start for start, end in map(_utc_interval, intervals))
    return sum((length for length in lengths if length > _ZERO), _ZERO)


# --- time zones and wall clocks ----------------------------------------------


def zone_info(tz_name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name, or raise ValueError with a readable message."""
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        # ZoneInfo raises KeyError, ValueError or even IsADirectoryError ("America").
        raise ValueError(
            f"unknown time zone {tz_name!r}: use an IANA name such as 'America/New_York' or 'UTC'"
        ) from None


def _offset_at(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    """Return the zone's UTC offset in force at an instant."""
    return instant.astimezone(zone).utcoffset()


def _gap_end(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """Return the first instant in (before, after] that uses after's UTC offset."""
    # A gap's length varies by zone (30 min on Lord Howe, a whole day on Samoa
    # in 2011) and ZoneInfo does not expose its transitions, so bisect to the
    # microsecond: about 32 steps, and only on the rare days with a gap.
    target = _offset_at(after, zone)
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if _offset_at(middle, zone) == target:
            after = middle
        else:
            before = middle
    return after


def wall_to_utc(day: date, wall: time, zone: ZoneInfo, *, is_end: bool = False) -> datetime:
    """Return the UTC instant at which the local clock in zone shows day and wall."""
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    if first < second:
        # Fold: the wall time happens twice; starts take the first occurrence,
        # ends the second, so the interval covers the real time on the clock.
        return second if is_end else first
    # Gap: fold=0 reads the wall time with the old offset (landing after the
    # gap) and fold=1 with the new one (landing before it); the clock first
    # shows a time at or past `wall` when the gap ends.
    return _gap_end(zone, second, first)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which day begins in zone."""
    return wall_to_utc(day, time(0), zone)


# --- coverage calendars ------------------------------------------------------


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
    """Raise ValueError when working intervals are reversed or overlap on a weekday."""
    ordered = sorted(working, key=lambda wi: (wi.weekday, wi.start))
    for wi in ordered:
        if wi.end is not None and wi.end <= wi.start:
            raise ValueError(f"{wi.label()}: the end must be after the start (use no end for midnight)")
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
        zone_info(self.time_zone)
        validate_working(self.working)

    @property
    def zone(self) -> ZoneInfo:
        """Return the calendar's ZoneInfo."""
        return zone_info(self.time_zone)

    def never_open(self) -> bool:
        """Tell whether the calendar has no open hours at all."""
        return not self.always_on and not self.working


def _working_span(day: date, wi: WorkingInterval, zone: ZoneInfo) -> Interval:
    """Return the UTC instants a working interval covers on a local day."""
    start = wall_to_utc(day, wi.start, zone)
    if wi.end is None:
        return start, local_midnight(day + _ONE_DAY, zone)
    return start, wall_to_utc(day, wi.end, zone, is_end=True)


def _day_intervals(cal: CoverageCalendar, day: date, zone: ZoneInfo) -> list[Interval]:
    """Return the merged UTC intervals during which cal is open on local day."""
    if day in cal.holidays:
        return []
    spans = [_working_span(day, wi, zone) for wi in cal.working if wi.weekday == day.weekday()]
    # Union because a start in a fold can reach back before the previous
    # interval's end (01:00-01:30 and 01:30-03:00 on fall-back day overlap).
    return union(spans)


def _open_stream(cal: CoverageCalendar, start: datetime, stop: datetime | None = None) -> Iterator[Interval]:
    """Yield cal's merged open intervals from start (UTC) on, day by day, until stop if given."""
    if cal.always_on:
        yield start, _FAR_FUTURE if stop is None else stop
        return
    zone = cal.zone
    # Begin a day early: one day's work buys safety against any zone rule that
    # would let a day's hours start before its own local midnight.
    day = start.astimezone(zone).date() - _ONE_DAY
    last_day = date.max if stop is None else stop.astimezone(zone).date()
    pending: Interval | None = None
    while day <= last_day:
        for span_start, span_end in _day_intervals(cal, day, zone):
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
    start, end = _utc(start), _utc(end)
    spans: list[Interval] = []
    if end <= start:
        return spans
    for span_start, span_end in _open_stream(cal, start, end):
        if span_start >= end:
            break
        spans.append((span_start, min(span_end, end)))
    return spans


# --- SLA clocks ----------------------------------------------------------------


def business_elapsed(
    cal: CoverageCalendar, start: datetime, end: datetime, pauses: Iterable[Interval] = ()
) -> timedelta:
    """Return the open time of cal between start and end, minus pauses during open hours."""
    # Pauses are cut from open hours only, so a pause overnight or over a
    # weekend removes nothing (and, in deadline, pushes nothing back).
    return total(_minus(open_intervals(cal, start, end), union(pauses)))


def deadline(cal: CoverageCalendar, start: datetime, budget: timedelta, pauses: Iterable[Interval] = ()) -> datetime:
    """Return the earliest instant at which budget of business time has elapsed since start."""
    if budget < _ZERO:
        raise ValueError(f"budget must not be negative, got {budget}")
    start = _utc(start)
    if budget == _ZERO:
        # Every instant up to the next opening has elapsed zero; start is the
        # earliest, and a zero target is met only by an immediate event.
        return start
    if cal.never_open():
        raise ValueError("the calendar has no working hours, so no deadline would ever arrive")
    remaining = budget
    # One pass over a lazy stream: linear in the days crossed, however far away.
    for span_start, span_end in _minus(_open_stream(cal, start), union(pauses)):
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


# --- months and uptime -------------------------------------------------------


def _next_month(year: int, month: int) -> date:
    """Return the first day of the month after year-month."""
    return date(year + month // 12, month % 12 + 1, 1)


def month_window(year: int, month: int, tz_name: str) -> Interval:
    """Return the month as the UTC instants of its two local midnights."""
    zone = zone_info(tz_name)
    return local_midnight(date(year, month, 1), zone), local_midnight(_next_month(year, month), zone)


def active_window(year: int, month: int, tz_name: str, start_date: date, end_date: date | None) -> Interval | None:
    """Return the part of the month from start_date to end_date inclusive, or None if none."""
    zone = zone_info(tz_name)
    month_end = _next_month(year, month)
    first = max(date(year, month, 1), start_date)
    # Compare before adding a day, so an end date of date.max cannot overflow.
    after_last = month_end if end_date is None or end_date >= month_end else end_date + _ONE_DAY
    if after_last <= first:
        return None
    return local_midnight(first, zone), local_midnight(after_last, zone)


def downtime(outages: Iterable[tuple[datetime, datetime | None]], window: Interval) -> timedelta:
    """Return the merged downtime of outages inside window; an open outage runs to its end."""
    window = _utc_interval(window)
    closed = ((start, window[1] if end is None else end) for start, end in outages)
    return total(clip(closed, window))


def uptime_pct(window: Interval, outages: Iterable[tuple[datetime, datetime | None]]) -> Decimal | None:
    """Return the exact uptime percentage of window, or None when the window is empty."""
    length = total([window])
    if length == _ZERO:
        return None
    up = length - downtime(outages, window)
    with localcontext(prec=_PRECISION):
        # Integer microseconds in, so the only rounding is at digit 50.
        return Decimal(_micros(up)) * _HUNDRED / Decimal(_micros(length))


def _micros(span: timedelta) -> int:
    """Return a timedelta as an exact count of microseconds."""
    return span // _MICROSECOND


def round_pct(value: Decimal) -> Decimal:
    """Round a percentage to 3 decimal places, half up, for reporting."""
    with localcontext(prec=_PRECISION):
        return value.quantize(_PCT_PLACES, rounding=ROUND_HALF_UP)


def uptime_met(uptime: Decimal | None, target_pct: Decimal) -> bool | None:
    """Tell whether the unrounded uptime reaches the target; None when there is no uptime."""
    return None if uptime is None else uptime >= target_pct


# --- service credits -----------------------------------------------------------


@dataclass(frozen=True)
class CreditTier:
    """Credit owed when uptime is below below_pct (and not below a lower tier)."""

    below_pct: Decimal
    credit_pct: Decimal


def _check_pct(name: str, value: Decimal) -> None:
    """Raise ValueError unless 0 < value <= 100."""
    if not Decimal(0) < value <= _HUNDRED:
        raise ValueError(f"{name} must be above 0 and at most 100, got {value}")


def validate_tiers(tiers: Iterable[CreditTier]) -> None:
    """Raise ValueError unless tiers have distinct thresholds and credits rising as uptime falls."""
    ordered = sorted(tiers, key=lambda tier: tier.below_pct, reverse=True)
    for tier in ordered:
        _check_pct("a tier's uptime threshold", tier.below_pct)
        _check_pct("a tier's credit percent", tier.credit_pct)
    for higher, lower in pairwise(ordered):
        if higher.below_pct == lower.below_pct:
            raise ValueError(f"two tiers share the threshold below {higher.below_pct}%: thresholds must differ")
        if lower.credit_pct <= higher.credit_pct:
            raise ValueError(
                f"tiers must descend: below {lower.below_pct}% must credit more than "
                f"below {higher.below_pct}% ({lower.credit_pct}% is not more than {higher.credit_pct}%)"
            )


def credit_pct(uptime: Decimal | None, tiers: Iterable[CreditTier], max_credit_pct: Decimal) -> Decimal:
    """Return the credit percent of the one tier uptime falls in, capped at max_credit_pct."""
    brackets = tuple(tiers)
    validate_tiers(brackets)
    if not Decimal(0) <= max_credit_pct <= _HUNDRED:
        raise ValueError(f"the maximum credit percent must be 0 to 100, got {max_credit_pct}")
    if uptime is None:
        return Decimal(0)
    # Brackets are half-open, so the applicable tier is the lowest threshold
    # that uptime is still under; an uptime exactly at a threshold is above it.
    under = [tier for tier in brackets if uptime < tier.below_pct]
    if not under:
        return Decimal(0)
    applicable = min(under, key=lambda tier: tier.below_pct)
    return min(applicable.credit_pct, max_credit_pct)
