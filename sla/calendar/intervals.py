"""Half-open intervals of aware instants: union, clip, subtract, total (all in UTC)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from kernel.months import Interval

ZERO = timedelta(0)


def utc(moment: datetime) -> datetime:
    """Return an aware datetime as UTC, refusing naive ones."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} is naive; timestamps must be timezone-aware")
    return moment.astimezone(UTC)


def utc_interval(interval: Interval) -> Interval:
    """Return an interval with both ends in UTC."""
    return utc(interval[0]), utc(interval[1])


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping, touching and duplicate intervals into sorted disjoint ones."""
    ordered = sorted(iv for iv in map(utc_interval, intervals) if iv[1] > iv[0])
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """Return the merged parts of intervals that fall inside window."""
    low, high = utc_interval(window)
    clipped = ((max(start, low), min(end, high)) for start, end in union(intervals))
    return [(start, end) for start, end in clipped if end > start]


def minus(merged: Iterable[Interval], holes: Sequence[Interval]) -> Iterator[Interval]:
    """Yield the parts of sorted disjoint intervals not covered by sorted disjoint holes (lazily)."""
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
    return list(minus(union(intervals), union(holes)))


def total(intervals: Iterable[Interval]) -> timedelta:
    """Sum the lengths of intervals as given, counting empty or reversed ones as zero."""
    lengths = (end - start for start, end in map(utc_interval, intervals))
    return sum((length for length in lengths if length > ZERO), ZERO)
