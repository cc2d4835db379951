"""Time entries in bulk: the upsert on (source, external_id) behind the API's list POST and file imports.

A batch is all or nothing unless the caller asks for a partial write; each
problem names the row (the index in an API list, or the line of a file) and
the field. Time entries, the largest table, are validated and written as a
batch with a constant number of queries (sla's tickets and outages go row by
row through their own services, see sla.services.ingest).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import CharField

from engagements.models import Contractor, TimeEntry
from engagements.models.entries import DAY_HOLDS, MAX_HOURS_PER_DAY, check_date_in, check_hours
from kernel.batches import (
    CHUNK,
    CREATED,
    UNCHANGED,
    UPDATED,
    BatchRejected,
    RowProblem,
    UpsertOutcome,
    chunks,
    duplicate_keys,
    problems_of,
    stored_by_keys,
)
from kernel.months import month_of
from kernel.services import translate_database_error

TIME_ENTRY_FIELDS = ("contractor_id", "date", "hours", "description")
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ENGAGEMENT = Contractor._meta.get_field("engagement")


@dataclass(slots=True)
class EntryRow:
    """A time entry's values as a batch carries them: a batch of 1,000 rows builds no model instance.

    `pk` is set once the row is stored. Outcomes hold these for the rows a batch
    wrote (and the stored TimeEntry for unchanged rows): both have the row's
    pk, contractor_id and date.
    """

    contractor_id: int
    date: dt.date
    hours: Decimal
    description: str = ""
    source: str = ""
    external_id: str = ""
    pk: int | None = None

    @classmethod
    def of(cls, entry: TimeEntry | EntryRow) -> EntryRow:
        """Return an entry's values (a model instance's, from a parser or a form) as a row."""
        if isinstance(entry, EntryRow):
            return entry
        return cls(
            entry.contractor_id, entry.date, entry.hours, entry.description, entry.source, entry.external_id, entry.pk
        )

    def values(self) -> dict[str, Any]:
        """Return the row's column values by attname."""
        return {
            "contractor_id": self.contractor_id,
            "date": self.date,
            "hours": self.hours,
            "description": self.description,
            "source": self.source,
            "external_id": self.external_id,
        }

    def as_instance(self) -> TimeEntry:
        """Return the row as an unsaved TimeEntry (for Django's field validation and its messages)."""
        return TimeEntry(pk=self.pk, **self.values())


_COLUMNS = ("contractor_id", "date", "hours", "description", "source", "external_id")


# The stored hours of each (contractor, day) pair of a batch, read through the (contractor, date) index:
# one range scan of one day per pair, whatever the batch's date range and the table's size.
_PG_DAY_TOTALS = """
SELECT k.contractor_id, k.day, s.total FROM unnest(%s::bigint[], %s::date[]) AS k(contractor_id, day)
CROSS JOIN LATERAL (SELECT SUM(t.hours) AS total FROM engagements_timeentry t
                    WHERE t.contractor_id = k.contractor_id AND t.date = k.day) s
WHERE s.total IS NOT NULL
"""
# SQLite: the pairs as a table of constants, the outer loop of the join (CROSS JOIN fixes the order).
_SQLITE_DAY_TOTALS = """
WITH k(contractor_id, day) AS (VALUES {values})
SELECT k.contractor_id, k.day, SUM(t.hours) FROM k CROSS JOIN engagements_timeentry t
    ON t.contractor_id = k.contractor_id AND t.date = k.day
GROUP BY k.contractor_id, k.day
"""


def _stored_day_totals(pairs: set[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], Decimal]:
    """Return the stored hours per (contractor, day) of the batch (one query per 500 pairs)."""
    totals: dict[tuple[int, dt.date], Decimal] = {}
    connection = connections[router.db_for_read(TimeEntry)]
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(pairs)):
            if connection.vendor == "postgresql":
                cursor.execute(_PG_DAY_TOTALS, [[cid for cid, _ in chunk], [day for _, day in chunk]])
            else:
                values = ", ".join(["(%s, %s)"] * len(chunk))
                params = [v for cid, day in chunk for v in (cid, day.isoformat())]
                cursor.execute(_SQLITE_DAY_TOTALS.format(values=values), params)
            for cid, day, total in cursor.fetchall():
                day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
                # SQLite sums decimals as floats; hours have 2 places, so round back.
                totals[(cid, day)] = Decimal(str(total)).quantize(_CENT)
    return totals


Changed = Sequence[tuple[int, EntryRow]]


