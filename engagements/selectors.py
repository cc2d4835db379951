"""Reads of the engagements app for the apps above it (sla, billing, reports)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Exists, Min, OuterRef, QuerySet

from engagements.models import ComplianceAttestation, Contractor, Engagement, Milestone, TimeEntry
from kernel.batches import chunks
from kernel.months import first_of, today
from kernel.names import name_key


def engagement_dates_for(engagement_ids: list[int]) -> dict[int, tuple[dt.date, dt.date | None]]:
    """Return each engagement's (start date, end date or None while open-ended), in one query."""
    rows = Engagement.objects.filter(pk__in=engagement_ids).values_list("pk", "start_date", "end_date")
    return {pk: (start, end) for pk, start, end in rows}


def first_accepted_deliveries_for(engagement_ids: list[int], until: dt.date) -> dict[int, dt.date]:
    """Return each engagement's earliest delivered date of an accepted milestone up to a date, in one query."""
    rows = (
        Milestone.objects.filter(engagement_id__in=engagement_ids, accepted=True, delivered_date__lte=until)
        .order_by()
        .values("engagement_id")
        .annotate(first=Min("delivered_date"))
    )
    return {row["engagement_id"]: row["first"] for row in rows}


# The entries of a source on some days of some contractors, through the (contractor, date) index: one
# range scan per contractor, whatever the table's size. OFFSET 0 keeps PostgreSQL from flattening the
# LATERAL subquery into a join it might plan as a scan of the table (whose statistics, during a long
# import, still describe it as it was before).
_PG_SOURCE_ENTRIES = """
SELECT t.id, t.contractor_id, t.date, t.external_id
FROM unnest(%s::bigint[], %s::date[], %s::date[]) AS k(contractor_id, first, last)
CROSS JOIN LATERAL (SELECT e.id, e.contractor_id, e.date, e.external_id FROM {table} e
                    WHERE e.contractor_id = k.contractor_id AND e.date BETWEEN k.first AND k.last
                    AND e.source = %s OFFSET 0) t
"""
# SQLite: the ranges as a table of constants, the outer loop of the join (CROSS JOIN fixes the order).
_SQLITE_SOURCE_ENTRIES = """
WITH k(contractor_id, first, last) AS (VALUES {values})
SELECT e.id, e.contractor_id, e.date, e.external_id FROM k CROSS JOIN {table} e
    ON e.contractor_id = k.contractor_id AND e.date BETWEEN k.first AND k.last
WHERE e.source = %s
"""
ENTRIES_FETCHED = 2000  # rows read from the database at a time


def time_entries_of_source_between(
    *, source: str, ranges: Sequence[tuple[int, dt.date, dt.date]]
) -> Iterator[tuple[int, int, dt.date, str]]:
    """Yield (id, contractor id, date, external id) of `source`'s entries in each (contractor, first, last) range.

    For the importer's replace. Read ENTRIES_FETCHED rows at a time (a
    server-side cursor on PostgreSQL), so memory does not grow with the
    entries found; one query per 500 ranges.
    """
    using = router.db_for_read(TimeEntry)
    connection = connections[using]
    table = connection.ops.quote_name(TimeEntry._meta.db_table)
    for chunk in chunks(sorted(ranges)):
        if connection.vendor == "postgresql":
            sql = _PG_SOURCE_ENTRIES.format(table=table)
            params: list[Any] = [[c for c, _, _ in chunk], [f for _, f, _ in chunk], [t for _, _, t in chunk], source]
        else:
            sql = _SQLITE_SOURCE_ENTRIES.format(table=table, values=", ".join(["(%s, %s, %s)"] * len(chunk)))
            params = [v for c, f, t in chunk for v in (c, f.isoformat(), t.isoformat())] + [source]
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(ENTRIES_FETCHED):
                for pk, contractor_id, day, external_id in rows:
                    yield (
                        pk,
                        contractor_id,
                        day if isinstance(day, dt.date) else dt.date.fromisoformat(day),
                        external_id,
                    )


def engagements_by_name() -> dict[str, Engagement]:
    """Return every engagement keyed by its matching name (see kernel.names.name_key), in one query."""
    engagements = Engagement.objects.only("id", "name", "model", "start_date", "end_date").order_by("pk")
    return {name_key(engagement.name): engagement for engagement in engagements}


def engagement_matching(name: str | None) -> Engagement | None:
    """Return the engagement a typed name means (whitespace and case aside), or None."""
    key = name_key(name)
    return engagements_by_name().get(key) if key else None


# --- Hours without a bill rate -------------------------------------------------------------------
# Bill rates live in billing, a layer above: billing registers how to read them (BillingConfig.ready),
# so that the admin, the API and imports can warn about hours no rate prices.
BillRateStarts = Callable[[Collection[int]], dict[int, dt.date]]
_bill_rate_starts: list[BillRateStarts] = []
DATES_SHOWN = 5


def register_bill_rate_starts(reader: BillRateStarts) -> None:
    """Register how to read each contractor's first bill rate date (once, however often it is called)."""
    if reader not in _bill_rate_starts:
        _bill_rate_starts.append(reader)


