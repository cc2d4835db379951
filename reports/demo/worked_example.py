"""domain.md's worked example (April 2026, America/New_York), recorded through the services.

The one builder of it: seed_demo records it into the demo, and the tests of
billing and reports assert its figures to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from billing.services import (
    contractor_rate_create,
    fee_schedule_create,
    internal_rate_create,
    one_time_charge_create,
)
from engagements.models import Contractor, Engagement, Person, ServiceArea
from engagements.services.engagements import (
    contractor_create,
    engagement_create,
    person_create,
    service_area_create,
    vendor_create,
)
from engagements.services.entries import overhead_entry_create, time_entry_create
from kernel.months import zone
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.monitoring import monitored_service_create, outage_create
from sla.services.policies import sla_policy_create

NEW_YORK = zone("America/New_York")
APRIL_2026 = dt.date(2026, 4, 1)
AUGMENTED = "Help desk (augmented)"
MSP = "Help desk (MSP)"


@dataclass(frozen=True)
class WorkedExample:
    """The two engagements of the worked example, its two contractors and the internal manager."""

    augmented: Engagement
    msp: Engagement
    manager: Person
    contractor_a: Contractor
    contractor_b: Contractor


def _ny(day: int, hour: int, minute: int = 0) -> dt.datetime:
    # Aware New York times: the uptime is as domain.md says when TIME_ZONE is America/New_York.
    return dt.datetime(2026, 4, day, hour, minute, tzinfo=NEW_YORK)


def build_worked_example(*, area: ServiceArea | None = None, manager: Person | None = None) -> WorkedExample:
    """Record both engagements of the worked example with every fact domain.md lists."""
    area = area or ServiceArea.objects.filter(name="Help desk").first() or service_area_create(name="Help desk")
    if manager is None:
        manager = person_create(name="Internal manager M", email="manager.m@example.com")
        internal_rate_create(person=manager, hourly_cost=Decimal("120.00"), effective_from=dt.date(2026, 1, 1))

    agency = vendor_create(name="Augment Staffing Partners", kind="staffing")
    augmented = engagement_create(
        name=AUGMENTED,
        vendor=agency,
        model="staff_aug",
        service_area=area,
        start_date=APRIL_2026,
        end_date=dt.date(2026, 4, 30),
        owner=manager,
        cost_center="IT-100",
    )
    contractor_a = contractor_create(engagement=augmented, name="Contractor A", role="Service desk analyst")
    contractor_b = contractor_create(engagement=augmented, name="Contractor B", role="Service desk analyst")
    contractor_rate_create(contractor=contractor_a, hourly_rate=Decimal("85.00"), effective_from=APRIL_2026)
    contractor_rate_create(contractor=contractor_a, hourly_rate=Decimal("90.00"), effective_from=dt.date(2026, 4, 16))
    contractor_rate_create(contractor=contractor_b, hourly_rate=Decimal("70.00"), effective_from=APRIL_2026)
    for day in (1, 2, 3):
        time_entry_create(contractor=contractor_a, date=dt.date(2026, 4, day), hours=Decimal("8.00"))
    time_entry_create(contractor=contractor_a, date=dt.date(2026, 4, 16), hours=Decimal("7.50"))
    time_entry_create(contractor=contractor_b, date=dt.date(2026, 4, 10), hours=Decimal("6.25"))
    overhead_entry_create(
        engagement=augmented, person=manager, date=APRIL_2026, hours=Decimal("1.50"), activity="onboarding"
    )
    overhead_entry_create(
        engagement=augmented, person=manager, date=dt.date(2026, 4, 2), hours=Decimal("3.00"), activity="supervision"
    )
    one_time_charge_create(engagement=augmented, date=APRIL_2026, amount=Decimal("500.00"), kind="placement")

    provider = vendor_create(name="Helpdesk Managed Services", kind="msp")
    msp = engagement_create(
        name=MSP,
        vendor=provider,
        model="managed",
        service_area=area,
        start_date=dt.date(2026, 4, 11),
        owner=manager,
        cost_center="IT-100",
    )
    fee_schedule_create(engagement=msp, monthly_fee=Decimal("6000.00"), effective_from=dt.date(2026, 4, 11))
    one_time_charge_create(engagement=msp, date=dt.date(2026, 4, 11), amount=Decimal("2500.00"), kind="onboarding")
    overhead_entry_create(
        engagement=msp, person=manager, date=dt.date(2026, 4, 13), hours=Decimal("2.00"), activity="vendor_management"
    )
    calendar = coverage_calendar_create(name="Help desk 24x7", time_zone="America/New_York", always_on=True)
    policy = sla_policy_create(
        name="Help desk MSP SLA",
        calendar=calendar,
        uptime_target=Decimal("99.900"),
        max_credit_pct=Decimal("100.000"),
        credit_tiers=[
            {"below_pct": Decimal("99.900"), "credit_pct": Decimal("10.000")},
            {"below_pct": Decimal("99.000"), "credit_pct": Decimal("25.000")},
            {"below_pct": Decimal("95.000"), "credit_pct": Decimal("100.000")},
        ],
    )
    sla_assignment_create(engagement=msp, policy=policy, effective_from=dt.date(2026, 4, 11))
    email = monitored_service_create(engagement=msp, name="Email")
    outage_create(service=email, started_at=_ny(20, 10), ended_at=_ny(20, 11), reason="Mail relay down")
    outage_create(
        service=email, started_at=_ny(20, 10, 30), ended_at=_ny(20, 11, 30), reason="Same incident, second monitor"
    )
    outage_create(
        service=email, started_at=_ny(25, 1), ended_at=_ny(25, 3), planned=True, reason="Announced maintenance"
    )
    return WorkedExample(
        augmented=augmented, msp=msp, manager=manager, contractor_a=contractor_a, contractor_b=contractor_b
    )