def _check_day_totals(
    changed: Changed, old: dict[int, TimeEntry], contractors: dict[int, Contractor]
) -> list[RowProblem]:
    """Refuse rows that take a contractor past 24 h on a day, with what is stored and the rest of the batch."""
    pairs = {(entry.contractor_id, entry.date) for _, entry in changed}
    totals = _stored_day_totals(pairs)
    for stored in old.values():
        key = (stored.contractor_id, stored.date)
        if key in totals:
            totals[key] -= stored.hours
    rows_of: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for row, entry in changed:
        key = (entry.contractor_id, entry.date)
        totals[key] = totals.get(key, Decimal(0)) + entry.hours
        rows_of[key].append(row)
    problems = []
    for key, total in totals.items():
        if total > MAX_HOURS_PER_DAY and key in rows_of:
            name = contractors[key[0]].name
            for row in rows_of[key]:
                problems.append(
                    RowProblem(row, "hours", f"{name}'s hours on {key[1]} would total {total} h; {DAY_HOLDS}.")
                )
    return problems


def _check_closed_months(
    changed: Changed, old: dict[int, TimeEntry], contractors: dict[int, Contractor]
) -> list[RowProblem]:
    """Refuse rows that touch a closed month (one guard run per distinct month of the batch)."""
    # Each contractor's days, then each day's month once: a batch has far fewer days than rows.
    days_by_contractor: dict[int, set[dt.date]] = defaultdict(set)
    for _, entry in changed:
        days_by_contractor[entry.contractor_id].add(entry.date)
        if entry.pk in old:
            stored = old[entry.pk]
            days_by_contractor[stored.contractor_id].add(stored.date)
    month_by_day = {day: month_of(day) for days in days_by_contractor.values() for day in days}
    keys_by_month: dict[dt.date, set[tuple[int, dt.date]]] = defaultdict(set)
    for contractor_id, days in days_by_contractor.items():
        engagement_id = contractors[contractor_id].engagement_id
        for month in {month_by_day[day] for day in days}:
            keys_by_month[month].add((engagement_id, month))
    problems = []
    for month, keys in sorted(keys_by_month.items()):
        try:
            TimeEntry.check_guards(keys)
        except ValidationError as exc:
            rows = _rows_in_month(changed, old, month)
            problems += [RowProblem(row, "date", message) for row in rows for message in exc.messages]
    return problems


def _rows_in_month(changed: Changed, old: dict[int, TimeEntry], month: dt.date) -> list[int]:
    """Return the rows whose new or stored date falls in a month (to name them when it is closed)."""
    rows = []
    for row, entry in changed:
        stored = old.get(entry.pk) if entry.pk is not None else None
        if month_of(entry.date) == month or (stored is not None and month_of(stored.date) == month):
            rows.append(row)
    return sorted(rows)


# TimeEntry's text columns' lengths and its hours' digits: what its fields' own validation checks.
_DESCRIPTION, _SOURCE, _EXTERNAL_ID = (
    cast(int, cast(CharField, TimeEntry._meta.get_field(name)).max_length)
    for name in ("description", "source", "external_id")
)
_HOURS = TimeEntry._meta.get_field("hours")
_HOURS_BELOW = Decimal(10) ** (_HOURS.max_digits - _HOURS.decimal_places)
_HOURS_QUANTUM = Decimal(1).scaleb(-_HOURS.decimal_places)


def _plainly_valid(entry: EntryRow) -> bool:
    """Return whether the row's values are already what TimeEntry's fields accept (most rows).

    Only the others go through Django's field validation, for its messages (and
    its conversions: a parser's hours as text become a Decimal); a batch of a
    thousand good rows builds no model instance to validate. Spelled out field
    by field: this runs once per row of every batch.
    """
    hours, description, source, external_id = entry.hours, entry.description, entry.source, entry.external_id
    return (
        type(entry.date) is dt.date
        and type(hours) is Decimal
        and hours.is_finite()
        # The API's hours come at the column's places (same_quantum); others have their places counted.
        and (hours.same_quantum(_HOURS_QUANTUM) or int(hours.as_tuple().exponent) >= -_HOURS.decimal_places)
        and abs(hours) < _HOURS_BELOW
        and type(description) is str
        and type(source) is str
        and type(external_id) is str
        and len(description) <= _DESCRIPTION
        and len(source) <= _SOURCE
        and len(external_id) <= _EXTERNAL_ID
    )


def _field_problems(row: int, entry: EntryRow) -> list[RowProblem]:
    """Run Django's field validation on a row that is not plainly valid; keep its converted values."""
    instance = entry.as_instance()
    try:
        instance.clean_fields(exclude=["contractor"])
    except ValidationError as exc:
        return problems_of(row, exc)
    for name in _COLUMNS:
        setattr(entry, name, getattr(instance, name))
    return []


def _validate_entries(
    changed: Changed, old: dict[int, TimeEntry], contractors: dict[int, Contractor], *, day_totals: bool
) -> list[RowProblem]:
    """Apply TimeEntry's rules to a batch with a constant number of queries.

    `day_totals=False` leaves the 24 h rule to the database (its triggers hold
    every write to it): a batch that breaks it is refused by the insert, and
    only then are its days read to name the rows (see _write_entries).
    """
    problems: list[RowProblem] = []
    for row, entry in changed:
        engagement = contractors[entry.contractor_id].engagement
        if _plainly_valid(entry):
            if _ZERO < entry.hours <= MAX_HOURS_PER_DAY and engagement.covers(entry.date):
                continue  # most rows: the two rules below hold, no error dicts built
        else:
            found = _field_problems(row, entry)
            if found:
                problems += found
                continue
        errors = check_hours(entry.hours) | check_date_in(engagement, entry.date)
        if errors:
            problems += [RowProblem(row, name, message) for name, message in errors.items()]
    if problems:
        return problems
    if day_totals:
        problems = _check_day_totals(changed, old, contractors)
    return problems or _check_closed_months(changed, old, contractors)


