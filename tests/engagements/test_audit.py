"""The audit trail sees every write path: single saves, update(), bulk_create and deletes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engagements.models import AuditAction, AuditLog, ChangedMonth, TimeEntry
from engagements.services.entries import time_entry_create, time_entry_update
from kernel.actor import acting_as
from tests.factories import ContractorFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries_trail(pk: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(content_type__model="timeentry", object_id=pk).order_by("id"))


def test_a_change_records_who_when_and_from_what_to_what() -> None:
    user = UserFactory(username="maria")
    contractor = ContractorFactory()
    with acting_as(user):
        entry = time_entry_create(contractor=contractor, date=dt.date(2026, 4, 1), hours=Decimal("8"))
        time_entry_update(entry=entry, hours=Decimal("7.50"))
    created, changed = entries_trail(entry.pk)
    assert (created.action, created.actor, created.changes["hours"]) == (AuditAction.CREATE, user, [None, "8.00"])
    assert (changed.action, changed.actor, changed.bulk) == (AuditAction.UPDATE, user, False)
    assert changed.changes == {"hours": ["8.00", "7.50"]}


def test_saving_without_a_change_writes_no_audit_entry() -> None:
    entry = TimeEntryFactory()
    before = AuditLog.objects.count()
    entry.save()
    assert AuditLog.objects.count() == before


def test_queryset_update_is_audited_row_by_row() -> None:
    first, second = TimeEntryFactory(hours=Decimal("2")), TimeEntryFactory(hours=Decimal("3"))
    with acting_as(label="cleanup script"):
        TimeEntry.objects.filter(pk__in=[first.pk, second.pk]).update(description="fixed")
    for entry in (first, second):
        last = entries_trail(entry.pk)[-1]
        assert (last.action, last.bulk, last.actor_label) == (AuditAction.UPDATE, True, "cleanup script")
        assert last.changes == {"description": ["", "fixed"]}


def test_bulk_create_is_audited_for_every_row() -> None:
    contractor = ContractorFactory()
    with acting_as(label="import harvest:april.csv"):
        created = TimeEntry.objects.bulk_create(
            [TimeEntry(contractor=contractor, date=dt.date(2026, 4, d), hours=Decimal("8")) for d in (1, 2, 3)]
        )
    for entry in created:
        (row,) = entries_trail(entry.pk)
        assert (row.action, row.bulk, row.actor_label) == (AuditAction.CREATE, True, "import harvest:april.csv")


def test_bulk_delete_is_audited_with_the_values_deleted() -> None:
    entry = TimeEntryFactory(hours=Decimal("4.25"))
    TimeEntry.objects.filter(pk=entry.pk).delete()
    last = entries_trail(entry.pk)[-1]
    assert last.action == AuditAction.DELETE
    assert last.changes["hours"] == ["4.25", None]


def test_every_write_path_marks_the_month_it_touches_as_changed() -> None:
    entry = TimeEntryFactory(date=dt.date(2026, 3, 31))
    engagement_id = entry.contractor.engagement_id
    ChangedMonth.objects.all().delete()
    TimeEntry.objects.filter(pk=entry.pk).update(date=dt.date(2026, 4, 1))
    marked = set(ChangedMonth.objects.values_list("engagement_id", "month"))
    # Moving an entry changes both the month it left and the month it joined.
    assert marked == {(engagement_id, dt.date(2026, 3, 1)), (engagement_id, dt.date(2026, 4, 1))}
