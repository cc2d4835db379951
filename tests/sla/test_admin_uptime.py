"""The uptime view opens on the last complete month and shows target, uptime, tier and credit per engagement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.services.monitoring import monitored_service_create, outage_create
from tests.factories import EngagementFactory
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, SLAAssignmentFactory, ny

pytestmark = pytest.mark.django_db

UPTIME = "/admin/sla/monitoredservice/uptime/"


@pytest.fixture(autouse=True)
def new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def test_it_opens_on_the_last_complete_month(operations_client, time_machine) -> None:
    # 1 May 02:00 UTC is still 30 April in New York: the last complete month is March.
    time_machine.move_to(dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC))
    page = operations_client.get(UPTIME)
    assert page.context["month"] == dt.date(2026, 3, 1)
    assert "Uptime in March 2026" in page.content.decode()


def test_each_engagement_shows_target_uptime_tier_and_credit(operations_client) -> None:
    engagement = SLAAssignmentFactory(engagement=EngagementFactory(name="Cloud infrastructure")).engagement
    compute = monitored_service_create(engagement=engagement, name="Compute platform")
    monitored_service_create(engagement=engagement, name="Object storage")
    # 12 hours down in April (720 h): compute 98.333 %, storage 100 %, engagement mean 99.167 %.
    outage_create(service=compute, started_at=ny(2026, 4, 20, 0), ended_at=ny(2026, 4, 20, 12))
    page = operations_client.get(f"{UPTIME}?month=2026-04")
    (row,) = page.context["rows"]
    assert (row["uptime"], row["target"], row["met"]) == ("99.167", "99.900", False)
    assert row["tier"] == "below 99.900%: 10.000%" and row["credit_pct"] == "10.000"
    assert [(s["name"], s["uptime"], s["met"]) for s in row["services"]] == [
        ("Compute platform", "98.333", False),
        ("Object storage", "100.000", True),
    ]
    html = page.content.decode()
    assert "missed" in html and "below 99.900%: 10.000%" in html
    assert f"/admin/billing/servicecredit/?engagement__id__exact={engagement.pk}&amp;month=2026-04" in html


def test_an_engagement_without_a_policy_says_so(operations_client) -> None:
    engagement = EngagementFactory(name="No SLA")
    monitored_service_create(engagement=engagement, name="Email")
    (row,) = operations_client.get(f"{UPTIME}?month=2026-04").context["rows"]
    assert (row["target"], row["tier"], row["credit_pct"]) == ("—", "no SLA policy", "0.000")


def test_the_view_takes_the_same_queries_for_3_or_30_engagements_with_policies(operations_client) -> None:
    def make(count: int) -> None:
        for _ in range(count):
            engagement = SLAAssignmentFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1))).engagement
            OutageFactory(service=MonitoredServiceFactory(engagement=engagement))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert operations_client.get(f"{UPTIME}?month=2026-04").status_code == 200
        return len(ctx.captured_queries)

    make(3)
    few = queries()
    make(27)
    assert queries() == few
