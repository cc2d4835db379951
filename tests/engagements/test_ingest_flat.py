"""Issue 12, item 1: the time-entry rules cost the same whatever the history, and stay exact under races.

- The daily-hours check and the upsert's (source, external_id) lookup read
  through the right indexes (the plans are checked on both databases), and
  the foreign keys' single-column indexes are gone (the composite ones serve).
- On PostgreSQL the rules run once per statement: the tuples a batch reads do
  not grow with the rows already stored; a batch is checked as a whole (an
  UPDATE swapping hours between two entries of one day passes), COPY and raw
  SQL are held to the rules too; two batches sent at once that together pass
  24 h for a contractor's day: one is refused, never both stored.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from functools import partial
from typing import Any, cast

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from engagements.models import Contractor, TimeEntry
from engagements.models.entries import DAY_HOLDS
from engagements.services import ingest
from engagements.services.ingest import _PG_DAY_TOTALS, _SQLITE_DAY_TOTALS, time_entries_upsert
from kernel.batches import _PG_BY_KEYS, _SQLITE_BY_KEYS, BatchRejected, stored_by_keys
from kernel.sql import array_cursor
from tests.factories import ContractorFactory, EngagementFactory
from tests.races import at_once, skip_unless_postgresql

DAY = dt.date(2026, 3, 2)


def _contractors(count: int) -> list[Contractor]:
    engagement = EngagementFactory(start_date=dt.date(2024, 1, 1))
    return [cast(Contractor, ContractorFactory(engagement=engagement, name=f"C{i}")) for i in range(count)]


def _history(contractors: list[Contractor], days: int, source: str = "history") -> None:
    """Store 1 h per contractor and day over `days` days (bulk, through the safety net)."""
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                contractor=c,
                date=dt.date(2024, 1, 1) + dt.timedelta(days=d),
                hours=Decimal("1.00"),
                source=source,
                external_id=f"{c.pk}-{d}",
            )
            for d in range(days)
            for c in contractors
        ],
        batch_size=1000,
    )


def _batch(contractors: list[Contractor], day: dt.date, tag: str, hours: str = "2.00") -> list[TimeEntry]:
    return [
        TimeEntry(contractor=c, date=day, hours=Decimal(hours), source="batch", external_id=f"{tag}-{c.pk}")
        for c in contractors
    ]


# --- indexes and plans, both databases ------------------------------------------------------------


@pytest.mark.django_db
def test_no_single_column_index_on_the_foreign_keys_the_composite_indexes_lead_with() -> None:
    with connection.cursor() as cursor:
        for table, column in (
            ("engagements_timeentry", "contractor_id"),
            ("engagements_overheadentry", "engagement_id"),
        ):
            indexes = [
                info["columns"]
                for info in connection.introspection.get_constraints(cursor, table).values()
                if info["index"] and not info["primary_key"]
            ]
            assert [column] not in indexes, table
            assert any(columns[:2] == [column, "date"] for columns in indexes), table


@pytest.mark.django_db
def test_sqlite_triggers_daily_sum_and_the_upsert_lookup_use_the_indexes() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plans; PostgreSQL's are checked below")
    with connection.cursor() as cursor:
        # The statement of the row triggers (migration 0002), as SQLite plans it inside them.
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(hours), 0) FROM engagements_timeentry "
            "WHERE contractor_id = 1 AND date = '2026-03-02'"
        )
        day_plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        values = "('a', '1'), ('a', '2')"
        cursor.execute("EXPLAIN QUERY PLAN " + _SQLITE_BY_KEYS.format(table="engagements_timeentry", values=values))
        key_plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        values = "(1, '2026-03-02'), (2, '2026-03-02')"
        cursor.execute("EXPLAIN QUERY PLAN " + _SQLITE_DAY_TOTALS.format(values=values))
        totals_plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "engagements_time_day (contractor_id=? AND date=?)" in day_plan
    assert "engagements_timeentry_source_external_id_unique (source=? AND external_id=?)" in key_plan
    assert "engagements_time_day (contractor_id=? AND date=?)" in totals_plan
    assert "SCAN t" not in key_plan + totals_plan


@pytest.mark.django_db
def test_the_lookup_by_keys_finds_stored_rows_on_either_database() -> None:
    [anna, ben] = _contractors(2)
    _history([anna, ben], 3)
    found = stored_by_keys(TimeEntry, [("history", f"{anna.pk}-1"), ("history", f"{ben.pk}-2"), ("other", "x")])
    assert {key: entry.contractor_id for key, entry in found.items()} == {
        ("history", f"{anna.pk}-1"): anna.pk,
        ("history", f"{ben.pk}-2"): ben.pk,
    }


def _explain(sql: str, params: list[Any]) -> str:
    with array_cursor(connection.alias) as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_postgresql_plans_probe_the_indexes_as_the_table_grows_past_its_statistics() -> None:
    skip_unless_postgresql()
    with connection.cursor() as cursor:
        # The worst statistics: an import's first batch met the table analyzed while empty.
        cursor.execute("ANALYZE engagements_timeentry")
        # The trigger's plan is kept for the session, made maybe on the empty table: no scan allowed.
        cursor.execute("SELECT unnest(proconfig) FROM pg_proc WHERE proname = 'engagements_timeentry_batch_rules'")
        assert ("enable_seqscan=off",) in cursor.fetchall()
    # The service's own queries are planned at each call, from the table's size now (not its statistics).
    _history(_contractors(20), 100)
    keys = _explain(_PG_BY_KEYS.format(table="engagements_timeentry", columns="t.id"), [["a", "a"], ["1", "2"]])
    assert "Index Scan using engagements_timeentry_source_external_id_unique" in keys
    assert "Seq Scan on engagements_timeentry" not in keys
    days = _explain(_PG_DAY_TOTALS, [[1, 2], [DAY, DAY]])
    assert "engagements_time_day" in days and "Seq Scan on engagements_timeentry" not in days


# --- PostgreSQL: statement-level rules --------------------------------------------------------------


def _tuples_read() -> int:
    """Return the time-entry tuples this transaction read so far (sequential and index scans)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid) "
            "FROM pg_class c WHERE c.relname = 'engagements_timeentry'"
        )
        return int(cursor.fetchone()[0])


