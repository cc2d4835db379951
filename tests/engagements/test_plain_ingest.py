"""Issue 12: a batch of time entries is validated and written as plain values, and nothing about it changes.

The API's list POST checks plainly valid rows without DRF's per-field calls,
and the upsert writes plain values in one statement without reading them
back. What a user or an auditor sees must be what the model path gives: the
same validated data, the same stored rows, the same audit rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from engagements.api.serializers import OverheadEntrySerializer, TimeEntrySerializer
from engagements.models import AuditLog, Contractor, TimeEntry
from engagements.services.entries import time_entry_create
from engagements.services.ingest import EntryRow, time_entries_upsert
from engagements.services.trail import _audit_select
from kernel.api.batch import BatchListSerializer
from kernel.api.plain import PlainRows
from kernel.facts import created

pytestmark = pytest.mark.django_db


def _audit_of(entry_id: int) -> AuditLog:
    return AuditLog.objects.get(content_type=ContentType.objects.get_for_model(TimeEntry), object_id=entry_id)


def test_a_batch_row_leaves_the_same_audit_row_as_the_service_write(anna: Contractor, api: APIClient) -> None:
    one = time_entry_create(contractor=anna, date=dt.date(2026, 4, 2), hours=Decimal("7.5"), description="By hand")
    rows = [{"contractor": anna.pk, "date": "2026-04-03", "hours": "7.5", "description": "By hand"}]
    answer = api.post("/api/v1/time-entries/", rows, format="json")
    assert answer.status_code == 200, answer.content
    by_hand, batched = _audit_of(one.pk), _audit_of(answer.json()["ids"][0])
    # The same columns, as stored (7.5 h kept as "7.50", the column's two places), the date aside.
    assert batched.changes == {**by_hand.changes, "date": [None, "2026-04-03"]}
    assert batched.changes["hours"] == [None, "7.50"]
    assert batched.object_repr == by_hand.object_repr.replace("2026-04-02", "2026-04-03")
    assert (batched.action, batched.bulk, by_hand.bulk) == ("create", True, False)


def test_the_upsert_stores_what_it_was_given_and_answers_plain_rows_with_their_ids(anna: Contractor) -> None:
    rows = [
        EntryRow(anna.pk, dt.date(2026, 4, day), Decimal("2"), f"Day {day}", "harvest", f"H-{day}") for day in (2, 3)
    ]
    outcome = time_entries_upsert(entries=rows)
    stored = {e.pk: e for e in TimeEntry.objects.all()}
    assert [row.pk for row in outcome.objects] == sorted(stored)
    for row in outcome.objects:
        entry = stored[row.pk]
        assert (entry.date, entry.hours, entry.description, entry.external_id) == (
            row.date,
            Decimal("2.00"),
            row.description,
            row.external_id,
        )


def test_a_row_that_is_not_plainly_valid_still_gets_djangos_conversion_and_messages(anna: Contractor) -> None:
    # A parser's hours as text are converted by the field; 3 decimal places are refused by it.
    converted = time_entries_upsert(entries=[EntryRow(anna.pk, dt.date(2026, 4, 2), "3.25")])
    assert TimeEntry.objects.get(pk=converted.objects[0].pk).hours == Decimal("3.25")
    with pytest.raises(Exception) as refused:
        time_entries_upsert(entries=[EntryRow(anna.pk, dt.date(2026, 4, 3), Decimal("1.125"))])
    assert "no more than 2 decimal places" in str(refused.value)


def test_a_bulk_update_writes_one_audit_row_per_changed_row(anna: Contractor) -> None:
    entry = time_entry_create(contractor=anna, date=dt.date(2026, 4, 2), hours=Decimal("2.00"))
    entry.hours = Decimal("3.00")
    TimeEntry.objects.bulk_update([entry], ["hours"])
    updates = AuditLog.objects.filter(object_id=entry.pk, action="update")
    assert [row.changes for row in updates] == [{"hours": ["2.00", "3.00"]}]


# --- the plain path gives what the serializer gives ---------------------------------------------------

_TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " padded ", "x" * 50, "x" * 51, "x" * 200, "x" * 201, "a\x00b"]),
)
_NUMBER = st.one_of(
    st.sampled_from(["8", "8.00", "0.01", "0", "-1", "24", "24.01", "1.125", "100", "1e1", "007.5", " 8", "8."]),
    st.integers(min_value=-5, max_value=30),
    st.decimals(min_value=-1, max_value=30, places=3, allow_nan=False).map(str),
    st.floats(min_value=0, max_value=30),
)
_DATE = st.one_of(
    st.sampled_from(
        ["2026-04-02", "2026-4-2", "2026-02-30", "1899-12-31", "2200-01-01", "02/04/2026", "2026-04-02T10:00"]
    ),
    st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2210, 12, 31)).map(dt.date.isoformat),
)


def _rows(contractor_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    """Rows that are valid, and valid rows with one field changed to anything, dropped, or one field added."""
    valid = st.fixed_dictionaries(
        {
            "contractor": st.sampled_from(contractor_ids),
            "date": st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)).map(dt.date.isoformat),
            "hours": st.decimals(min_value=Decimal("0.01"), max_value=24, places=2).map(str),
        },
        optional={
            "description": st.text(max_size=20),
            "source": st.text(max_size=10),
            "external_id": st.text(max_size=10),
        },
    )
    anything = {
        "contractor": st.one_of(st.integers(-1, 10**6), st.just(str(contractor_ids[0])), st.none(), st.booleans()),
        "date": _DATE,
        "hours": _NUMBER,
        "description": _TEXT,
        "source": _TEXT,
        "external_id": _TEXT,
        "engagement": st.integers(1, 3),
        "notes": st.just("typo"),
    }

    def changed(row: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        name = st.sampled_from(sorted(anything))
        return st.one_of(
            name.flatmap(lambda n: anything[n].map(lambda value: {**row, n: value})),
            name.map(lambda n: {k: v for k, v in row.items() if k != n}),
        )

    return st.one_of(valid, valid.flatmap(changed))


def test_the_plain_path_accepts_only_what_the_serializer_accepts_and_gives_the_same_data(anna: Contractor) -> None:
    accepted = 0

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(row=_rows([anna.pk]))
    def check(row: dict[str, Any]) -> None:
        nonlocal accepted
        batch = BatchListSerializer(child=TimeEntrySerializer(), data=[row])
        got = PlainRows(batch.child).validate(row)
        if got is None:
            return
        accepted += 1
        reference = TimeEntrySerializer(data=row)
        assert reference.is_valid(), (row, reference.errors)
        assert got == dict(reference.validated_data)

    check()
    # The generated rows reach the plain path, or the comparison above proves nothing.
    assert accepted > 20


def test_a_serializer_with_a_field_the_plain_path_does_not_know_goes_through_drf() -> None:
    # Overhead entries have a choice field (activity): every row is the serializer's.
    assert PlainRows(BatchListSerializer(child=OverheadEntrySerializer(), data=[]).child).plan is None


def test_time_entries_have_a_plain_path() -> None:
    assert PlainRows(BatchListSerializer(child=TimeEntrySerializer(), data=[]).child).plan is not None


@pytest.mark.parametrize("count", [3, 150], ids=["few rows (audited in Python)", "a batch (audited by the database)"])
def test_a_batchs_audit_rows_are_what_the_python_trail_writes(anna: Contractor, count: int) -> None:
    """On PostgreSQL a batch of 100 rows or more is audited by one INSERT ... SELECT: the rows must be the same."""
    rows = [
        EntryRow(
            anna.pk,
            dt.date(2026, 4, 1) + dt.timedelta(days=i % 20),
            Decimal(i % 7 + 1) / 4,
            f"Café «{i}» 'q' \"dq\" \\ \n\t\x01",
        )
        for i in range(count)
    ]
    outcome = time_entries_upsert(entries=rows)
    snapshots = TimeEntry.objects.none()._snapshot([row.pk for row in outcome.objects])
    audits = {
        a.object_id: a for a in AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(TimeEntry))
    }
    assert len(audits) == count
    for pk, snapshot in snapshots.items():
        expected = created(pk, snapshot)
        assert audits[pk].changes == expected.changes
        assert audits[pk].object_repr == TimeEntry.describe_row(snapshot)[:200]
        assert (audits[pk].action, audits[pk].bulk) == ("create", True)
    assert _audit_select(TimeEntry) is not None, "time entries are audited by the database on PostgreSQL"


@pytest.mark.parametrize("count", [3, 1200], ids=["few rows", "more than one statement's 1,000"])
def test_a_batch_of_changes_is_stored_and_audited_field_by_field(anna: Contractor, count: int) -> None:
    """An upsert's changed rows are written set-based on PostgreSQL: the rows and their audit must be exact."""

    def day(i: int) -> dt.date:
        return dt.date(2026, 4, 1) + dt.timedelta(days=i // 10)  # ten rows a day

    first = [EntryRow(anna.pk, day(i), Decimal("1.50"), f"Row {i}", "tracker", f"T-{i}") for i in range(count)]
    time_entries_upsert(entries=first)
    moved = dt.timedelta(days=200)
    second = [
        EntryRow(
            anna.pk,
            day(i) + moved * (i % 3 == 1),
            Decimal("0.25") * (i % 5 + 1),
            f'Row {i} «é» "q"',
            "tracker",
            f"T-{i}",
        )
        for i in range(count)
    ]
    assert time_entries_upsert(entries=second).count("updated") == count
    stored = {e.external_id: e for e in TimeEntry.objects.all()}
    assert [(stored[f"T-{i}"].date, stored[f"T-{i}"].hours, stored[f"T-{i}"].description) for i in range(count)] == [
        (row.date, row.hours, row.description) for row in second
    ]
    updates = {a.object_id: a.changes for a in AuditLog.objects.filter(action="update")}
    assert len(updates) == count
    assert updates[stored["T-1"].pk] == {
        "date": ["2026-04-01", "2026-10-18"],
        "hours": ["1.50", "0.50"],
        "description": ["Row 1", 'Row 1 «é» "q"'],
    }


def test_an_unknown_or_mistyped_contractor_is_named_in_plain_words(anna: Contractor, api: APIClient) -> None:
    rows = [
        {"contractor": 999999, "date": "2026-04-02", "hours": "1.00"},
        {"contractor": "Anna", "date": "2026-04-02", "hours": "1.00"},
    ]
    answer = api.post("/api/v1/time-entries/", rows, format="json")
    assert answer.status_code == 400
    assert [(e["row"], e["field"], e["message"]) for e in answer.json()["errors"]] == [
        (0, "contractor", "No contractor has id 999999."),
        (1, "contractor", "Send the id as a number, not as str."),
    ]
