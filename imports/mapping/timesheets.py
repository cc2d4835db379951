"""Timesheet records to time entries: people to contractors, projects to engagements, by name."""

from __future__ import annotations

from collections.abc import Sequence

from engagements.models import Contractor, Engagement, TimeEntry
from engagements.selectors import engagements_by_name
from imports.mapping import MOVE_HINT, Mapped, defaulted_warning
from imports.parsers import TimeRecord
from kernel.batches import RowProblem, stored_by_keys
from kernel.names import name_key


def _contractor_index(engagement_ids: set[int]) -> dict[tuple[int, str], Contractor]:
    """Index the engagements' contractors by (engagement, name) and (engagement, email)."""
    index: dict[tuple[int, str], Contractor] = {}
    for contractor in Contractor.objects.filter(engagement_id__in=engagement_ids).select_related("engagement"):
        index.setdefault((contractor.engagement_id, name_key(contractor.name)), contractor)
        if contractor.email:
            index.setdefault((contractor.engagement_id, contractor.email.strip().casefold()), contractor)
    return index


def _stored_engagements(fmt: str, records: Sequence[TimeRecord]) -> dict[str, tuple[int, str]]:
    """(engagement id, name) of the stored entries sharing the records' ids or earlier ids.

    Through `stored_by_keys`: one probe of the unique index per id. An
    `external_id IN (...)` filter was planned on `source` alone while the
    statistics described the table before a long import, reading every row of
    the source per chunk (the import's cost grew with the rows it had written).
    """
    ids = {r.external_id for r in records if r.external_id} | {r.legacy_id for r in records if r.legacy_id}
    stored = stored_by_keys(TimeEntry, [(fmt, external_id) for external_id in ids])
    if not stored:
        return {}
    engagements = {
        pk: (engagement_id, name)
        for pk, engagement_id, name in Contractor.objects.filter(
            pk__in={entry.contractor_id for entry in stored.values()}
        ).values_list("pk", "engagement_id", "engagement__name")
    }
    return {external_id: engagements[entry.contractor_id] for (_, external_id), entry in stored.items()}


def time_records_map(
    *,
    records: Sequence[TimeRecord],
    fmt: str,
    engagement: Engagement | None,
    move: bool = False,
    by_name: dict[str, Engagement] | None = None,
) -> Mapped:
    """Turn timesheet records into unsaved time entries, listing people and projects that match nothing.

    A row's project (the generic format's engagement column) is matched to an
    engagement by name; a tracker's project that matches none falls back to the
    upload's engagement. The person must be a contractor of that engagement,
    matched by name or email. An entry already stored under another engagement
    is refused unless `move` (re-importing a file under another engagement
    would otherwise move its entries silently). An entry stored under the id
    derived before issue 12 (`legacy_id`) keeps that id.
    """
    by_name = engagements_by_name() if by_name is None else by_name
    mapped = Mapped()
    defaulted: set[str] = set()
    chosen: list[tuple[TimeRecord, Engagement]] = []
    for record in records:
        target = by_name.get(name_key(record.project)) if record.project else None
        if target is None and record.project and fmt == "generic":
            mapped.problems.append(RowProblem(record.row, "engagement", f"No engagement is named '{record.project}'."))
            mapped.unmatched["projects"].add(record.project)
            continue
        if target is None and engagement is not None:
            if record.project:
                defaulted.add(record.project)
            target = engagement
        if target is None:
            what = f"Project '{record.project}' matches no engagement" if record.project else "The row names no project"
            mapped.problems.append(RowProblem(record.row, "project", f"{what}; choose the engagement for the upload."))
            if record.project:
                mapped.unmatched["projects"].add(record.project)
            continue
        chosen.append((record, target))
    index = _contractor_index({target.pk for _, target in chosen})
    stored = _stored_engagements(fmt, [record for record, _ in chosen])
    for record, target in chosen:
        contractor = index.get((target.pk, name_key(record.person)))
        if contractor is None and record.email:
            contractor = index.get((target.pk, record.email.strip().casefold()))
        if contractor is None:
            mapped.problems.append(
                RowProblem(
                    record.row, "person", f"'{record.person}' is no contractor of {target.name} (by name or email)."
                )
            )
            mapped.unmatched["people"].add(f"{record.person} ({target.name})")
            continue
        external_id = record.external_id or ""
        if record.legacy_id in stored and external_id not in stored:
            external_id = record.legacy_id
        before = stored.get(external_id)
        if before is not None and before[0] != target.pk and not move:
            mapped.problems.append(
                RowProblem(
                    record.row,
                    "engagement",
                    f"This entry was imported before under {before[1]}; importing it under {target.name} "
                    f"would move it: {MOVE_HINT}.",
                )
            )
            continue
        if before is not None and before[0] != target.pk:
            mapped.moved[record.row] = (before[1], target.name)
        entry = TimeEntry(
            contractor=contractor,
            date=record.date,
            hours=record.hours,
            description=record.description[:500],
            source=fmt,
            external_id=external_id[:200],
        )
        mapped.items.append((record.row, entry))
    mapped.defaulted = defaulted
    mapped.warnings += defaulted_warning("Projects named like no engagement", engagement, defaulted)
    return mapped
