"""Rejected rows grouped by their reason, for people to read: one line per reason, with the lines it covers.

A file imported under the wrong engagement refuses every row for the same
reason; a thousand identical lines hide the one that matters. Groups keep the
order of their first line, and name the lines as ranges ("3-22, 25").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

# Past this many ranges, a group's lines end with "... and N more".
RANGES_SHOWN = 8


@dataclass
class RejectionGroup:
    """The rows refused for one reason (field and message)."""

    field: str | None
    message: str
    rows: list[int] = dataclass_field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def lines(self) -> str:
        """The rows as ranges: "3-22, 25, 40-41" (the first RANGES_SHOWN ranges, then how many rows more)."""
        ranges: list[tuple[int, int]] = []
        for row in sorted(set(self.rows)):
            if ranges and row == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], row)
            else:
                ranges.append((row, row))
        shown = ranges[:RANGES_SHOWN]
        text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in shown)
        hidden = sum(b - a + 1 for a, b in ranges[RANGES_SHOWN:])
        return f"{text} and {hidden:,} more" if hidden else text


def grouped(rows: Iterable[Mapping[str, Any]]) -> list[RejectionGroup]:
    """Group rejected rows ({"row", "field", "message"}) by reason, in the order of each reason's first row.

    Rows without a line (a problem of the whole file) each stay on their own.
    """
    groups: dict[tuple[str | None, str], RejectionGroup] = {}
    alone: list[RejectionGroup] = []
    for row in rows:
        line, reason = row.get("row"), (row.get("field"), str(row.get("message", "")))
        if line is None:
            alone.append(RejectionGroup(*reason))
            continue
        groups.setdefault(reason, RejectionGroup(*reason)).rows.append(int(line))
    return alone + sorted(groups.values(), key=lambda group: min(group.rows))
