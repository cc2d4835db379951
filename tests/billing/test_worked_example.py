"""domain.md's worked example, to the cent, on whichever database the suite runs on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.selectors import engagement_month_costs
from reports.demo.worked_example import WorkedExample
from tests.billing.conftest import APRIL

pytestmark = pytest.mark.django_db


def test_the_staff_aug_engagement_costs_4192_50_in_april(worked_example: WorkedExample) -> None:
    costs = engagement_month_costs([worked_example.augmented.pk], APRIL)[worked_example.augmented.pk]
    assert costs.currency == "USD"
    assert costs.labor_cost == Decimal("3152.50")
    assert costs.hours == Decimal("37.75")
    assert costs.overhead_cost == Decimal("540.00")
    assert costs.overhead_hours == Decimal("4.50")
    assert costs.one_time_cost == Decimal("500.00")
    assert (costs.fee_cost, costs.credit) == (Decimal("0.00"), Decimal("0.00"))
    assert costs.total_cost == Decimal("4192.50")
    assert costs.vendor_cost == Decimal("3652.50")
    assert costs.overhead_ratio == Decimal("540.00") / Decimal("3652.50")
    assert costs.overhead_ratio_pct == Decimal("14.784")
    assert (costs.active_days, costs.days_in_month) == (30, 30)
    assert costs.missing_rates == []


def test_the_managed_engagement_costs_6340_00_in_april_after_its_sla_credit(worked_example: WorkedExample) -> None:
    costs = engagement_month_costs([worked_example.msp.pk], APRIL)[worked_example.msp.pk]
    assert (costs.active_days, costs.days_in_month) == (20, 30)
    assert costs.fee_cost == Decimal("4000.00")
    assert costs.one_time_cost == Decimal("2500.00")
    assert costs.overhead_cost == Decimal("240.00")
    assert costs.overhead_hours == Decimal("2.00")
    assert costs.credit_pct == Decimal("10")
    assert costs.credit == Decimal("400.00")
    assert costs.total_cost == Decimal("6340.00")
    assert costs.vendor_cost == Decimal("6100.00")
    assert (costs.labor_cost, costs.hours) == (Decimal("0.00"), Decimal("0.00"))
    assert costs.missing_rates == []


def test_the_managed_engagements_uptime_is_99_688_percent(worked_example: WorkedExample) -> None:
    from kernel.money import round_pct
    from sla.selectors import uptime_for

    uptime = uptime_for([worked_example.msp.pk], APRIL)[worked_example.msp.pk]
    assert uptime == Decimal("99.6875")
    assert round_pct(uptime) == Decimal("99.688")


def test_both_engagements_come_from_one_call(worked_example: WorkedExample) -> None:
    costs = engagement_month_costs([worked_example.augmented.pk, worked_example.msp.pk], APRIL)
    assert {pk: c.total_cost for pk, c in costs.items()} == {
        worked_example.augmented.pk: Decimal("4192.50"),
        worked_example.msp.pk: Decimal("6340.00"),
    }
