"""API fixtures: token clients per persona, and a small world of both delivery models set up through services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.services import (
    contractor_rate_create,
    exchange_rate_set,
    fee_schedule_create,
    internal_rate_create,
    invoice_create,
    one_time_charge_create,
    period_ensure,
)
from engagements.models import Contractor, Engagement, Person
from engagements.services.engagements import (
    contractor_create,
    engagement_create,
    milestone_create,
    person_create,
    service_area_create,
    vendor_create,
)
from engagements.services.entries import overhead_entry_create, time_entry_create
from sla.models import MonitoredService, SLAPolicy
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.monitoring import monitored_service_create, outage_create
from sla.services.policies import sla_policy_create
from sla.services.tickets import ticket_create

UTC = dt.UTC


def token_client(user: Any) -> APIClient:
    """Return an API client that sends the user's token."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_as(operations_user, leadership_user, nobody_user, superuser) -> Callable[[str], APIClient]:
    """Return a token client for a persona: anonymous, nobody, leadership, operations or superuser."""
    users = {
        "anonymous": None,
        "nobody": nobody_user,
        "leadership": leadership_user,
        "operations": operations_user,
        "superuser": superuser,
    }
    return lambda persona: token_client(users[persona])


@pytest.fixture
def ops_api(operations_user) -> APIClient:
    """A token client of an Operations user."""
    return token_client(operations_user)


@dataclass
class World:
    """A staff augmentation and a managed engagement with a little of every fact."""

    staff_aug: Engagement
    managed: Engagement
    anna: Contractor
    ben: Contractor
    manager: Person
    policy: SLAPolicy
    email: MonitoredService


def build_world(*, entries: int = 1) -> World:
    """Record the two engagements and their facts through the services."""
    vendor = vendor_create(name="Acme Staffing", kind="both")
    area = service_area_create(name="Help desk")
    manager = person_create(name="Morgan Manager", email="morgan@example.test")
    staff_aug = engagement_create(
        name="Help desk (Acme)",
        vendor=vendor,
        model="staff_aug",
        service_area=area,
        start_date=dt.date(2026, 1, 1),
        owner=manager,
        cost_center="IT-100",
    )
    managed = engagement_create(
        name="Help desk (MSP)", vendor=vendor, model="managed", service_area=area, start_date=dt.date(2026, 1, 1)
    )
    anna = contractor_create(engagement=staff_aug, name="Anna Schmidt", role="Analyst", email="anna@example.test")
    ben = contractor_create(engagement=staff_aug, name="Ben Okafor", role="Engineer")
    contractor_rate_create(contractor=anna, hourly_rate=Decimal("85.00"), effective_from=dt.date(2026, 1, 1))
    internal_rate_create(person=None, hourly_cost=Decimal("120.00"), effective_from=dt.date(2026, 1, 1))
    for i in range(entries):
        time_entry_create(
            contractor=anna if i % 2 == 0 else ben,
            date=dt.date(2026, 4, 1) + dt.timedelta(days=i % 28),
            hours=Decimal("1.00"),
            source="seed",
            external_id=f"seed-{i}",
        )
        overhead_entry_create(
            engagement=staff_aug,
            person=manager,
            date=dt.date(2026, 4, 1) + dt.timedelta(days=i % 28),
            hours=Decimal("0.50"),
            activity="supervision",
        )
    milestone_create(engagement=staff_aug, title="Runbook", due_date=dt.date(2026, 4, 30))
    calendar = coverage_calendar_create(name="24x7", time_zone="UTC", always_on=True)
    policy = sla_policy_create(
        name="MSP SLA",
        calendar=calendar,
        uptime_target=Decimal("99.900"),
        credit_tiers=[{"below_pct": Decimal("99.900"), "credit_pct": Decimal("10.000")}],
        priority_targets=[{"priority": "P1", "response_minutes": 15, "resolution_minutes": 240}],
    )
    sla_assignment_create(engagement=managed, policy=policy, effective_from=dt.date(2026, 1, 1))
    email = monitored_service_create(engagement=managed, name="Email")
    opened = dt.datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    for i in range(entries):
        outage_create(
            service=email,
            started_at=dt.datetime(2026, 4, 20, 10, tzinfo=UTC) + dt.timedelta(hours=2 * i),
            ended_at=dt.datetime(2026, 4, 20, 11, tzinfo=UTC) + dt.timedelta(hours=2 * i),
            source="seed",
            external_id=f"out-{i}",
        )
        ticket_create(
            engagement=managed,
            priority="P1",
            category="incident",
            opened_at=opened + dt.timedelta(hours=i),
            first_response_at=opened + dt.timedelta(hours=i, minutes=10),
            source="seed",
            external_id=f"tic-{i}",
            pauses=[
                {
                    "started_at": opened + dt.timedelta(hours=i, minutes=20),
                    "ended_at": opened + dt.timedelta(hours=i, minutes=30),
                }
            ],
        )
    fee_schedule_create(engagement=managed, monthly_fee=Decimal("6000.00"), effective_from=dt.date(2026, 1, 1))
    one_time_charge_create(engagement=managed, date=dt.date(2026, 4, 11), amount=Decimal("2500.00"), kind="onboarding")
    invoice_create(engagement=managed, period=dt.date(2026, 4, 1), number="INV-1", amount=Decimal("6000.00"))
    exchange_rate_set(month=dt.date(2026, 4, 1), currency="EUR", rate_to_base=Decimal("1.08"))
    period_ensure(month=dt.date(2026, 4, 1))
    return World(staff_aug, managed, anna, ben, manager, policy, email)


@pytest.fixture
def world(db) -> World:
    """One of every fact, on two engagements."""
    return build_world()


from tests.api.fuzzing import keep_the_test_connection  # noqa: E402, F401 - a fixture of the fuzz tests