def _days_by_contractor(entries: Iterable[Any]) -> dict[int, set[dt.date]]:
    days: dict[int, set[dt.date]] = defaultdict(set)
    for entry in entries:
        if isinstance(entry, dict):
            contractor_id, day = entry["contractor_id"], entry["date"]
        else:
            contractor_id, day = entry.contractor_id, entry.date
        if contractor_id is not None and day is not None:
            days[contractor_id].add(day)
    return days


def _dates(days: list[dt.date]) -> str:
    shown = ", ".join(f"{day:%a %d %b %Y}" for day in days[:DATES_SHOWN])
    return shown + (f" and {len(days) - DATES_SHOWN} more day(s)" if len(days) > DATES_SHOWN else "")


def days_without_bill_rate(entries: Iterable[Any]) -> dict[int, list[dt.date]]:
    """Return, per contractor, the days of these entries on which no bill rate is in effect (two queries at most).

    `entries` are time entries, or dicts with `contractor_id` and `date`. A rate
    is in effect from its date until the next one, so a day lacks one exactly
    when it comes before the contractor's first rate (or there is none).
    """
    days = _days_by_contractor(entries)
    if not days or not _bill_rate_starts:
        return {}
    starts: dict[int, dt.date] = {}
    for reader in _bill_rate_starts:
        starts.update(reader(list(days)))
    missing = {}
    for contractor_id, dates in days.items():
        first = starts.get(contractor_id)
        uncovered = sorted(day for day in dates if first is None or day < first)
        if uncovered:
            missing[contractor_id] = uncovered
    return missing


def missing_rate_warnings(entries: Iterable[Any]) -> list[str]:
    """Return one message per contractor whose hours among `entries` fall on days without a bill rate in effect.

    The hours are stored all the same; until a rate covers them the cost engine
    leaves them out of the staff augmentation cost and the report marks the month
    incomplete (docs/definitions.md "Data completeness").
    """
    missing = days_without_bill_rate(entries)
    if not missing:
        return []
    names = Contractor.objects.filter(pk__in=missing).values_list("pk", "name", "engagement__name")
    messages = []
    for pk, name, engagement in sorted(names, key=lambda row: (row[1], row[2])):
        messages.append(
            f"{name} ({engagement}) has no bill rate in effect on {_dates(missing[pk])}: the hours are saved "
            "but not costed until a contractor rate covering these days is recorded."
        )
    return messages


def future_date_warnings(entries: Iterable[Any]) -> list[str]:
    """Return one message per contractor whose hours among `entries` are dated after the organisation's today.

    Stored all the same (time planned ahead is recorded by some teams), but a
    timesheet records work done, and a date in the future is far more often a
    typo in the year or a day-first date read the other way round.
    """
    now = today()
    later = {
        contractor_id: sorted(day for day in days if day > now)
        for contractor_id, days in _days_by_contractor(entries).items()
        if max(days) > now
    }
    if not later:
        return []
    names = Contractor.objects.filter(pk__in=later).values_list("pk", "name", "engagement__name")
    return [
        future_date_message(who=f"{name} ({engagement})", days=_dates(later[pk]))
        for pk, name, engagement in sorted(names, key=lambda row: (row[1], row[2]))
    ]


def future_date_message(*, who: str, days: str) -> str:
    """The words of a future-date warning, wherever time entries are written (the importer's too)."""
    return (
        f"{who} has hours dated after today ({today():%a %d %b %Y}) on {days}: they are saved and counted in "
        "their month; correct the date if it is a typo."
    )


def entry_warnings(entries: Iterable[Any]) -> list[str]:
    """Return what stored time entries still lack or look wrong in: days without a bill rate, dates after today."""
    entries = list(entries)
    return missing_rate_warnings(entries) + future_date_warnings(entries)


# --- Closed months -------------------------------------------------------------------------------
# Periods are billing's; its registered reader tells pages here which months are closed. The write
# guard refuses writes into them whatever a page shows: this is only so that pages can say so first.
ClosedMonths = Callable[[Collection[dt.date]], set[dt.date]]
_closed_months: list[ClosedMonths] = []


def register_closed_months(reader: ClosedMonths) -> None:
    """Register how to read which months are closed (once, however often it is called)."""
    if reader not in _closed_months:
        _closed_months.append(reader)


def closed_months(days: Iterable[dt.date]) -> set[dt.date]:
    """Return the first days of the closed months among the months of these days."""
    months = {first_of(day) for day in days}
    closed: set[dt.date] = set()
    for reader in _closed_months:
        closed |= reader(months)
    return closed


def attestations_expiring(until: dt.date) -> QuerySet[ComplianceAttestation]:
    """Vendors' compliance attestations expiring on or before a date, soonest first (expired ones included).

    Only each vendor's latest attestation of a type counts: one renewed already is not expiring.
    """
    newer = ComplianceAttestation.objects.filter(
        vendor=OuterRef("vendor"), type=OuterRef("type"), expires__gt=OuterRef("expires")
    )
    return (
        ComplianceAttestation.objects.filter(expires__lte=until)
        .filter(~Exists(newer))
        .select_related("vendor")
        .order_by("expires", "pk")
    )
