"""Import one export file: parse, map names to records, upsert, and keep each row's provenance.

The API's `imports/`, the admin upload, the import job and `manage.py
import_file` all call `file_import`. Each kind has a mapper (imports.mapping)
and a writer: the ingest service of the app that owns the rows, which its API
list POST uses too. A file with rejected rows imports nothing unless
`allow_partial`; a dry run reports exactly what would happen and writes
nothing. Re-importing a file changes nothing: rows upsert on their natural key
(source = format, external_id = the export's id or a hash of the row), and the
file is known by its SHA-256.

Streaming: the file (bytes, a path or a binary file object) is never held
whole. The parser reads it once quickly (header, date order, row count; the
`counting` callback follows that pass from its first row), then rows are
parsed, mapped and written CHUNK_ROWS at a time, all inside ONE transaction:
the all-or-nothing rule needs every row checked before anything is kept, and
the rules that span rows (24 h per contractor's day, one external id per row)
must see the earlier chunks, which only written rows give them. A refused
file, a dry run or a cancellation rolls the transaction back. Only counts and
the first REJECTED_SHOWN problems are kept, so memory does not grow with the
file, with one exception: an external id repeated across chunks is found by
remembering the ids seen as 64-bit hashes (`SeenKeys`, 16 MB per million
rows), so that an id stored before the import is not updated twice; derived
ids keep a 16-byte digest per row, see imports.parsers.records.

Cost per chunk: a constant number of queries, each through an index (none
scans the table, whose rows this one transaction keeps adding: the planner's
statistics still describe the table as it was before the import).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from engagements.models import Contractor, Engagement, TimeEntry
from engagements.models.entries import DAY_HOLDS
from engagements.selectors import (
    DATES_SHOWN,
    days_without_bill_rate,
    engagements_by_name,
    future_date_message,
    time_entries_of_source_between,
)
from engagements.services.ingest import time_entries_upsert
from imports.mapping import Mapped, defaulted_warning
from imports.mapping.outages import outage_records_map
from imports.mapping.tickets import ticket_records_map
from imports.mapping.timesheets import time_records_map
from imports.models import ImportedRow, ImportFile, ImportKind
from imports.parsers import FileError
from imports.parsers.base import Parsed, printable, stream
from imports.parsers.records import DERIVED_ID_PREFIX
from imports.parsers.source import digest, opened
from kernel.actor import acting_as
from kernel.batches import CHUNK, CREATED, UNCHANGED, UPDATED, BatchRejected, RowProblem, UpsertOutcome
from kernel.months import today
from sla.models import Outage, Ticket
from sla.services.ingest import outages_upsert, tickets_upsert

# Rows parsed, mapped and written per step (and per progress call).
CHUNK_ROWS = 2000
REJECTED_SHOWN = 1000  # rejected rows listed in the report; all are counted
NOTES_SHOWN = 50  # skipped rows named one by one in the warnings; all are counted
REMOVALS_SHOWN = 50  # entries removed by `replace` described one by one; all are counted
REPLACE_KINDS = (ImportKind.TIMESHEETS.value,)
REPLACE_KIND_MESSAGE = "replace applies to timesheets: tickets and outages carry their own ids."
CORRECTED_EXPORT_HINT = (
    "Rows without an id in the export took a day past 24 h beside entries stored before: if this file is a "
    "corrected export of one imported earlier (a row whose hours or notes changed gets a new id), import it with "
    "replace, which removes the earlier versions of its days' rows."
)

Mapper = Callable[..., Mapped]
Writer = Callable[..., UpsertOutcome]
Progress = Callable[[int], None]


def _time_entries_write(*, items: Sequence[tuple[int, Any]], partial: bool = False) -> UpsertOutcome:
    """Upsert mapped time entries as one batch."""
    return time_entries_upsert(entries=[entry for _, entry in items], rows=[row for row, _ in items], partial=partial)


# kind -> (mapper, writer): the mapper turns parsed records into (row, item)
# pairs, the writer is the owning app's ingest service.
IMPORTERS: dict[str, tuple[Mapper, Writer]] = {
    ImportKind.TIMESHEETS.value: (time_records_map, _time_entries_write),
    ImportKind.TICKETS.value: (ticket_records_map, tickets_upsert),
    ImportKind.OUTAGES.value: (outage_records_map, outages_upsert),
}
# The model each kind's writer stores (source, external_id) on.
STORED: dict[str, type[models.Model]] = {
    ImportKind.TIMESHEETS.value: TimeEntry,
    ImportKind.TICKETS.value: Ticket,
    ImportKind.OUTAGES.value: Outage,
}


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do).

    `refused`: rejected rows kept the file out (no allow_partial, or not one
    row was good); a dry run says so too, as the real run would refuse.
    """

    kind: str
    format: str
    sha256: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    rate_warnings: list[str] = field(default_factory=list)  # hours on days without a bill rate (saved, not costed)
    moves: list[str] = field(default_factory=list)  # with move: rows moved (a dry run: would move) between engagements
    removed: int = 0  # with replace: entries of earlier imports removed (a dry run: would remove), all counted
    removals: list[str] = field(default_factory=list)  # the first REMOVALS_SHOWN of them, described
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    refused: bool = False
    file_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as the API answers it."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class ImportCancelled(Exception):
    """The caller's `cancelled` callback said stop: nothing was written; `report` holds the counts so far."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"import cancelled after {report.read} row(s); nothing was written")
        self.report = report


def _batches(items: Iterable[Parsed[Any]], size: int) -> Iterator[list[Parsed[Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class SeenKeys:
    """A set of keys kept as their 64-bit hashes in one flat array: 12 to 24 bytes per key, no object per key.

    The external ids seen by one run (Python's hash(), salted per process, is
    enough: nothing outlives the run). Measured with tracemalloc for a million
    (source, id) keys: a set of the tuples holds about 140 MB, a set of their
    hashes as Python ints 66 MB, this table 16 MB (24 MB at its peak while it
    doubles). Open addressing with linear probing; the table doubles past two
    thirds full. Two keys whose hashes collide read as one: for a file of a
    million distinct ids the chance that any pair does is about 3 in 100 million.
    """

    def __init__(self, capacity: int = 1 << 10) -> None:
        self._slots = array("q", [0]) * capacity  # 0 marks an empty slot
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: Hashable) -> bool:
        slots = self._slots
        code, mask = hash(key) or 1, len(slots) - 1
        index = code & mask
        while found := slots[index]:
            if found == code:
                return True
            index = (index + 1) & mask
        return False

    def add(self, key: Hashable) -> None:
        """Add `key` (nothing when it is in already)."""
        if _place(self._slots, hash(key) or 1):
            self._count += 1
            if 3 * self._count > 2 * len(self._slots):
                old, self._slots = self._slots, array("q", [0]) * (2 * len(self._slots))
                for code in old:
                    if code:
                        _place(self._slots, code)


def _place(slots: array[int], code: int) -> bool:
    """Put a hash into the table unless it is there; return whether it was new."""
    mask = len(slots) - 1
    index = code & mask
    while found := slots[index]:
        if found == code:
            return False
        index = (index + 1) & mask
    slots[index] = code
    return True


class DaySet:
    """Distinct days as one bit each over the span they cover (46 bytes a year), not a Python int per day.

    A contractor's days without a bill rate, gathered over a whole import: a
    set of day ordinals took about 68 bytes per day (68 MB for a million
    contractor-days, measured with the bench of 100 contractors over 27 years).
    """

    def __init__(self) -> None:
        self.first = 0  # the ordinal of bit 0
        self.bits = bytearray()

    def update(self, ordinals: Iterable[int]) -> None:
        """Add days given as date ordinals."""
        for day in ordinals:
            if not self.bits:
                self.first = day
            if day < self.first:
                before = (self.first - day + 7) // 8  # whole bytes in front
                self.bits[:0] = bytes(before)
                self.first -= 8 * before
            offset = day - self.first
            if offset >> 3 >= len(self.bits):
                self.bits.extend(bytes((offset >> 3) + 1 - len(self.bits)))
            self.bits[offset >> 3] |= 1 << (offset & 7)

    def __len__(self) -> int:
        return int.from_bytes(self.bits, "little").bit_count()

    def smallest(self, count: int) -> list[int]:
        """The first `count` days, as ordinals."""
        days: list[int] = []
        for index, byte in enumerate(self.bits):
            days += [self.first + 8 * index + bit for bit in range(8) if byte >> bit & 1]
            if len(days) >= count:
                break
        return days[:count]


@dataclass
class _Run:
    """One import's state between chunks: counts, the problems shown, and what each chunk needs."""

    report: ImportReport
    mapper: Mapper
    writer: Writer
    fmt: str
    engagement: Engagement | None
    allow_partial: bool
    move: bool
    stored: type[models.Model]
    replace: bool = False
    record: ImportFile | None = None
    problems: list[RowProblem] = field(default_factory=list)
    unmatched: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    defaulted: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    by_name: dict[str, Engagement] = field(default_factory=dict)
    unrated: defaultdict[int, DaySet] = field(default_factory=lambda: defaultdict(DaySet))  # contractor -> days
    later: defaultdict[int, DaySet] = field(default_factory=lambda: defaultdict(DaySet))  # days after today
    moved: Counter[tuple[str, str]] = field(default_factory=Counter)  # (engagement left, engagement joined) -> rows
    seen: SeenKeys = field(default_factory=SeenKeys)  # (source, external_id) of the rows written so far
    spans: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)  # with replace: engagement -> days
    # With replace and no partial import: every id of the file (read first), so a chunk's days can be
    # cleared of what the file no longer has before its rows are written (see _clear_days).
    file_ids: SeenKeys | None = None
    early: array[int] = field(default_factory=lambda: array("q"))  # ids removed before their day's rows
    early_notes: list[str] = field(default_factory=list)
    refusal: str = ""  # why the whole file is refused (a removal in a closed month)
    past_a_day: bool = False  # a row with a derived id was refused for 24 h (see _derived_past_a_day)

    def chunk(self, items: list[Parsed[Any]]) -> None:
        """Parse results of CHUNK_ROWS rows: map, check repeated ids, write, mark provenance."""
        self.report.read += len(items)
        problems = [RowProblem(error.row, error.field, error.message) for item in items for error in item.errors]
        for item in items:
            if item.note:
                self._note(item.row, item.note)
        records = [item.record for item in items if item.record is not None]
        mapped = self.mapper(
            records=records, fmt=self.fmt, engagement=self.engagement, move=self.move, by_name=self.by_name
        )
        for key, values in mapped.unmatched.items():
            self.unmatched[key] |= values
        self.defaulted |= mapped.defaulted
        problems += mapped.problems
        rejected = {p.row for p in problems}
        todo = [(row, obj) for row, obj in mapped.items if row not in rejected]
        problems += self._repeated_ids(todo)
        rejected = {p.row for p in problems}
        todo = [(row, obj) for row, obj in todo if row not in rejected]
        self._remember(todo)
        if todo:
            self._clear_days(todo)
        outcome = self._write(todo, problems)
        self.past_a_day |= self._derived_past_a_day(mapped.items, problems)
        self.report.rejected += len({p.row for p in problems})
        self.problems += sorted(problems, key=lambda p: (p.row or 0, p.field or ""))[
            : max(REJECTED_SHOWN - len(self.problems), 0)
        ]
        for status in (CREATED, UPDATED, UNCHANGED):
            setattr(self.report, status, getattr(self.report, status) + outcome.count(status))
        if self.record is not None:
            provenance_record(file=self.record, outcome=outcome, model=self.stored)
        # Only rows written count as moved: a rejected row stays where it is.
        for row, status in zip(outcome.rows, outcome.statuses, strict=True):
            if status == UPDATED and row in mapped.moved:
                self.moved[mapped.moved[row]] += 1
        if self.stored is TimeEntry and outcome.objects:
            for contractor_id, days in days_without_bill_rate(outcome.objects).items():
                self.unrated[contractor_id].update(day.toordinal() for day in days)
            now = today()
            for entry in outcome.objects:
                if entry.date > now:
                    self.later[entry.contractor_id].update((entry.date.toordinal(),))
        if self.replace:
            self._span(todo, outcome.rows)

    def _derived_past_a_day(self, items: list[tuple[int, Any]], problems: list[RowProblem]) -> bool:
        """Whether a row with an id derived from its content was refused for taking its day past 24 h.

        Without replace, that is what a corrected tracker export does: the
        changed row gets a new id and lands beside its old version.
        """
        if self.replace or self.stored is not TimeEntry:
            return False
        over = {p.row for p in problems if DAY_HOLDS in p.message}
        return any(row in over and obj.external_id.startswith(DERIVED_ID_PREFIX) for row, obj in items)

    def _clear_days(self, todo: list[tuple[int, Any]]) -> None:
        """Remove, before the chunk is written, this format's entries on its rows' contractor-days the file lacks.

        They are among what replace removes at the end anyway (each is on a day
        of the file's, for the engagement its row goes to); removed first, a
        corrected row (20 h -> 21 h) is checked against the day without its old
        version rather than refused for 41 h. Only when any rejected row refuses
        the file (no allow_partial) or nothing is kept (a dry run): a partial
        import may not remove anything until it knows no row was rejected.
        """
        file_ids = self.file_ids
        if file_ids is None:
            return
        days = {(entry.contractor_id, entry.date) for _, entry in todo}
        stored = time_entries_of_source_between(source=self.fmt, ranges=[(c, day, day) for c, day in days])
        stale = [pk for pk, _, _, external_id in stored if (self.fmt, external_id) not in file_ids]
        if stale and not self.refusal:
            notes = _removal_notes(stale[: max(REMOVALS_SHOWN - len(self.early_notes), 0)])
            try:
                time_entries_remove(pks=stale)
            except ValidationError as exc:
                self.refusal = _closed_month_refusal(exc)  # the rows go on being checked; the file is refused
                return
            self.early_notes += notes
            self.early.extend(stale)

    def _span(self, todo: list[tuple[int, Any]], written: Sequence[int]) -> None:
        """Widen each engagement's first and last day by the rows written (unchanged ones too): what replace covers."""
        entries = dict(todo)
        for row in written:
            entry: TimeEntry = entries[row]
            engagement_id = entry.contractor.engagement_id
            first, last = self.spans.get(engagement_id, (entry.date, entry.date))
            self.spans[engagement_id] = (min(first, entry.date), max(last, entry.date))

    def _write(self, todo: list[tuple[int, Any]], problems: list[RowProblem]) -> UpsertOutcome:
        if not todo:
            return UpsertOutcome()
        try:
            outcome = self.writer(items=todo, partial=self.allow_partial)
        except BatchRejected as exc:
            problems += exc.problems
            return UpsertOutcome()
        problems += outcome.problems
        return outcome

    def _repeated_ids(self, todo: list[tuple[int, Any]]) -> list[RowProblem]:
        """Rows whose external id an earlier chunk already had (the writer checks within a chunk).

        Remembered, not asked of the database: an id stored before the import
        and repeated in two chunks would otherwise be updated twice. The keys
        of every row handed to the writer are kept as 64-bit hashes (`SeenKeys`).
        """
        problems = []
        for row, obj in todo:
            external_id = obj["external_id"] if isinstance(obj, dict) else obj.external_id
            if external_id and (self.fmt, external_id) in self.seen:
                problems.append(RowProblem(row, "external_id", "An earlier line of the file has this external id."))
        return problems

    def _remember(self, todo: list[tuple[int, Any]]) -> None:
        for _, obj in todo:
            external_id = obj["external_id"] if isinstance(obj, dict) else obj.external_id
            if external_id:
                self.seen.add((self.fmt, external_id))

    def _note(self, row: int, note: str) -> None:
        self.report.skipped += 1
        if len(self.notes) < NOTES_SHOWN:
            self.notes.append(f"line {row}: {note}")

    def finish(self) -> None:
        """Settle the report: problems shown, unmatched names, notes, and whether the file is refused."""
        report = self.report
        report.rejected_rows = [
            {"row": p.row, "field": None if p.field is None else printable(p.field), "message": printable(p.message)}
            for p in sorted(self.problems, key=lambda p: (p.row or 0, p.field or ""))
        ]
        if report.rejected > len({p.row for p in self.problems}):
            report.warnings.append(
                f"only the first {REJECTED_SHOWN} problems are listed; {report.rejected} rows were rejected"
            )
        report.unmatched = {
            key: sorted(printable(v) for v in values) for key, values in self.unmatched.items() if values
        }
        report.warnings += [
            printable(w) for w in defaulted_warning(self._defaulted_what(), self.engagement, self.defaulted)
        ]
        report.warnings += self.notes
        if self.past_a_day:
            report.warnings.append(CORRECTED_EXPORT_HINT)
        report.rate_warnings = _rate_warnings(self.unrated)
        report.warnings += _future_warnings(self.later)
        if report.skipped > len(self.notes):
            report.warnings.append(f"... and {report.skipped - len(self.notes)} more skipped row(s)")
        good = report.created + report.updated + report.unchanged
        report.refused = bool(report.rejected) and (not self.allow_partial or not good)
        if report.refused and self.allow_partial:
            report.warnings.append("every row was rejected: nothing to import")
        if report.refused:
            report.created = report.updated = report.unchanged = 0
        else:
            report.moves = _move_notes(self.moved, kind=report.kind, dry_run=report.dry_run)

    def _defaulted_what(self) -> str:
        return (
            "Projects named like no engagement" if self.report.kind == "timesheets" else "Names matching no engagement"
        )


