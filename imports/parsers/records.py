"""Plain records the parsers produce, and the stable ids of rows without one.

Derived ids: when an export carries no id of its own (Harvest, Toggl, Clockify,
a Kimai export without its ID column, UptimeRobot, or a blank external_id cell
in a generic file), the id is `"sha256:" + 32 hex digits` of the row's
*parsed* content (names case-folded and whitespace-collapsed, numbers, dates and
UTC timestamps in canonical form). The same row therefore maps to the same key
on every re-import, even when re-exported with another locale or delimiter.
Identical rows within one file are numbered by occurrence (#2, #3...) so both
are kept, and the parser warns about them. Outages hash only the monitor and
start, so an open outage keeps its id once it has ended.

Time entries hash only the columns that identify the entry: the person, the
project, the day, the hours, the description and the start time. Until issue
12 the person's email, the client and the task (Kimai's Activity) were hashed
too, so the same row exported with or without one of those columns got two
ids. Rows where all three were blank keep their id (the hashed text is the
same); for the others the record also carries that earlier id (`legacy_id`),
and the importer keeps an entry stored under it rather than adding a second.

Memory: only a 16-byte digest per distinct row is kept to number repeats.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

DUPLICATES_SHOWN = 20  # identical-row notes listed one by one; the rest are counted


# How every id derived from a row's content begins (an export's own ids are kept as they are).
DERIVED_ID_PREFIX = "sha256:"


@dataclass(frozen=True)
class TimeRecord:
    """One time entry as an export states it."""

    row: int
    person: str
    email: str | None
    project: str | None
    client: str | None
    task: str | None
    date: date
    hours: Decimal
    description: str
    billable: bool | None
    external_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    legacy_id: str | None = None  # the id derived before issue 12, where it differs


@dataclass(frozen=True)
class TicketRecord:
    """One help-desk ticket; priority is P1-P4, category one of CATEGORIES."""

    row: int
    external_id: str
    engagement_hint: str | None
    priority: str
    category: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    summary: str


@dataclass(frozen=True)
class OutageRecord:
    """One interval of downtime of a monitored service; ended_at None = still open."""

    row: int
    monitor: str
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta | None
    reason: str
    external_id: str
    planned: bool = False


class StableIds:
    """Derives repeatable external ids from rows' normalised content."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._first_row: dict[bytes, int] = {}
        self._repeats: Counter[bytes] = Counter()
        self._legacy: Counter[bytes] = Counter()
        self.duplicates: list[tuple[int, int]] = []
        self.duplicate_count = 0

    def derive(self, row: int, *parts: object) -> str:
        """The id for content `parts` of `row` (numbered if already seen)."""
        content = self._content(parts)
        digest = hashlib.sha256(content.encode("utf-8")).digest()
        first = self._first_row.setdefault(digest[:16], row)
        if first == row:
            return DERIVED_ID_PREFIX + digest.hex()[:32]
        self._repeats[digest[:16]] += 1
        self.duplicate_count += 1
        if len(self.duplicates) < DUPLICATES_SHOWN:
            self.duplicates.append((first, row))
        content += f"\x1f#{self._repeats[digest[:16]] + 1}"
        return DERIVED_ID_PREFIX + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]

    def legacy(self, *parts: object) -> str:
        """The id the same content had under an earlier choice of hashed columns (numbered the same way)."""
        content = self._content(parts)
        digest = hashlib.sha256(content.encode("utf-8")).digest()
        self._legacy[digest[:16]] += 1
        if self._legacy[digest[:16]] == 1:
            return DERIVED_ID_PREFIX + digest.hex()[:32]
        content += f"\x1f#{self._legacy[digest[:16]]}"
        return DERIVED_ID_PREFIX + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]

    def _content(self, parts: tuple[object, ...]) -> str:
        return "\x1f".join([self._kind, *(_normalise(part) for part in parts)])

    def warnings(self) -> list[str]:
        """Notes on identical rows, which may be an export pasted in twice."""
        notes = [
            f"rows {first} and {again} are identical; both were kept with distinct ids "
            "(if the file repeats an export, remove the overlap)"
            for first, again in self.duplicates
        ]
        if self.duplicate_count > len(self.duplicates):
            notes.append(f"... and {self.duplicate_count - len(self.duplicates)} more identical row(s)")
        return notes


def _normalise(part: object) -> str:
    """Canonical text of one value for hashing."""
    if part is None:
        return ""
    if isinstance(part, datetime | date):
        return part.isoformat()
    if isinstance(part, Decimal):
        return format(part.normalize(), "f")
    return " ".join(str(part).split()).casefold()
