"""N+1 is a bug: every list endpoint takes the same number of queries for 3 rows as for 30."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import (
    contractor_rate_create,
    exchange_rate_set,
    fee_schedule_create,
    internal_rate_create,
    invoice_create,
    one_time_charge_create,
    period_ensure,
)
from engagements.services.engagements import (
    contractor_create,
    engagement_create,
    milestone_create,
    person_create,
    service_area_create,
    vendor_create,
)
from engagements.services.entries import overhead_entry_create, time_entry_create
from reports.services import report_build, snapshots_compute
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.monitoring import monitored_service_create, outage_create
from sla.services.policies import sla_policy_create
from sla.services.tickets import ticket_create

pytestmark = pytest.mark.django_db


def _lists() -> list[str]:
    """Return every list the API root names (recompute and imports are commands, not lists)."""
    from config.api import ApiRoot  # the URL wiring loads DRF's settings: import it once Django is set up

    return [name for name in ApiRoot.resources if name not in ("recompute", "imports")]


APRIL = dt.date(2026, 4, 1)
UTC = dt.UTC


def populate(start: int, count: int) -> None:
    """Record `count` more rows of every resource (numbered from `start`), through the services."""
    for i in range(start, start + count):
        vendor = vendor_create(name=f"Vendor {i}", kind="both")
        area = service_area_create(name=f"Area {i}")
        person = person_create(name=f"Person {i}", email=f"p{i}@example.test")
        internal_rate_create(person=person, hourly_cost=Decimal("100.00"), effective_from=dt.date(2026, 1, 1))
        staff = engagement_create(
            name=f"Staff {i}",
            vendor=vendor,
            model="staff_aug",
            service_area=area,
            start_date=dt.date(2026, 1, 1),
            owner=person,
        )
        managed = engagement_create(
            name=f"Managed {i}", vendor=vendor, model="managed", service_area=area, start_date=dt.date(2026, 1, 1)
        )
        contractor = contractor_create(engagement=staff, name=f"Contractor {i}")
        contractor_rate_create(contractor=contractor, hourly_rate=Decimal("80.00"), effective_from=dt.date(2026, 1, 1))
        time_entry_create(contractor=contractor, date=APRIL, hours=Decimal("8.00"))
        overhead_entry_create(engagement=staff, person=person, date=APRIL, hours=Decimal("1.00"), activity="training")
        milestone_create(engagement=staff, title=f"Milestone {i}", due_date=APRIL)
        calendar = coverage_calendar_create(
            name=f"Calendar {i}",
            time_zone="Europe/Berlin",
            working_hours=[{"weekday": 0, "start": dt.time(9), "end": dt.time(17)}],
            holidays=[{"date": dt.date(2026, 12, 25)}],
        )
        policy = sla_policy_create(
            name=f"Policy {i}",
            calendar=calendar,
            uptime_target=Decimal("99.5"),
            credit_tiers=[{"below_pct": Decimal("99.5"), "credit_pct": Decimal("5")}],
            priority_targets=[{"priority": "P2", "response_minutes": 60, "resolution_minutes": 480}],
        )
        sla_assignment_create(engagement=managed, policy=policy, effective_from=dt.date(2026, 1, 1))
        service = monitored_service_create(engagement=managed, name=f"Service {i}")
        outage_create(service=service, started_at=dt.datetime(2026, 4, 3, 10, tzinfo=UTC))
        opened = dt.datetime(2026, 4, 6, 9, tzinfo=UTC)
        ticket_create(
            engagement=managed,
            priority="P2",
            category="request",
            opened_at=opened,
            pauses=[{"started_at": opened + dt.timedelta(hours=1), "ended_at": None}],
        )
        fee_schedule_create(engagement=managed, monthly_fee=Decimal("5000.00"), effective_from=dt.date(2026, 1, 1))
        one_time_charge_create(engagement=managed, date=APRIL, amount=Decimal("100.00"), kind="setup")
        invoice_create(engagement=managed, period=APRIL, number=f"INV-{i}", amount=Decimal("5000.00"))
        month = dt.date(2020 + i // 12, 1 + i % 12, 1)
        exchange_rate_set(month=month, currency="EUR", rate_to_base=Decimal("1.1"))
        period_ensure(month=month)
        snapshots_compute(engagement_ids=[staff.pk, managed.pk], month=APRIL)
        report_build(month=month)


def query_counts(client: Any) -> dict[str, int]:
    counts = {}
    for name in _lists():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{name}/?page_size=1000")
        assert response.status_code == 200, (name, response.content[:300])
        counts[name] = len(queries)
    return counts


@pytest.mark.slow
def test_every_list_endpoint_takes_as_many_queries_for_30_rows_as_for_3(ops_api) -> None:
    populate(0, 3)
    few = query_counts(ops_api)
    populate(3, 27)
    many = query_counts(ops_api)
    assert many == few


# --- batch POSTs: a constant number of queries per batch (issue 12, item 4) ----------------------------


def _tickets(world: Any, size: int, tag: str, *, resolved: bool = False) -> list[dict[str, Any]]:
    opened = dt.datetime(2026, 4, 7, 9, tzinfo=UTC)
    return [
        {
            "engagement": world.managed.pk,
            "priority": "P1",
            "category": "incident",
            "opened_at": (opened + dt.timedelta(minutes=i)).isoformat(),
            "first_response_at": (opened + dt.timedelta(minutes=i + 5)).isoformat(),
            "resolved_at": (opened + dt.timedelta(minutes=i + 90)).isoformat() if resolved else None,
            "summary": f"Ticket {i}",
            "pauses": [
                {
                    "started_at": (opened + dt.timedelta(minutes=i + 10)).isoformat(),
                    "ended_at": (opened + dt.timedelta(minutes=i + 20 + (5 if resolved else 0))).isoformat(),
                }
            ],
            "source": "count",
            "external_id": f"{tag}-{i}",
        }
        for i in range(size)
    ]


def _outages(world: Any, size: int, tag: str, *, planned: bool = False) -> list[dict[str, Any]]:
    start = dt.datetime(2026, 4, 8, 0, tzinfo=UTC)
    return [
        {
            "service": world.email.pk,
            "started_at": (start + dt.timedelta(hours=2 * i)).isoformat(),
            "ended_at": (start + dt.timedelta(hours=2 * i + 1)).isoformat(),
            "planned": planned,
            "source": "count",
            "external_id": f"{tag}-{i}",
        }
        for i in range(size)
    ]


def _time_entries(world: Any, size: int, tag: str, *, hours: str = "0.10") -> list[dict[str, Any]]:
    return [
        {
            "contractor": world.anna.pk,
            "date": f"2026-04-{1 + i % 28:02d}",
            "hours": hours,
            "source": "count",
            "external_id": f"{tag}-{i}",
        }
        for i in range(size)
    ]


def _post_counts(client: Any, path: str, build: Any, change: dict[str, Any], world: Any, size: int) -> tuple[int, int]:
    """Return the queries of a batch that creates `size` rows, and of the batch that changes them all."""
    with CaptureQueriesContext(connection) as created:
        response = client.post(path, build(world, size, f"n{size}"), format="json")
    assert response.status_code == 200 and response.json()["created"] == size, response.content[:500]
    changed_rows = build(world, size, f"n{size}", **change)
    with CaptureQueriesContext(connection) as changed:
        response = client.post(path, changed_rows, format="json")
    assert response.status_code == 200 and response.json()["updated"] == size, response.content[:500]
    return len(created), len(changed)


@pytest.mark.parametrize(
    ("path", "build", "change"),
    [
        ("/api/v1/tickets/", _tickets, {"resolved": True}),
        ("/api/v1/outages/", _outages, {"planned": True}),
        ("/api/v1/time-entries/", _time_entries, {"hours": "0.20"}),
    ],
    ids=["tickets", "outages", "time-entries"],
)
def test_a_batch_post_takes_as_many_queries_for_40_rows_as_for_4(
    ops_api: Any, path: str, build: Any, change: dict[str, Any]
) -> None:
    from reports.hooks import recompute_deferred
    from tests.api.conftest import build_world

    world = build_world()
    ops_api.get("/api/v1/")  # authentication and content types cached for both sizes alike
    with recompute_deferred():
        small = _post_counts(ops_api, path, build, change, world, 4)
        large = _post_counts(ops_api, path, build, change, world, 40)
    assert large == small