MOVED_NOUNS = {"timesheets": ("time entry", "time entries"), "tickets": ("ticket", "tickets")}


def _move_notes(moved: Counter[tuple[str, str]], *, kind: str, dry_run: bool) -> list[str]:
    """One line per pair of engagements: how many rows moved (would move) from one to the other."""
    one, many = MOVED_NOUNS.get(kind, ("row", "rows"))
    verb = "would move" if dry_run else "moved"
    return [
        f"{count:,} {one if count == 1 else many} {verb} from {printable(left)} to {printable(joined)}."
        for (left, joined), count in sorted(moved.items())
    ]


def _file_ids(
    kind: str,
    fmt: str,
    source: Any,
    *,
    day_first: bool | None,
    tz: str,
    cancelled: Callable[[], bool] | None,
    counted: Progress,
    report: ImportReport,
) -> SeenKeys:
    """Read the file once for its rows' ids (and the ids derived before issue 12), as hashes; rewind.

    Replace's first look: with it a chunk's days can be cleared of what the
    file no longer has before the chunk is written. One more parse of the
    file (no query); memory as `SeenKeys`, 16 MB per million rows.
    """
    ids = SeenKeys()
    start = source.tell()
    # `counted` too: the page says the file is being checked, and a cancel is heard during the count.
    for count, item in enumerate(stream(kind, fmt, source, day_first=day_first, tz=tz, counted=counted), start=1):
        record = item.record
        for external_id in (getattr(record, "external_id", None), getattr(record, "legacy_id", None)):
            if external_id:
                ids.add((fmt, external_id))
        if count % CHUNK_ROWS == 0 and cancelled is not None and cancelled():
            raise ImportCancelled(report)
    source.seek(start)
    return ids


