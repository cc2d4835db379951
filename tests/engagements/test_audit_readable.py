"""The audit trail reads like the rest of the admin (QA C13): local times, records by name, honest counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from billing.models import Period
from billing.services import period_close
from engagements.admin.base import CappedCountPaginator
from engagements.models import AuditLog
from engagements.services.trail import readable_changes
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def closed_march(settings, time_machine, superuser) -> Period:
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(dt.datetime(2026, 11, 30, 13, 50, 36, tzinfo=dt.UTC), tick=False)
    return period_close(month=MARCH, user=superuser)


def test_a_datetime_change_reads_in_the_organisations_time(closed_march) -> None:
    # The period's create and its close share one frozen instant: the later row by id is the close.
    row = AuditLog.objects.filter(object_id=closed_march.pk, changes__has_key="closed_at").latest("at", "pk")

    lines = [str(change) for change in readable_changes([row])[row.pk]]

    assert "Closed at: (none) → 2026-11-30 08:50 EST" in lines
    assert not any("+00:00" in line for line in lines)


def test_the_list_names_a_period_by_its_month_not_its_id(closed_march, operations_client: Client) -> None:
    page = operations_client.get("/admin/engagements/auditlog/").content.decode()

    assert f"period #{closed_march.pk}" not in page
    assert "period March 2026" in page
    assert "2026-11-30 08:50 EST" in page and "2026-11-30T13:50:36" not in page


def test_a_capped_count_says_more_than_not_a_false_number(monkeypatch, operations_client: Client) -> None:
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    for day in range(1, 6):
        TimeEntryFactory(date=dt.date(2026, 4, day))

    listed = operations_client.get("/admin/engagements/timeentry/").content.decode()
    searched = operations_client.get("/admin/engagements/timeentry/", {"q": "Contractor"}).content.decode()

    assert "More than 3 time entries" in listed and "Select all time entries (more than 3)" in listed
    assert "4 time entries" not in listed
    assert "more than 3 results" in searched and "4 results" not in searched


def test_an_uncapped_count_stays_exact(operations_client: Client) -> None:
    for day in range(1, 3):
        TimeEntryFactory(date=dt.date(2026, 4, day))

    listed = operations_client.get("/admin/engagements/timeentry/").content.decode()

    assert "2 time entries" in listed and "More than" not in listed


def test_a_created_rows_changes_read_in_the_models_field_order_on_either_database() -> None:
    entry = TimeEntryFactory(description="Migration")
    row = AuditLog.objects.filter(content_type__model="timeentry", object_id=entry.pk, action="create").get()

    labels = [change.label for change in readable_changes([row])[row.pk]]

    # TimeEntry's columns in its own order, whatever order the database keeps the JSON keys in.
    assert labels[:4] == ["Contractor", "Date", "Hours", "Description"]
