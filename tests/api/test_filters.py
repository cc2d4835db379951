"""Filters: engagement, month (YYYY-MM), date ranges, model, service area and source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from engagements.services.entries import time_entry_create
from sla.services.tickets import ticket_create

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def test_time_entries_filter_by_month_date_range_engagement_and_source(world, ops_api) -> None:
    may = time_entry_create(contractor=world.anna, date=dt.date(2026, 5, 31), hours=Decimal("1"), source="toggl")
    april = world.anna.time_entries.get(date=dt.date(2026, 4, 1))
    assert ids(ops_api.get("/api/v1/time-entries/?month=2026-05")) == [may.pk]
    assert ids(ops_api.get("/api/v1/time-entries/?date_from=2026-04-01&date_to=2026-04-30")) == [april.pk]
    assert ids(ops_api.get("/api/v1/time-entries/?source=toggl")) == [may.pk]
    assert ids(ops_api.get(f"/api/v1/time-entries/?engagement={world.managed.pk}")) == []
    assert ops_api.get("/api/v1/time-entries/?month=2026-5x").status_code == 400


def test_engagements_filter_by_model_service_area_and_month(world, ops_api) -> None:
    assert ids(ops_api.get("/api/v1/engagements/?model=managed")) == [world.managed.pk]
    assert len(ids(ops_api.get(f"/api/v1/engagements/?service_area={world.staff_aug.service_area_id}"))) == 2
    assert ids(ops_api.get("/api/v1/engagements/?month=2025-12")) == []


@override_settings(TIME_ZONE="America/New_York")
def test_a_month_of_instants_is_the_organisations_local_month(world, ops_api) -> None:
    # 2026-05-01 02:00 UTC is still 30 April in New York.
    late_april = ticket_create(
        engagement=world.managed, priority="P3", category="request", opened_at=dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC)
    )
    assert late_april.pk in ids(ops_api.get("/api/v1/tickets/?month=2026-04"))
    assert ids(ops_api.get("/api/v1/tickets/?month=2026-05")) == []


def test_large_tables_page_by_cursor(world, ops_api) -> None:
    for day in range(2, 6):
        time_entry_create(contractor=world.ben, date=dt.date(2026, 4, day), hours=Decimal("1"))
    first = ops_api.get("/api/v1/time-entries/?page_size=2").json()
    assert len(first["results"]) == 2 and "cursor=" in first["next"] and "count" not in first
    second = ops_api.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
