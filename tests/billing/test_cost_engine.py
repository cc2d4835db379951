"""The cost engine's rules: rates on each entry's date, lines rounded on their own, prorated fees."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.selectors import engagement_month_costs
from billing.services import contractor_rate_create, fee_schedule_create, internal_rate_create
from engagements.models import Engagement
from engagements.services.engagements import contractor_create, person_create
from engagements.services.entries import overhead_entry_create, time_entry_create
from kernel.money import to_cents
from tests.billing.conftest import APRIL, d
from tests.billing.factories import ManagedEngagementFactory
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def costs_of(engagement: Engagement, month: dt.date = APRIL):
    return engagement_month_costs([engagement.pk], month)[engagement.pk]


def test_a_mid_month_rate_change_prices_each_entry_at_the_rate_on_its_own_date() -> None:
    contractor = contractor_create(engagement=EngagementFactory(), name="Ana")
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("50.00"), effective_from=d(1, 1))
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("55.55"), effective_from=d(15))
    time_entry_create(contractor=contractor, date=d(31, 3), hours=Decimal("8"))  # March: not April's cost
    time_entry_create(contractor=contractor, date=d(14), hours=Decimal("8"))  # 400.00
    time_entry_create(contractor=contractor, date=d(15), hours=Decimal("8"))  # 444.40, the new rate's first day
    costs = costs_of(contractor.engagement)
    assert (costs.labor_cost, costs.hours) == (Decimal("844.40"), Decimal("16.00"))


def test_twenty_minute_entries_are_rounded_line_by_line_not_on_the_sum() -> None:
    # 0.33 h x 42.50 = 14.025 -> 14.03 each (half up, not to even): 42.09,
    # where rounding the sum (0.99 h x 42.50 = 42.075) would give 42.08.
    # 0.33 h x 77.77 = 25.6641 -> 25.66 each: 76.98, not 76.99 (0.99 x 77.77).
    first = contractor_create(engagement=EngagementFactory(), name="Ana")
    second = contractor_create(engagement=first.engagement, name="Ben")
    contractor_rate_create(contractor=first, hourly_rate=Decimal("42.50"), effective_from=d(1, 1))
    contractor_rate_create(contractor=second, hourly_rate=Decimal("77.77"), effective_from=d(1, 1))
    for contractor in (first, second):
        for day in (6, 7, 8):
            time_entry_create(contractor=contractor, date=d(day), hours=Decimal("0.33"))
    costs = costs_of(first.engagement)
    assert costs.labor_cost == Decimal("42.09") + Decimal("76.98") == Decimal("119.07")
    assert costs.hours == Decimal("1.98")


def test_a_fee_change_and_an_end_date_mid_month_prorate_each_part_on_its_own() -> None:
    engagement = ManagedEngagementFactory(start_date=d(1, 3), end_date=d(21))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("1000.00"), effective_from=d(1, 3))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("1100.00"), effective_from=d(8))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("9999.00"), effective_from=d(1, 5))
    costs = costs_of(engagement)
    # Days 1-7 at 1000: 233.333 -> 233.33; days 8-21 at 1100: 513.333 -> 513.33.
    assert costs.fee_cost == Decimal("233.33") + Decimal("513.33") == Decimal("746.66")
    assert (costs.active_days, costs.days_in_month) == (21, 30)
    assert costs.total_cost == Decimal("746.66")


def test_a_fee_set_before_the_month_applies_to_every_active_day() -> None:
    engagement = ManagedEngagementFactory(start_date=d(1, 1))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("5000.00"), effective_from=d(1, 1))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("5500.00"), effective_from=d(1, 2))
    assert costs_of(engagement).fee_cost == Decimal("5500.00")
    assert costs_of(engagement, d(1, 1)).fee_cost == Decimal("5000.00")
    assert costs_of(engagement, d(1, 2)).days_in_month == 28


def test_a_person_without_a_rate_of_their_own_costs_the_organisation_default() -> None:
    engagement = EngagementFactory()
    lead, helper = person_create(name="Lead"), person_create(name="Helper")
    internal_rate_create(person=None, hourly_cost=Decimal("80.00"), effective_from=d(1, 1))
    internal_rate_create(person=None, hourly_cost=Decimal("90.00"), effective_from=d(20))
    internal_rate_create(person=lead, hourly_cost=Decimal("120.00"), effective_from=d(10))
    for person, day, hours in [
        (lead, 5, "2"),
        (lead, 10, "1"),
        (helper, 10, "1.25"),
        (helper, 21, "1"),
        (lead, 21, "1"),
    ]:
        overhead_entry_create(
            engagement=engagement, person=person, date=d(day), hours=Decimal(hours), activity="supervision"
        )
    costs = costs_of(engagement)
    # lead: 2 h at the default 80 before their own rate starts, then 120 x 2;
    # helper: 1.25 h at 80, then 1 h at the new default 90.
    assert costs.overhead_cost == Decimal("160.00") + Decimal("240.00") + Decimal("100.00") + Decimal("90.00")
    assert costs.overhead_hours == Decimal("6.25")
    assert costs.missing_rates == []


def test_entries_without_any_rate_are_named_and_left_out() -> None:
    contractor = contractor_create(engagement=EngagementFactory(), name="Ana")
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("60.00"), effective_from=d(10))
    for day in (2, 3, 12):
        time_entry_create(contractor=contractor, date=d(day), hours=Decimal("8"))
    overhead_entry_create(
        engagement=contractor.engagement,
        person=person_create(name="Mo"),
        date=d(4),
        hours=Decimal("1.5"),
        activity="qa_review",
    )
    costs = costs_of(contractor.engagement)
    assert (costs.labor_cost, costs.hours) == (Decimal("480.00"), Decimal("24.00"))
    assert costs.overhead_cost == Decimal("0.00")
    assert costs.missing_rates == [
        "Ana has no bill rate in effect for 2 entries (16.00 h) from 2026-04-02 to 2026-04-03; left out of the cost.",
        (
            "Mo has no internal rate (nor an organisation default) in effect for 1 entry (1.50 h) on 2026-04-04; "
            "left out of the cost."
        ),
    ]


def test_a_managed_engagement_without_a_fee_says_so() -> None:
    engagement = ManagedEngagementFactory(start_date=d(1, 1))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("3000.00"), effective_from=d(16))
    costs = costs_of(engagement)
    assert costs.fee_cost == Decimal("1500.00")
    assert costs.missing_rates == ["No monthly fee in effect from 2026-04-01 to 2026-04-15; left out of the cost."]


def test_an_engagement_that_is_not_active_costs_nothing() -> None:
    engagement = ManagedEngagementFactory(start_date=d(1, 5))
    fee_schedule_create(engagement=engagement, monthly_fee=Decimal("3000.00"), effective_from=d(1, 5))
    costs = costs_of(engagement)
    assert (costs.active_days, costs.fee_cost, costs.total_cost, costs.overhead_ratio) == (0, 0, 0, None)
    assert costs.missing_rates == []


def test_the_engine_agrees_with_line_by_line_python_on_random_entries() -> None:
    rng = random.Random(20260401)
    engagement = EngagementFactory()
    expected = Decimal("0")
    for n in range(3):
        contractor = contractor_create(engagement=engagement, name=f"C{n}")
        rates = {d(1, 1): Decimal(rng.randint(2000, 20000)) / 100}
        for day in rng.sample(range(2, 29), 3):
            rates[d(day)] = Decimal(rng.randint(2000, 20000)) / 100
        for effective_from, rate in rates.items():
            contractor_rate_create(contractor=contractor, hourly_rate=rate, effective_from=effective_from)
        for day in range(1, 31):
            hours = Decimal(rng.randint(1, 1200)) / 100
            time_entry_create(contractor=contractor, date=d(day), hours=hours)
            rate = rates[max(k for k in rates if k <= d(day))]
            expected += to_cents(hours * rate)
    assert costs_of(engagement).labor_cost == expected


def _engagements_with_everything(count: int) -> list[int]:
    ids = []
    person = person_create(name=f"Manager of {count}")
    internal_rate_create(person=person, hourly_cost=Decimal("100.00"), effective_from=d(1, 1))
    for n in range(count):
        staff_aug = EngagementFactory(start_date=d(1, 1))
        contractor = contractor_create(engagement=staff_aug, name=f"C{n}")
        contractor_rate_create(contractor=contractor, hourly_rate=Decimal("50.00"), effective_from=d(1, 1))
        managed = ManagedEngagementFactory(start_date=d(1, 1))
        fee_schedule_create(engagement=managed, monthly_fee=Decimal("1000.00"), effective_from=d(1, 1))
        for day in (1, 2, 3):
            time_entry_create(contractor=contractor, date=d(day), hours=Decimal("1"))
            overhead_entry_create(
                engagement=managed, person=person, date=d(day), hours=Decimal("1"), activity="training"
            )
        ids += [staff_aug.pk, managed.pk]
    return ids


def _queries(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        engagement_month_costs(ids, APRIL)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_engagements_or_entries(django_assert_num_queries) -> None:
    few, many = _engagements_with_everything(1), _engagements_with_everything(5)
    assert _queries(few) == _queries(many)
    with django_assert_num_queries(_queries(few)):
        engagement_month_costs(many, APRIL)
    assert _queries(many) <= 14
