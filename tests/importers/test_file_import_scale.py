"""Issue 12 at scale: a file import whose cost per chunk does not grow, which shows progress at once, and which
refuses an external id repeated in a later chunk even when that id was stored before the import."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import Contractor, TimeEntry
from imports import services
from imports.parsers import table
from imports.services import DaySet, SeenKeys, file_import

pytestmark = pytest.mark.django_db

HEADER = "external_id,contractor,date,hours,description\n"
FIRST_DAY = dt.date(2024, 4, 1)


def generic(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def entries(count: int, *, prefix: str = "S") -> list[str]:
    """`count` rows of one hour for Priya Nair, one a day."""
    return [f"{prefix}-{i},Priya Nair,{FIRST_DAY + dt.timedelta(days=i)},1,day {i}" for i in range(count)]


def run(world: Any, data: bytes, **options: Any) -> services.ImportReport:
    return file_import(kind="timesheets", fmt="generic", data=data, engagement=world.help_desk, **options)


# An id repeated across chunks


def test_an_id_stored_before_the_import_and_repeated_in_a_later_chunk_is_refused_by_line(import_world) -> None:
    TimeEntry.objects.create(
        contractor=Contractor.objects.get(name="Priya Nair"),
        date=FIRST_DAY,
        hours=1,
        description="stored before",
        source="generic",
        external_id="S-0",
    )
    rows = entries(5)
    rows.append(f"S-0,Priya Nair,{FIRST_DAY + dt.timedelta(days=9)},3,again")  # line 7, the third chunk
    report = run(import_world, generic(*rows), chunk_rows=2, allow_partial=True)
    assert report.rejected_rows == [
        {"row": 7, "field": "external_id", "message": "An earlier line of the file has this external id."}
    ]
    assert (report.created, report.updated, report.rejected) == (4, 1, 1)
    stored = TimeEntry.objects.get(external_id="S-0")
    assert (stored.description, stored.date) == ("day 0", FIRST_DAY)  # the first line's values, updated once


def test_a_repeat_in_a_later_chunk_keeps_the_whole_file_out_without_allow_partial(import_world) -> None:
    report = run(import_world, generic(*entries(4), f"S-1,Priya Nair,{FIRST_DAY},1,again"), chunk_rows=2)
    assert report.refused and [r["row"] for r in report.rejected_rows] == [6]
    assert not TimeEntry.objects.exists()


def test_ids_of_other_sources_or_blank_ids_are_not_repeats(import_world) -> None:
    data = generic("A,Priya Nair,2024-04-01,1,a", ",Priya Nair,2024-04-02,1,b", ",Priya Nair,2024-04-03,1,c")
    assert run(import_world, data, chunk_rows=1).created == 3


def test_the_seen_keys_remember_every_key_added_and_no_other() -> None:
    seen = SeenKeys(capacity=4)  # grows past two thirds full, several times here
    for i in range(1000):
        seen.add(("generic", f"K-{i}"))
    seen.add(("generic", "K-1"))
    assert len(seen) == 1000
    assert all(("generic", f"K-{i}") in seen for i in range(1000))
    assert not any(key in seen for key in [("generic", "K-1000"), ("toggl", "K-1"), ("generic", "")])


# Progress from the first row


def test_the_count_is_followed_from_its_first_row_before_anything_is_written(import_world, monkeypatch) -> None:
    monkeypatch.setattr(table, "COUNT_STEP", 2)
    calls: list[tuple[str, int, int]] = []

    def seen(what: str) -> Any:
        return lambda rows: calls.append((what, rows, TimeEntry.objects.count()))

    report = run(
        import_world,
        generic(*entries(5)),
        chunk_rows=2,
        counting=seen("counted"),
        total=seen("total"),
        progress=seen("read"),
    )
    assert report.created == 5
    assert calls == [
        ("counted", 0, 0),
        ("counted", 2, 0),
        ("counted", 4, 0),
        ("total", 5, 0),
        ("read", 0, 0),
        ("read", 2, 2),
        ("read", 4, 4),
        ("read", 5, 5),
    ]


def test_cancelling_during_the_count_stops_before_anything_is_written(import_world, monkeypatch) -> None:
    monkeypatch.setattr(table, "COUNT_STEP", 2)
    with pytest.raises(services.ImportCancelled, match="after 0 row"):
        run(import_world, generic(*entries(5)), cancelled=lambda: True)
    assert not TimeEntry.objects.exists()


# Cost per chunk


def test_the_queries_per_chunk_do_not_grow_with_the_chunks_written_before(import_world) -> None:
    marks: list[int] = []
    with CaptureQueriesContext(connection) as captured:
        report = run(
            import_world, generic(*entries(24)), chunk_rows=4, progress=lambda rows: marks.append(len(captured))
        )
    assert report.created == 24 and len(marks) == 7  # progress(0), then one call per chunk
    per_chunk = [after - before for before, after in pairwise(marks)]
    assert per_chunk[1:] == [per_chunk[1]] * 5, per_chunk  # the first chunk may warm caches; then all alike
    assert per_chunk[-1] <= per_chunk[0]
    # No query of a chunk asks for the rows the earlier chunks wrote by id (the repeats are remembered).
    last_chunk = [query["sql"] for query in captured.captured_queries[marks[-2] : marks[-1]]]
    assert not [sql for sql in last_chunk if '"id" >' in sql]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's per-transaction table statistics")
def test_a_chunk_reads_no_more_stored_rows_when_more_rows_were_written_before(import_world) -> None:
    # Chunks of 150 rows: past 100 ids an `external_id IN (...)` cannot use the partial unique index and scans the
    # table, and a lookup planned on `source` alone reads every row of the source: either grows with each chunk.
    read: list[int] = []

    def tuples_read(rows: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = 'engagements_timeentry'"
            )
            read.append(cursor.fetchone()[0])

    report = run(import_world, generic(*entries(1200)), chunk_rows=150, progress=tuples_read)
    assert report.created == 1200
    per_chunk = [after - before for before, after in pairwise(read)]
    assert max(per_chunk[2:]) <= 2 * per_chunk[1] + 150, per_chunk  # not ~150 more stored rows read per chunk


def test_the_day_set_counts_distinct_days_and_names_the_first_whatever_the_order() -> None:
    days = DaySet()
    start = dt.date(2024, 3, 10).toordinal()
    days.update([start + 40, start, start + 3, start - 17, start, start + 40, start - 1])
    assert len(days) == 5
    assert days.smallest(3) == [start - 17, start - 1, start]
    assert days.smallest(9) == [start - 17, start - 1, start, start + 3, start + 40]
    assert len(DaySet()) == 0 and DaySet().smallest(5) == []
