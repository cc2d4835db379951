"""Billing fixtures: the organisation's zone of domain.md and the worked example, set up through services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.services import (
    contractor_rate_create,
    fee_schedule_create,
    internal_rate_create,
    one_time_charge_create,
)
from engagements.models import Contractor, Engagement, Person
from engagements.services.engagements import (
    contractor_create,
    engagement_create,
    person_create,
    service_area_create,
    vendor_create,
)
from engagements.services.entries import overhead_entry_create, time_entry_create

APRIL = dt.date(2026, 4, 1)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def organisation_in_new_york(settings):
    """domain.md's worked example runs in America/New_York."""
    settings.TIME_ZONE = "America/New_York"


def d(day: int, month: int = 4) -> dt.date:
    """Return a date of 2026 (April unless told)."""
    return dt.date(2026, month, day)


def local(day: int, hour: int, minute: int = 0, *, month: int = 4) -> dt.datetime:
    """Return a 2026 instant in New York (April unless told)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@dataclass
class WorkedExample:
    """The two engagements of domain.md's worked example and their people."""

    staff_aug: Engagement
    managed: Engagement
    contractor_a: Contractor
    contractor_b: Contractor
    manager: Person


def build_worked_example(*, with_sla: bool = True) -> WorkedExample:
    """Record domain.md's worked example through the services."""
    area = service_area_create(name="Help desk")
    manager = person_create(name="M")
    internal_rate_create(person=manager, hourly_cost=Decimal("120.00"), effective_from=d(1, 1))

    staff_aug = engagement_create(
        name="Help desk (augmented)",
        vendor=vendor_create(name="Acme Staffing", kind="staffing"),
        model="staff_aug",
        service_area=area,
        start_date=d(1, 1),
    )
    a = contractor_create(engagement=staff_aug, name="Contractor A")
    b = contractor_create(engagement=staff_aug, name="Contractor B")
    contractor_rate_create(contractor=a, hourly_rate=Decimal("85.00"), effective_from=d(1, 1))
    contractor_rate_create(contractor=a, hourly_rate=Decimal("90.00"), effective_from=d(16))
    contractor_rate_create(contractor=b, hourly_rate=Decimal("70.00"), effective_from=d(1, 1))
    for day in (1, 2, 3):
        time_entry_create(contractor=a, date=d(day), hours=Decimal("8.00"))
    time_entry_create(contractor=a, date=d(16), hours=Decimal("7.50"))
    time_entry_create(contractor=b, date=d(10), hours=Decimal("6.25"))
    overhead_entry_create(engagement=staff_aug, person=manager, date=d(1), hours=Decimal("1.50"), activity="onboarding")
    overhead_entry_create(
        engagement=staff_aug, person=manager, date=d(2), hours=Decimal("3.00"), activity="supervision"
    )
    one_time_charge_create(engagement=staff_aug, date=d(1), amount=Decimal("500.00"), kind="placement")

    managed = engagement_create(
        name="Help desk (MSP)",
        vendor=vendor_create(name="Northwind MSP", kind="msp"),
        model="managed",
        service_area=area,
        start_date=d(11),
    )
    fee_schedule_create(engagement=managed, monthly_fee=Decimal("6000.00"), effective_from=d(11))
    one_time_charge_create(engagement=managed, date=d(11), amount=Decimal("2500.00"), kind="onboarding")
    overhead_entry_create(
        engagement=managed, person=manager, date=d(14), hours=Decimal("2.00"), activity="vendor_management"
    )
    if with_sla:
        record_email_sla(managed)
    return WorkedExample(staff_aug=staff_aug, managed=managed, contractor_a=a, contractor_b=b, manager=manager)


def record_email_sla(engagement: Engagement) -> None:
    """The worked example's SLA: target 99.900%, tiers 10/25/100%, and the "Email" service's outages."""
    from sla.services.monitoring import monitored_service_create, outage_create
    from sla.services.policies import coverage_calendar_create, sla_assignment_create, sla_policy_create

    policy = sla_policy_create(
        name="MSP help desk SLA",
        calendar=coverage_calendar_create(name="24x7", time_zone="America/New_York", always_on=True),
        uptime_target=Decimal("99.900"),
        max_credit_pct=Decimal("100.000"),
        credit_tiers=[
            {"below_pct": Decimal("99.900"), "credit_pct": Decimal("10.000")},
            {"below_pct": Decimal("99.000"), "credit_pct": Decimal("25.000")},
            {"below_pct": Decimal("95.000"), "credit_pct": Decimal("100.000")},
        ],
    )
    sla_assignment_create(engagement=engagement, policy=policy, effective_from=engagement.start_date)
    email = monitored_service_create(engagement=engagement, name="Email")
    outage_create(service=email, started_at=local(20, 10), ended_at=local(20, 11))
    outage_create(service=email, started_at=local(20, 10, 30), ended_at=local(20, 11, 30))
    outage_create(service=email, started_at=local(25, 1), ended_at=local(25, 3), planned=True)


@pytest.fixture
def worked_example(db) -> WorkedExample:
    return build_worked_example()