def _replace(run: _Run) -> None:
    """With replace: remove what earlier imports of the format stored on the file's days and the file no longer has.

    Runs once every row is written, inside the import's transaction, so a dry
    run removes and rolls back like the rest (its report lists what would go).
    With any rejected row nothing is removed: a corrected row rejected would
    lose its old entry. A removal in a closed month refuses the whole file.
    """
    report = run.report
    if report.rejected:
        # A dry run's early removals (_clear_days) are rolled back with it; a real partial run made none.
        report.removed, report.removals = 0, []
        report.warnings.append(
            f"Nothing was replaced: {report.rejected:,} row(s) were rejected; removing the entries this file no "
            "longer has could remove the old version of a rejected row. Fix the rows and import the file again."
        )
        return
    stale = _stale_entries(run.fmt, run.spans, run.seen)
    report.removed = len(run.early) + len(stale)
    report.removals = run.early_notes + _removal_notes(stale[: max(REMOVALS_SHOWN - len(run.early_notes), 0)])
    try:
        time_entries_remove(pks=stale)
    except ValidationError as exc:
        _refuse(report, _closed_month_refusal(exc))


def _closed_month_refusal(exc: ValidationError) -> str:
    # The guard's words name the month; the file is refused whole, as a closed month refuses a row.
    return f"Nothing was imported: replacing would remove entries in a closed month. {' '.join(exc.messages)}"