def _write_entries(
    changed: Changed, statuses: dict[int, str], old: dict[int, TimeEntry], contractors: dict[int, Contractor]
) -> None:
    creates = [entry for row, entry in changed if statuses[row] == CREATED]
    updates = [entry for row, entry in changed if statuses[row] == UPDATED]
    try:
        with transaction.atomic():
            if creates:
                engagements = [contractors[entry.contractor_id].engagement_id for entry in creates]
                pks = TimeEntry.objects.insert_rows([entry.values() for entry in creates], engagements)
                for entry, pk in zip(creates, pks, strict=True):
                    entry.pk = pk
            if updates:
                TimeEntry.objects.bulk_update(
                    [entry.as_instance() for entry in updates],
                    ["contractor", "date", "hours", "description"],
                    batch_size=CHUNK,
                )
    except (IntegrityError, DatabaseError) as exc:
        # A rule the database enforces refused the batch (or a race this batch lost). The savepoint
        # is rolled back: the days can be read to name the rows that take a day past 24 h.
        error = translate_database_error(exc)
        if error is None:
            if isinstance(exc, IntegrityError):
                raise BatchRejected(
                    [
                        RowProblem(
                            None, None, "Another request stored some of these rows meanwhile; send the batch again."
                        )
                    ]
                ) from exc
            raise
        raise BatchRejected(_check_day_totals(changed, old, contractors) or problems_of(None, error)) from exc
    except ValidationError as exc:
        raise BatchRejected(problems_of(None, exc)) from exc


@transaction.atomic
def time_entries_upsert(
    *,
    entries: Sequence[TimeEntry | EntryRow],
    rows: Sequence[int] | None = None,
    partial: bool = False,
    contractors: Mapping[int, Contractor] | None = None,
) -> UpsertOutcome:
    """Create or update time entries matched on (source, external_id); all or nothing unless partial.

    Entries without an external id are always created. The queries per batch
    do not grow with its rows (beyond one per 500 rows for the bulk writes).
    The outcome holds an EntryRow for each row written and the stored
    TimeEntry for each row unchanged. `contractors` are the batch's, already
    read with their engagements (the API's validation read them): they are not read again.
    """
    batch = [EntryRow.of(entry) for entry in entries]
    rows = list(rows) if rows is not None else list(range(len(batch)))
    problems = duplicate_keys([(row, e.source, e.external_id) for row, e in zip(rows, batch, strict=True)])
    existing = stored_by_keys(TimeEntry, [(e.source, e.external_id) for e in batch])
    ids = {e.contractor_id for e in batch} | {e.contractor_id for e in existing.values()}
    known = {pk: c for pk, c in (contractors or {}).items() if _ENGAGEMENT.is_cached(c)}
    if ids - known.keys():
        known |= Contractor.objects.select_related("engagement").in_bulk(ids - known.keys())
    contractors = {pk: known[pk] for pk in ids if pk in known}
    statuses: dict[int, str] = {}
    old: dict[int, TimeEntry] = {}
    result: dict[int, EntryRow | TimeEntry] = {}
    changed: list[tuple[int, EntryRow]] = []
    for row, entry in zip(rows, batch, strict=True):
        if entry.contractor_id not in contractors:
            problems.append(RowProblem(row, "contractor", f"No contractor has id {entry.contractor_id}."))
            continue
        stored = existing.get((entry.source, entry.external_id)) if entry.external_id else None
        if stored is not None and all(getattr(stored, f) == getattr(entry, f) for f in TIME_ENTRY_FIELDS):
            statuses[row], result[row] = UNCHANGED, stored
            continue
        if stored is not None:
            entry.pk = stored.pk
            old[stored.pk] = stored
        statuses[row], result[row] = (UPDATED if stored is not None else CREATED), entry
        changed.append((row, entry))
    # A partial write must know its bad rows before writing; a whole batch lets the database judge the days.
    problems += _validate_entries(changed, old, contractors, day_totals=partial)
    if problems and not partial:
        raise BatchRejected(problems)
    bad = {p.row for p in problems}
    changed = [(row, entry) for row, entry in changed if row not in bad]
    _write_entries(changed, statuses, old, contractors)
    kept = [row for row in rows if row in result and row not in bad] if bad or len(result) < len(rows) else rows
    return UpsertOutcome(
        objects=[result[row] for row in kept], statuses=[statuses[row] for row in kept], rows=kept, problems=problems
    )
