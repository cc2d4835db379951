"""The worked example of domain.md, to the cent, in its snapshots and in the April 2026 report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports.models import ComparisonReport, MonthlySnapshot
from reports.services import recompute_month_request, report_build, snapshots_compute

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def _compute(example) -> dict[str, MonthlySnapshot]:
    snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=APRIL)
    return {s.engagement.name: s for s in MonthlySnapshot.objects.filter(month=APRIL).select_related("engagement")}


def test_the_staff_aug_snapshot_has_the_worked_example_figures(worked_example) -> None:
    snapshot = _compute(worked_example)["Help desk (augmented)"]
    assert snapshot.labor_cost == Decimal("3152.50")
    assert snapshot.hours == Decimal("37.75")
    assert snapshot.overhead_cost == Decimal("540.00")
    assert snapshot.one_time_cost == Decimal("500.00")
    assert snapshot.total_cost == Decimal("4192.50")
    assert snapshot.vendor_cost == Decimal("3652.50")
    assert snapshot.overhead_ratio == Decimal("14.784")
    assert snapshot.uptime_pct is None


def test_the_managed_snapshot_has_the_worked_example_figures(worked_example) -> None:
    snapshot = _compute(worked_example)["Help desk (MSP)"]
    assert snapshot.active_days == 20
    assert snapshot.fee_cost == Decimal("4000.00")
    assert snapshot.one_time_cost == Decimal("2500.00")
    assert snapshot.overhead_cost == Decimal("240.00")
    assert snapshot.uptime_pct == Decimal("99.688")
    assert snapshot.credit_pct == Decimal("10.000")
    assert snapshot.credit == Decimal("400.00")
    assert snapshot.total_cost == Decimal("6340.00")
    assert snapshot.downtime_hours == Decimal("1.50")


def test_the_april_2026_report_shows_the_worked_example(worked_example) -> None:
    recompute_month_request(APRIL)  # no broker: runs in-process once committed
    _compute(worked_example)
    report = report_build(month=APRIL)
    payload = report.payload
    staff, managed = payload["overall"]["staff_aug"]["figures"], payload["overall"]["managed"]["figures"]
    assert staff["labor_cost"] == "3152.50"
    assert staff["total_cost"] == "4192.50"
    assert staff["vendor_cost"] == "3652.50"
    assert staff["overhead_ratio"] == "14.784"
    assert managed["total_cost"] == "6340.00"
    assert managed["credit"] == "400.00"
    assert managed["uptime_pct"] == "99.688"
    area = payload["service_areas"][0]
    assert area["name"] == "Help desk"
    assert area["staff_aug"]["figures"]["total_cost"] == "4192.50"
    assert area["managed"]["figures"]["total_cost"] == "6340.00"
    assert ComparisonReport.objects.get(month=APRIL).fingerprint == report.fingerprint