def _stale_entries(fmt: str, spans: dict[int, tuple[dt.date, dt.date]], seen: SeenKeys) -> array[int]:
    """Ids of the entries of `fmt` on each engagement's days whose external id the file did not have.

    A query per engagement, one range scan of the (contractor, date) index per
    contractor, read in chunks and tested against the file's ids kept as
    hashes: memory grows with the entries to remove (8 bytes each), not with
    the file or the table.
    """
    stale = array("q")
    contractors: defaultdict[int, list[int]] = defaultdict(list)
    for pk, engagement_id in Contractor.objects.filter(engagement_id__in=spans).values_list("pk", "engagement_id"):
        contractors[engagement_id].append(pk)
    for engagement_id, (first, last) in sorted(spans.items()):
        ranges = [(contractor, first, last) for contractor in contractors[engagement_id]]
        for pk, _, _, external_id in time_entries_of_source_between(source=fmt, ranges=ranges):
            if (fmt, external_id) not in seen:
                stale.append(pk)
    return stale


def time_entries_remove(*, pks: Sequence[int]) -> int:
    """Delete time entries and their provenance marks, a chunk at a time; return how many.

    Through TimeEntry's queryset delete: the closed-month guards run first
    (ValidationError, nothing of the chunk deleted), and the audit trail and
    changed months record every row.
    """
    content_type = ContentType.objects.get_for_model(TimeEntry)
    removed = 0
    for start in range(0, len(pks), CHUNK):
        chunk = list(pks[start : start + CHUNK])
        removed += TimeEntry.objects.filter(pk__in=chunk).delete()[1].get(TimeEntry._meta.label, 0)
        ImportedRow.objects.filter(content_type=content_type, object_id__in=chunk).delete()
    return removed


