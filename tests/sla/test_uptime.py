"""Uptime, downtime and credit selectors over the engagement's active part of an organisation-local month.

The maths itself (merging, clipping, thresholds, tiers) is tested without a
database in test_uptime_maths.py; these tests check what the selectors feed it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import DeliveryModel
from kernel.money import round_pct
from sla.selectors import credit_pct_for, downtime_hours_for, policy_for, service_uptime_for, uptime_for
from sla.services.assignments import sla_assignment_create
from sla.services.monitoring import monitored_service_create, outage_create
from tests.factories import EngagementFactory
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, SLAAssignmentFactory, SLAPolicyFactory, ny

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def msp():
    """The worked example's managed engagement: starts 2026-04-11 under a 99.9% SLA with three credit tiers."""
    engagement = EngagementFactory(name="Help desk (MSP)", model=DeliveryModel.MANAGED, start_date=dt.date(2026, 4, 11))
    sla_assignment_create(engagement=engagement, policy=SLAPolicyFactory(), effective_from=dt.date(2026, 4, 11))
    return engagement


def down(service, start: dt.datetime, end: dt.datetime | None, *, planned: bool = False):
    return outage_create(service=service, started_at=start, ended_at=end, planned=planned)


# --- the worked example of domain.md -----------------------------------------------------------


def test_the_worked_example_uptime_is_99_6875_and_reported_as_99_688(msp) -> None:
    email = monitored_service_create(engagement=msp, name="Email")
    down(email, ny(2026, 4, 20, 10), ny(2026, 4, 20, 11))
    down(email, ny(2026, 4, 20, 10, 30), ny(2026, 4, 20, 11, 30))
    down(email, ny(2026, 4, 25, 1), ny(2026, 4, 25, 3), planned=True)
    uptime = uptime_for([msp.pk], APRIL)[msp.pk]
    assert uptime == Decimal("99.6875")
    assert round_pct(uptime) == Decimal("99.688")
    [(service, service_uptime, downtime)] = service_uptime_for([msp.pk], APRIL)[msp.pk]
    assert (service, service_uptime, downtime) == (email, Decimal("99.6875"), dt.timedelta(minutes=90))


def test_the_worked_example_falls_in_the_10_percent_tier(msp) -> None:
    email = monitored_service_create(engagement=msp, name="Email")
    down(email, ny(2026, 4, 20, 10), ny(2026, 4, 20, 11))
    down(email, ny(2026, 4, 20, 10, 30), ny(2026, 4, 20, 11, 30))
    assert credit_pct_for([msp.pk], APRIL) == {msp.pk: Decimal("10")}


def test_the_worked_example_downtime_is_an_hour_and_a_half_with_its_impact(msp) -> None:
    email = monitored_service_create(engagement=msp, name="Email", business_impact_per_hour=Decimal("1200.00"))
    down(email, ny(2026, 4, 20, 10), ny(2026, 4, 20, 11))
    down(email, ny(2026, 4, 20, 10, 30), ny(2026, 4, 20, 11, 30))
    assert downtime_hours_for([msp.pk], APRIL) == {msp.pk: [(email.pk, Decimal("1.5"), Decimal("1200.00"))]}


# --- policies ----------------------------------------------------------------------------------


def test_each_engagements_credit_is_capped_by_its_own_policys_maximum() -> None:
    ids = []
    for maximum in ("30", "50"):
        engagement = SLAAssignmentFactory(
            policy=SLAPolicyFactory(max_credit_pct=Decimal(maximum)),
            engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)),
        ).engagement
        down(MonitoredServiceFactory(engagement=engagement), ny(2026, 4, 1), ny(2026, 4, 5))  # the 100% tier
        ids.append(engagement.pk)
    assert credit_pct_for(ids, APRIL) == {ids[0]: Decimal("30"), ids[1]: Decimal("50")}


# --- outages -------------------------------------------------------------------------------------


def test_months_are_local_a_late_evening_utc_outage_belongs_to_its_local_day() -> None:
    service = MonitoredServiceFactory()
    # 2026-05-01 02:00 UTC is still 30 April in New York.
    down(service, dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, 3, tzinfo=dt.UTC))
    assert downtime_hours_for([service.engagement_id], APRIL)[service.engagement_id][0][1] == Decimal("1")
    assert downtime_hours_for([service.engagement_id], dt.date(2026, 5, 1))[service.engagement_id][0][1] == Decimal("0")


