"""Benchmark refreshing a month of SLA clocks in bulk (not a test).

Creates a throwaway test database (the test copy of DATABASE_URL; SQLite in
memory when it is unset), inserts a month of 10,000 tickets over three
engagements (two under a business-hours policy with a holiday, one under none,
a pause on every fourth ticket), then times `ticket_clocks_refresh` for the
month: the first refresh, which computes every clock, and a second one, which
finds nothing to change. Each run is rolled back, so every run starts alike.
tests/sla/test_bulk_clocks.py checks the same refresh's results and its query
count; only the time is measured here.

    .venv/bin/python -m bench.bulk_clocks [TICKETS]      # 10,000 by default
    make bench                                           # every bench module
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal

from kernel.months import zone

TICKETS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
RUNS = 3
NEW_YORK = zone("America/New_York")
APRIL = dt.date(2026, 4, 1)
END_OF_APRIL = dt.datetime(2026, 5, 1, tzinfo=NEW_YORK)


class _Rollback(Exception):
    """Raised to undo a run's writes."""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.TIME_ZONE = "America/New_York"


def _engagements() -> list[int]:
    """Create two engagements under a business-hours policy and one under none; return their ids."""
    from engagements.models import DeliveryModel, Engagement, ServiceArea, Vendor
    from sla.services.assignments import sla_assignment_create
    from sla.services.calendars import WorkingHoursSpec, coverage_calendar_create
    from sla.services.policies import sla_policy_create

    calendar = coverage_calendar_create(
        name="Bench office",
        time_zone="America/New_York",
        working_hours=[WorkingHoursSpec(weekday=day, start=dt.time(9), end=dt.time(17)) for day in range(5)],
        holidays=[{"date": dt.date(2026, 4, 3)}],
    )
    policy = sla_policy_create(
        name="Bench policy",
        calendar=calendar,
        uptime_target=Decimal("99.900"),
        priority_targets=[
            {"priority": priority, "response_minutes": response, "resolution_minutes": resolution}
            for priority, (response, resolution) in {
                "P1": (15, 240),
                "P2": (60, 480),
                "P3": (240, 1440),
                "P4": (480, 2880),
            }.items()
        ],
    )
    vendor = Vendor.objects.create(name="Bench vendor", kind="both")
    area = ServiceArea.objects.create(name="Bench area")
    engagements = [
        Engagement.objects.create(
            name=f"Bench engagement {n}",
            vendor=vendor,
            service_area=area,
            model=DeliveryModel.MANAGED,
            start_date=dt.date(2026, 1, 1),
            currency="USD",
        )
        for n in range(3)
    ]
    for engagement in engagements[:2]:
        sla_assignment_create(engagement=engagement, policy=policy, effective_from=dt.date(2026, 1, 1))
    return [engagement.pk for engagement in engagements]


def _tickets(engagement_ids: list[int], count: int) -> None:
    """Insert a month of tickets without their clocks, as a raw import leaves them."""
    from sla.models import Ticket, TicketPause

    step = dt.timedelta(days=29) / count
    rows = []
    for i in range(count):
        opened = dt.datetime(2026, 4, 1, 8, tzinfo=NEW_YORK) + step * i
        rows.append(
            Ticket(
                engagement_id=engagement_ids[i % len(engagement_ids)],
                priority=f"P{i % 4 + 1}",
                category="incident",
                opened_at=opened,
                first_response_at=opened + dt.timedelta(minutes=i % 90) if i % 5 else None,
                resolved_at=opened + dt.timedelta(hours=3 + i % 50) if i % 3 else None,
            )
        )
    tickets = Ticket.objects.bulk_create(rows, batch_size=1000)
    TicketPause.objects.bulk_create(
        [
            TicketPause(
                ticket=t, started_at=t.opened_at + dt.timedelta(hours=1), ended_at=t.opened_at + dt.timedelta(hours=2)
            )
            for t in tickets[::4]
        ],
        batch_size=1000,
    )


def _run(engagement_ids: list[int]) -> tuple[float, float, int]:
    """Insert the tickets, time a first and a second refresh, roll everything back."""
    from django.db import transaction

    from sla.services.clocks import ticket_clocks_refresh

    try:
        with transaction.atomic():
            _tickets(engagement_ids, TICKETS)
            started = time.perf_counter()
            changed = ticket_clocks_refresh(engagement_ids=engagement_ids, month=APRIL, now=END_OF_APRIL)
            first = time.perf_counter() - started
            started = time.perf_counter()
            ticket_clocks_refresh(engagement_ids=engagement_ids, month=APRIL, now=END_OF_APRIL)
            second = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return first, second, changed


def main() -> None:
    """Create the test database, time RUNS refreshes of a month of tickets, print the medians."""
    _setup()
    from django.db import connection

    configured = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        engagement_ids = _engagements()
        runs = [_run(engagement_ids) for _ in range(RUNS)]
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0)
    first = statistics.median(run[0] for run in runs)
    second = statistics.median(run[1] for run in runs)
    print(f"{connection.vendor}: a month of {TICKETS:,} tickets over {len(engagement_ids)} engagements")
    print(f"{f'first refresh ({runs[0][2]:,} clocks computed):':<45}{first:8.2f} s (median of {RUNS})")
    print(f"{'second refresh (nothing to change):':<45}{second:8.2f} s (median of {RUNS})")
    print(f"per ticket, first refresh: {first / TICKETS * 1_000_000:.0f} µs")


if __name__ == "__main__":
    main()
