"""Import one export file: parse, map names to records, upsert, and keep each row's provenance.

The API's `imports/`, the admin upload and `manage.py import_file` all call
`file_import`. Each kind has a mapper (imports.mapping) and a writer: the
ingest service of the app that owns the rows, which its API list POST uses
too. A file with rejected rows imports nothing unless `allow_partial`; a dry
run reports exactly what would happen and writes nothing. Re-importing a file
changes nothing: rows upsert on their natural key (source = format,
external_id = the export's id or a hash of the row), and the file is known by
its SHA-256.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from engagements.models import Engagement
from engagements.services.ingest import time_entries_upsert
from imports.mapping import Mapped
from imports.mapping.outages import outage_records_map
from imports.mapping.tickets import ticket_records_map
from imports.mapping.timesheets import time_records_map
from imports.models import ImportedRow, ImportFile, ImportKind
from imports.parsers import FORMATS, FileError, parse
from kernel.actor import acting_as
from kernel.batches import CHUNK, CREATED, UNCHANGED, UPDATED, BatchRejected, RowProblem, UpsertOutcome
from sla.services.ingest import outages_upsert, tickets_upsert

# Rows written per step (and per tick of the command's progress bar).
STEP = 1000

Mapper = Callable[..., Mapped]
Writer = Callable[..., UpsertOutcome]
Progress = Callable[[int, int], None]


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


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    format: str
    sha256: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    file_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as the API answers it."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _rejected_rows(problems: Sequence[RowProblem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in sorted(problems, key=lambda p: (p.row or 0, p.field or ""))]


def _write(
    writer: Writer, items: list[tuple[int, Any]], partial: bool, progress: Progress | None
) -> tuple[UpsertOutcome, list[RowProblem]]:
    """Write in steps, collecting every step's problems (a refused step leaves nothing behind)."""
    outcome, problems = UpsertOutcome(), []
    for start in range(0, len(items), STEP):
        step = items[start : start + STEP]
        try:
            done = writer(items=step, partial=partial)
        except BatchRejected as exc:
            problems += exc.problems
        else:
            problems += done.problems
            done.problems = []
            outcome.extend(done)
        if progress:
            progress(min(start + STEP, len(items)), len(items))
    return outcome, problems


def _record_file(
    report: ImportReport, *, name: str, engagement: Engagement | None, user: Any, day_first: bool | None, tz: str
) -> ImportFile:
    """Return the file's record, created on first import and refreshed when this import changed data."""
    values = {
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
        "rejected_rows": report.rejected_rows,
        "warnings": report.warnings,
    }
    record = ImportFile.objects.filter(sha256=report.sha256, kind=report.kind, format=report.format).first()
    if record is None:
        return ImportFile.objects.create(sha256=report.sha256, kind=report.kind, format=report.format, **values)
    if report.created or report.updated:
        for key, value in values.items():
            setattr(record, key, value)
        record.save()
    return record


def file_import(
    *,
    kind: str,
    fmt: str,
    data: bytes,
    name: str = "",
    engagement: Engagement | None = None,
    day_first: bool | None = None,
    tz: str | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    user: Any = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an export file of a kind and format; raise FileError when the file as a whole is unusable."""
    kind, fmt = kind.strip().lower(), fmt.strip().lower()
    if kind not in IMPORTERS or fmt not in FORMATS.get(kind, ()):
        parse(kind, fmt, b"")  # raises the FileError naming the known kinds and formats
    tz = tz or settings.TIME_ZONE
    parsed = parse(kind, fmt, data, day_first=day_first, tz=tz)
    mapper, writer = IMPORTERS[kind]
    report = ImportReport(kind=kind, format=fmt, sha256=parsed.file_sha256, dry_run=dry_run)
    report.warnings = list(parsed.warnings)
    previous = ImportFile.objects.filter(sha256=parsed.file_sha256, kind=kind, format=fmt).first()
    if previous is not None:
        report.warnings.append(
            f"This file was imported before ({previous.uploaded_at:%Y-%m-%d %H:%M}); "
            "rows already stored stay unchanged."
        )
    problems = [RowProblem(error.row, error.field, error.message) for error in parsed.errors]
    with acting_as(user, label=f"import {fmt}:{name}"[:200]), transaction.atomic():
        mapped = mapper(records=parsed.records, fmt=fmt, engagement=engagement)
        report.unmatched = {key: sorted(values) for key, values in mapped.unmatched.items() if values}
        report.warnings += mapped.warnings
        problems += mapped.problems
        rejected = {p.row for p in problems}
        items = [(row, obj) for row, obj in mapped.items if row not in rejected]
        outcome, write_problems = _write(writer, items, allow_partial, progress) if items else (UpsertOutcome(), [])
        problems += write_problems
        report.read = len(parsed.records) + len({e.row for e in parsed.errors})
        report.rejected = len({p.row for p in problems})
        report.rejected_rows = _rejected_rows(problems)
        refused = bool(problems) and not allow_partial
        if not refused:
            report.created, report.updated, report.unchanged = (outcome.count(s) for s in (CREATED, UPDATED, UNCHANGED))
        if dry_run or refused:
            transaction.set_rollback(True)
            return report
        record = _record_file(report, name=name, engagement=engagement, user=user, day_first=day_first, tz=tz)
        provenance_record(file=record, outcome=outcome)
        report.written, report.file_id = True, record.pk
    return report


def provenance_record(*, file: ImportFile, outcome: UpsertOutcome) -> int:
    """Point each created or changed record at the file and line it came from; return how many."""
    marks = []
    for row, obj, status in zip(outcome.rows, outcome.objects, outcome.statuses, strict=True):
        if status == UNCHANGED:
            continue
        content_type = ContentType.objects.get_for_model(type(obj))
        marks.append(ImportedRow(file=file, row=row, content_type=content_type, object_id=obj.pk))
    if marks:
        ImportedRow.objects.bulk_create(
            marks,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["file", "row"],
        )
    return len(marks)


__all__ = ["IMPORTERS", "FileError", "ImportReport", "file_import", "provenance_record"]