def _removal_notes(pks: Sequence[int]) -> list[str]:
    """Describe entries: "Ada Lovelace, 2026-04-14, 4.00 h (line 12 of april.csv, imported 2026-05-02)"."""
    if not pks:
        return []
    content_type = ContentType.objects.get_for_model(TimeEntry)
    origins = {
        mark.object_id: mark
        for mark in ImportedRow.objects.filter(content_type=content_type, object_id__in=list(pks)).select_related(
            "file"
        )
    }
    notes = []
    entries = TimeEntry.objects.filter(pk__in=list(pks)).select_related("contractor").order_by("date", "pk")
    for entry in entries:
        mark = origins.get(entry.pk)
        if mark is not None:
            imported = timezone.localtime(mark.file.uploaded_at)
            origin = f"line {mark.row} of {mark.file.name or 'a file'}, imported {imported:%Y-%m-%d}"
        else:
            origin = f"{entry.source} id {entry.external_id or 'none'}"
        notes.append(printable(f"{entry.contractor.name}, {entry.date.isoformat()}, {entry.hours:.2f} h ({origin})"))
    return notes


def _refuse(report: ImportReport, message: str) -> None:
    """Refuse the whole file for a reason that is no row's (a removal in a closed month): nothing is written."""
    report.refused = True
    report.created = report.updated = report.unchanged = 0
    report.moves, report.removed, report.removals, report.rate_warnings = [], 0, [], []
    report.rejected_rows.insert(0, {"row": None, "field": "replace", "message": printable(message)})


