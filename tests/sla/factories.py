"""Factories of the SLA app; each one creates its rows through the SLA services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from kernel.months import zone
from sla.models import CoverageCalendar, MonitoredService, Outage, SLAAssignment, SLAPolicy, Ticket
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import WorkingHoursSpec, coverage_calendar_create
from sla.services.monitoring import monitored_service_create, outage_create
from sla.services.policies import sla_policy_create
from sla.services.tickets import ticket_create
from tests.factories import EngagementFactory

NEW_YORK = zone("America/New_York")
WORKED_EXAMPLE_TIERS = [
    {"below_pct": Decimal("99.900"), "credit_pct": Decimal("10")},
    {"below_pct": Decimal("99.000"), "credit_pct": Decimal("25")},
    {"below_pct": Decimal("95.000"), "credit_pct": Decimal("100")},
]
# Response and resolution minutes per priority.
DEFAULT_TARGETS = {"P1": (15, 240), "P2": (60, 480), "P3": (240, 1440), "P4": (480, 2880)}


def ny(*parts: int) -> dt.datetime:
    """Build an aware New York datetime."""
    return dt.datetime(*parts, tzinfo=NEW_YORK)


def office_hours(*intervals: tuple[dt.time, dt.time | None], weekdays: range = range(5)) -> list[WorkingHoursSpec]:
    """Return working hours on weekdays (Monday to Friday by default), 09:00-17:00 unless given."""
    spans = intervals or ((dt.time(9), dt.time(17)),)
    return [WorkingHoursSpec(weekday=day, start=start, end=end) for day in weekdays for start, end in spans]


def targets(**overrides: tuple[int, int]) -> list[dict[str, Any]]:
    """Return priority targets, the defaults with some priorities overridden."""
    minutes = {**DEFAULT_TARGETS, **overrides}
    return [
        {"priority": priority, "response_minutes": response, "resolution_minutes": resolution}
        for priority, (response, resolution) in minutes.items()
    ]


def _through(service: Any) -> classmethod:
    """Return a factory _create that calls a service with the declared fields."""

    def create(cls: Any, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return service(**kwargs)

    return classmethod(create)


class CoverageCalendarFactory(factory.Factory):
    class Meta:
        model = CoverageCalendar

    _create = _through(coverage_calendar_create)
    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "America/New_York"
    always_on = True


class SLAPolicyFactory(factory.Factory):
    class Meta:
        model = SLAPolicy

    _create = _through(sla_policy_create)
    name = factory.Sequence(lambda n: f"Policy {n}")
    calendar = factory.SubFactory(CoverageCalendarFactory)
    uptime_target = Decimal("99.900")
    max_credit_pct = Decimal("100")
    credit_tiers = factory.LazyFunction(lambda: list(WORKED_EXAMPLE_TIERS))
    priority_targets = factory.LazyFunction(targets)


class SLAAssignmentFactory(factory.Factory):
    class Meta:
        model = SLAAssignment

    _create = _through(sla_assignment_create)
    engagement = factory.SubFactory(EngagementFactory)
    policy = factory.SubFactory(SLAPolicyFactory)
    effective_from = dt.date(2026, 1, 1)


class MonitoredServiceFactory(factory.Factory):
    class Meta:
        model = MonitoredService

    _create = _through(monitored_service_create)
    engagement = factory.SubFactory(EngagementFactory)
    name = factory.Sequence(lambda n: f"Service {n}")


class OutageFactory(factory.Factory):
    class Meta:
        model = Outage

    _create = _through(outage_create)
    service = factory.SubFactory(MonitoredServiceFactory)
    started_at = ny(2026, 4, 20, 10, 0)
    ended_at = ny(2026, 4, 20, 11, 0)


class TicketFactory(factory.Factory):
    class Meta:
        model = Ticket

    _create = _through(ticket_create)
    engagement = factory.SubFactory(EngagementFactory)
    priority = "P3"
    category = "incident"
    opened_at = ny(2026, 4, 14, 10, 0)
    summary = factory.Sequence(lambda n: f"Ticket {n}")