def _read_by_batch(contractors: list[Contractor], day: dt.date, tag: str) -> int:
    before = _tuples_read()
    time_entries_upsert(entries=_batch(contractors, day, tag))
    return _tuples_read() - before


@pytest.mark.django_db
def test_postgresql_a_batch_reads_as_many_rows_with_ten_times_the_history() -> None:
    skip_unless_postgresql()
    contractors = _contractors(20)
    _history(contractors, 25)  # 500 rows
    small = _read_by_batch(contractors, dt.date(2025, 6, 2), "small")
    _history(contractors, 250, source="more")  # 5,500 rows in all
    large = _read_by_batch(contractors, dt.date(2025, 6, 3), "large")
    # Before: the daily sums read each contractor's whole history (and the key lookup the whole source).
    assert large <= small + 5, (small, large)


@pytest.mark.django_db
def test_postgresql_a_batch_is_checked_as_a_whole_so_swapping_hours_within_a_day_passes() -> None:
    skip_unless_postgresql()
    [anna] = _contractors(1)
    first = TimeEntry.objects.create(contractor=anna, date=DAY, hours=Decimal("4.00"))
    second = TimeEntry.objects.create(contractor=anna, date=DAY, hours=Decimal("20.00"))
    # One UPDATE statement; a row trigger would see 20 + 20 when it reached the first row.
    first.hours, second.hours = Decimal("20.00"), Decimal("4.00")
    TimeEntry.objects.bulk_update([first, second], ["hours"])
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [Decimal("4.00"), Decimal("20.00")]