def _rate_warnings(unrated: dict[int, DaySet]) -> list[str]:
    """One message per contractor with imported hours on days no bill rate covers (as the admin and API say it)."""
    return _per_contractor(
        unrated,
        "{who} has no bill rate in effect on {days}: the hours are saved "
        "but not costed until a contractor rate covering these days is recorded.",
    )


def _future_warnings(later: dict[int, DaySet]) -> list[str]:
    """One message per contractor with imported hours dated after today (as the admin and API say it)."""
    return _per_contractor(later, future_date_message(who="{who}", days="{days}"))


def _per_contractor(days_of: dict[int, DaySet], template: str) -> list[str]:
    """Fill `template` ({who}, {days}) for each contractor with days, sorted by name (one query)."""
    if not days_of:
        return []
    names = Contractor.objects.filter(pk__in=days_of).values_list("pk", "name", "engagement__name")
    messages = []
    for pk, name, engagement in sorted(names, key=lambda row: (row[1], row[2])):
        count = len(days_of[pk])
        shown = ", ".join(f"{dt.date.fromordinal(day):%a %d %b %Y}" for day in days_of[pk].smallest(DATES_SHOWN))
        more = f" and {count - DATES_SHOWN} more day(s)" if count > DATES_SHOWN else ""
        messages.append(printable(template.format(who=f"{name} ({engagement})", days=shown + more)))
    return messages


