"""Rates over the first and the last tenth of a run's rows (no Django, no settings: tests import it)."""

from __future__ import annotations

# (rows done, seconds since the start): the points a path's window rates are read from.
Marks = list[tuple[int, float]]


def window_rates(marks: Marks, total: int) -> tuple[float, float]:
    """Return rows/s over the first and over the last 10% of the rows, read at the nearest marks.

    `marks` start at (0, 0.0) and end at (total, seconds). The first window
    ends at the first mark at or past 10% of the rows; the last starts at the
    last mark at or before 90%.
    """
    first_end = next(m for m in marks if m[0] >= total * 0.1)
    last_start = next(m for m in reversed(marks) if m[0] <= total * 0.9)
    end = marks[-1]
    first = first_end[0] / first_end[1] if first_end[1] else float("inf")
    span = end[1] - last_start[1]
    last = (end[0] - last_start[0]) / span if span else float("inf")
    return first, last