def test_an_engagement_that_ended_mid_month_is_measured_to_its_end_date() -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 4, 15))
    service = MonitoredServiceFactory(engagement=engagement)
    down(service, ny(2026, 4, 15, 12), ny(2026, 4, 15, 13, 30))
    down(service, ny(2026, 4, 20), ny(2026, 4, 21))
    # 15 days of 1,440 minutes, 90 of them down: 99.58333...%
    uptime = uptime_for([engagement.pk], APRIL)[engagement.pk]
    assert str(uptime).startswith("99.58333333333333333333333333333333333333")


# --- engagements -----------------------------------------------------------------------------------


def test_engagement_uptime_is_the_mean_of_its_services() -> None:
    engagement = EngagementFactory()
    email = MonitoredServiceFactory(engagement=engagement, name="Email")
    MonitoredServiceFactory(engagement=engagement, name="VPN")
    down(email, ny(2026, 4, 10), ny(2026, 4, 10, 7, 12))  # 1% of April
    assert uptime_for([engagement.pk], APRIL)[engagement.pk] == Decimal("99.5")


def test_an_engagement_without_services_has_no_uptime_and_owes_no_credit() -> None:
    engagement = SLAAssignmentFactory().engagement
    assert uptime_for([engagement.pk], APRIL) == {engagement.pk: None}
    assert credit_pct_for([engagement.pk], APRIL) == {engagement.pk: Decimal("0")}
    assert service_uptime_for([engagement.pk], APRIL) == {engagement.pk: []}
    assert downtime_hours_for([engagement.pk], APRIL) == {engagement.pk: []}


def test_an_engagement_inactive_in_the_month_has_no_uptime() -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 5, 1))
    MonitoredServiceFactory(engagement=engagement)
    assert uptime_for([engagement.pk], APRIL) == {engagement.pk: None}


def test_an_engagement_without_a_policy_owes_no_credit() -> None:
    engagement = EngagementFactory()
    down(MonitoredServiceFactory(engagement=engagement), ny(2026, 4, 1), ny(2026, 4, 10))
    assert credit_pct_for([engagement.pk], APRIL) == {engagement.pk: Decimal("0")}


def test_the_credit_follows_the_policy_in_effect_on_the_last_active_day() -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 1, 1))
    lenient = SLAPolicyFactory(
        uptime_target=Decimal("99"), credit_tiers=[{"below_pct": Decimal("99"), "credit_pct": Decimal("5")}]
    )
    sla_assignment_create(engagement=engagement, policy=SLAPolicyFactory(), effective_from=dt.date(2026, 1, 1))
    sla_assignment_create(engagement=engagement, policy=lenient, effective_from=dt.date(2026, 4, 20))
    down(MonitoredServiceFactory(engagement=engagement), ny(2026, 4, 10), ny(2026, 4, 10, 1))
    assert policy_for(engagement.pk, dt.date(2026, 4, 19)) != lenient
    assert policy_for(engagement.pk, dt.date(2026, 4, 30)) == lenient
    assert policy_for(engagement.pk, dt.date(2025, 12, 31)) is None
    assert credit_pct_for([engagement.pk], APRIL) == {engagement.pk: Decimal("0")}


# --- queries ---------------------------------------------------------------------------------------


def _engagements_with_outages(count: int) -> list[int]:
    policy = SLAPolicyFactory()
    ids = []
    for i in range(count):
        engagement = SLAAssignmentFactory(
            policy=policy, engagement=EngagementFactory(start_date=dt.date(2026, 1, 1))
        ).engagement
        for name in ("Email", "VPN"):
            OutageFactory(
                service=MonitoredServiceFactory(engagement=engagement, name=name),
                started_at=ny(2026, 4, 1 + i % 28, 10),
                ended_at=ny(2026, 4, 1 + i % 28, 11),
            )
        ids.append(engagement.pk)
    return ids


@pytest.mark.parametrize("selector", [uptime_for, service_uptime_for, credit_pct_for, downtime_hours_for])
def test_selectors_take_the_same_queries_for_3_or_30_engagements(selector) -> None:
    counts = []
    for count in (3, 30):
        ids = _engagements_with_outages(count)
        with CaptureQueriesContext(connection) as ctx:
            result = selector(ids, APRIL)
        assert len(result) == count
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