def _record_values(
    report: ImportReport, *, name: str, engagement: Engagement | None, user: Any, day_first: bool | None, tz: str
) -> dict[str, Any]:
    return {
        "name": name[:255],
        "engagement": engagement,
        "uploaded_by": user if getattr(user, "pk", None) else None,
        "day_first": day_first,
        "time_zone": tz,
        "read": report.read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "removed": report.removed,
        "rejected_rows": report.rejected_rows,
        "warnings": report.warnings,
    }


def file_import(
    *,
    kind: str,
    fmt: str,
    data: Any,
    name: str = "",
    engagement: Engagement | None = None,
    day_first: bool | None = None,
    tz: str | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    move: bool = False,
    replace: bool = False,
    user: Any = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    total: Progress | None = None,
    counting: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportReport:
    """Import an export file of a kind and format; raise FileError when the file as a whole is unusable.

    `data`: bytes, a path, or a binary file object (read from its position,
    left open). `move`: let rows already stored under another engagement move
    to this upload's. `replace` (timesheets): the file is the whole truth for
    its days: entries an earlier import of the format stored on each
    engagement's days of the file, and the file no longer has, are removed
    (see `_replace`). The callbacks, in order: `counting(rows_counted)` from
    the first row of the first pass on (it checks the header and the date
    order and counts the rows: seconds on a big file, before anything is
    written), `total(rows)` once the rows are counted, then `progress(rows_read)`
    with 0 and after each chunk of `chunk_rows` (CHUNK_ROWS) rows. `cancelled()`
    is asked during the count and between chunks: when it returns True the
    import stops, rolls back and raises ImportCancelled.
    """
    kind, fmt = kind.strip().lower(), fmt.strip().lower()
    if replace and kind not in REPLACE_KINDS:
        raise ValueError(REPLACE_KIND_MESSAGE)
    tz = tz or settings.TIME_ZONE
    with opened(data) as source:
        sha256 = digest(source)
        report = ImportReport(kind=kind, format=fmt, sha256=sha256, dry_run=dry_run)

        def counted(rows: int) -> None:
            if counting:
                counting(rows)
            if rows and cancelled is not None and cancelled():
                raise ImportCancelled(report)

        file_ids = None
        if replace and (dry_run or not allow_partial):
            file_ids = _file_ids(
                kind, fmt, source, day_first=day_first, tz=tz, cancelled=cancelled, counted=counted, report=report
            )
        # FileError for unknown kinds too
        records = stream(kind, fmt, source, day_first=day_first, tz=tz, counted=counted)
        if total:
            total(records.total)
        mapper, writer = IMPORTERS[kind]
        previous = ImportFile.objects.filter(sha256=sha256, kind=kind, format=fmt).first()
        if previous is not None:
            report.warnings.append(
                # In the organisation's zone, labelled, like every time the pages show.
                f"This file was imported before ({timezone.localtime(previous.uploaded_at):%Y-%m-%d %H:%M %Z}); "
                "only rows that differ from what is stored are written again."
            )
        values = {"name": name, "engagement": engagement, "user": user, "day_first": day_first, "tz": tz}
        run = _Run(
            report,
            mapper,
            writer,
            fmt,
            engagement,
            allow_partial,
            move,
            STORED[kind],
            replace=replace,
            by_name=engagements_by_name(),
            file_ids=file_ids,
        )
        with acting_as(user, label=f"import {fmt}:{name}"[:200]), transaction.atomic():
            if not dry_run:
                run.record = previous or ImportFile.objects.create(
                    sha256=sha256, kind=kind, format=fmt, **_record_values(report, **values)
                )
            if progress:
                progress(0)
            for batch in _batches(records, chunk_rows or CHUNK_ROWS):
                if cancelled is not None and cancelled():
                    raise ImportCancelled(report)
                run.chunk(batch)
                if progress:
                    progress(report.read)
            report.warnings = [printable(w) for w in records.warnings] + report.warnings
            run.finish()
            if run.refusal:
                _refuse(report, run.refusal)
            elif replace and not report.refused:
                _replace(run)
            if dry_run or report.refused:
                transaction.set_rollback(True)
                return report
            report.written, report.file_id = True, _record_save(run.record, previous, report, values)
    return report


def _record_save(
    record: ImportFile | None, previous: ImportFile | None, report: ImportReport, values: dict[str, Any]
) -> int | None:
    """Store the report on the file's record: a new one always, a known one only when this import changed data."""
    if record is not None and (previous is None or report.created or report.updated or report.removed):
        for key, value in _record_values(report, **values).items():
            setattr(record, key, value)
        record.save()
    return None if record is None else record.pk


def provenance_record(*, file: ImportFile, outcome: UpsertOutcome, model: type[models.Model]) -> int:
    """Point each created or changed record of `model` at the file and line it came from; return how many.

    The outcome's objects need only a pk (a writer may return plain rows, not model instances).
    """
    content_type = ContentType.objects.get_for_model(model)
    marks = [
        ImportedRow(file=file, row=row, content_type=content_type, object_id=obj.pk)
        for row, obj, status in zip(outcome.rows, outcome.objects, outcome.statuses, strict=True)
        if status != UNCHANGED
    ]
    if marks:
        ImportedRow.objects.bulk_create(
            marks,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["file", "row"],
        )
    return len(marks)


__all__ = [
    "IMPORTERS",
    "REPLACE_KINDS",
    "REPLACE_KIND_MESSAGE",
    "FileError",
    "ImportCancelled",
    "ImportReport",
    "file_import",
    "provenance_record",
    "time_entries_remove",
]