@pytest.mark.django_db
def test_postgresql_copy_and_raw_inserts_are_held_to_the_rules() -> None:
    skip_unless_postgresql()
    [anna] = _contractors(1)
    columns = "(contractor_id, date, hours, description, source, external_id)"
    # COPY answers psycopg's own error (Django wraps only execute()).
    with (
        pytest.raises(psycopg.errors.IntegrityError, match="engagements_timeentry_daily_hours"),
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY engagements_timeentry {columns} FROM STDIN") as copy,
    ):
        for i in range(3):
            copy.write_row((anna.pk, DAY, "9.00", "", "copy", f"c{i}"))
    with (
        pytest.raises(IntegrityError, match="engagements_timeentry_date_in_engagement"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO engagements_timeentry {columns} VALUES (%s, %s, 1, '', '', ''), (%s, %s, 1, '', '', '')",
            [anna.pk, DAY, anna.pk, dt.date(2020, 1, 1)],
        )
    assert not TimeEntry.objects.exists()


# --- PostgreSQL: concurrent batches -------------------------------------------------------------------

ROUNDS = 15


@pytest.fixture
def write_together(monkeypatch: pytest.MonkeyPatch) -> list[threading.Barrier]:
    """Make two batches of a round write only once both have passed the service's own checks.

    Then neither saw the other's rows in Python, and only the database's rule
    stands between them. The test puts a fresh barrier in the list each round.
    """
    barriers: list[threading.Barrier] = []
    write = ingest._write_entries

    def after_both_checked(*args: Any) -> None:
        barriers[-1].wait(5)
        write(*args)

    monkeypatch.setattr(ingest, "_write_entries", after_both_checked)
    return barriers


@pytest.mark.django_db(transaction=True)
def test_postgresql_two_batches_at_once_that_together_pass_24_hours_one_is_refused(
    write_together: list[threading.Barrier],
) -> None:
    skip_unless_postgresql()
    contractors = _contractors(3)
    for round_ in range(ROUNDS):
        day = DAY + dt.timedelta(days=round_)
        write_together.append(threading.Barrier(2))
        # Each batch is fine on its own (13 h per contractor); they name the contractors in opposite orders.
        one = _batch(contractors, day, f"a{round_}", hours="13.00")
        two = _batch(list(reversed(contractors)), day, f"b{round_}", hours="13.00")
        results = at_once(partial(time_entries_upsert, entries=one), partial(time_entries_upsert, entries=two))
        failed = [r for r in results if isinstance(r, BaseException)]
        assert len(failed) == 1, f"round {round_}: {results!r}"
        # The database's rule, then the loser's rows named with the day's total (the winner's hours
        # committed by then): never a deadlock, a crash or both stored.
        assert isinstance(failed[0], BatchRejected), repr(failed[0])
        problems = failed[0].problems
        assert [(p.row, p.field) for p in problems] == [(0, "hours"), (1, "hours"), (2, "hours")]
        assert all(p.message.endswith(f"would total 26.00 h; {DAY_HOLDS}.") for p in problems), problems
        for contractor in contractors:
            hours = TimeEntry.objects.filter(contractor=contractor, date=day).values_list("hours", flat=True)
            assert sum(hours, Decimal(0)) == Decimal("13.00")


@pytest.mark.django_db(transaction=True)
def test_postgresql_batches_of_the_same_contractors_in_opposite_orders_both_pass_without_deadlock(
    write_together: list[threading.Barrier],
) -> None:
    skip_unless_postgresql()
    contractors = _contractors(6)
    for round_ in range(ROUNDS):
        day = DAY + dt.timedelta(days=round_)
        write_together.append(threading.Barrier(2))
        one = _batch(contractors, day, f"a{round_}")
        two = _batch(list(reversed(contractors)), day, f"b{round_}")
        results = at_once(partial(time_entries_upsert, entries=one), partial(time_entries_upsert, entries=two))
        assert not [r for r in results if isinstance(r, BaseException)], results
    assert TimeEntry.objects.count() == ROUNDS * 12


@pytest.mark.django_db
def test_a_batch_leaves_one_audit_row_per_entry_with_its_changes_however_written() -> None:
    from django.contrib.contenttypes.models import ContentType

    from engagements.models import AuditLog
    from engagements.services.trail import COPY_AUDIT_ROWS

    contractors = _contractors(COPY_AUDIT_ROWS + 20)  # past the threshold: COPY on PostgreSQL
    time_entries_upsert(entries=_batch(contractors, DAY, "audit"))
    rows = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(TimeEntry))
    assert rows.count() == len(contractors)
    entry = TimeEntry.objects.get(external_id=f"audit-{contractors[0].pk}")
    row = rows.get(object_id=entry.pk)
    assert (row.action, row.bulk, row.at is not None) == ("create", True, True)
    assert row.changes == {
        "contractor_id": [None, contractors[0].pk],
        "date": [None, "2026-03-02"],
        "hours": [None, "2.00"],
        "description": [None, ""],
        "source": [None, "batch"],
        "external_id": [None, f"audit-{contractors[0].pk}"],
    }
    assert row.object_repr == "time entry 2026-03-02 2.00"
