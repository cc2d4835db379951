"""A rate or fee change marks every engagement-month it prices for recompute, in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import ContractorRate
from billing.services import (
    contractor_rate_create,
    contractor_rate_delete,
    fee_schedule_create,
    fee_schedule_update,
    internal_rate_create,
)
from engagements.models import ChangedMonth, Engagement
from engagements.services.entries import overhead_entry_create
from tests.billing.conftest import d
from tests.billing.factories import ManagedEngagementFactory
from tests.factories import ContractorFactory, EngagementFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today_is_mid_june() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def marked(engagement: Engagement | None = None) -> list[tuple[int, str]]:
    rows = ChangedMonth.objects.order_by("engagement_id", "month")
    if engagement is not None:
        rows = rows.filter(engagement=engagement)
    return [(pk, f"{month:%Y-%m}") for pk, month in rows.values_list("engagement_id", "month")]


def months(engagement: Engagement, *names: str) -> list[tuple[int, str]]:
    return [(engagement.pk, name) for name in names]


def test_a_new_rate_marks_its_month_through_the_current_month() -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=d(1, 1)))
    ChangedMonth.objects.all().delete()
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("80"), effective_from=d(10, 3))
    assert marked() == months(contractor.engagement, "2026-03", "2026-04", "2026-05", "2026-06")


def test_a_rate_marks_only_the_months_until_the_next_rate_takes_over() -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=d(1, 1)))
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("90"), effective_from=d(1, 5))
    ChangedMonth.objects.all().delete()
    rate = contractor_rate_create(contractor=contractor, hourly_rate=Decimal("80"), effective_from=d(10, 3))
    assert marked() == months(contractor.engagement, "2026-03", "2026-04")
    ChangedMonth.objects.all().delete()
    contractor_rate_delete(rate=ContractorRate.objects.get(effective_from=d(1, 5)))
    # Without the May rate, the March one prices May and June again.
    assert marked() == months(contractor.engagement, "2026-05", "2026-06")
    assert rate.pk


def test_marks_stay_inside_the_engagements_dates() -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=d(10, 2), end_date=d(20, 4)))
    ChangedMonth.objects.all().delete()
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("80"), effective_from=d(1, 1))
    assert marked() == months(contractor.engagement, "2026-02", "2026-03", "2026-04")


def test_a_fee_change_marks_the_months_from_the_old_and_the_new_date() -> None:
    engagement = ManagedEngagementFactory(start_date=d(1, 1))
    fee = fee_schedule_create(engagement=engagement, monthly_fee=Decimal("5000"), effective_from=d(1, 5))
    ChangedMonth.objects.all().delete()
    fee_schedule_update(fee=fee, effective_from=d(1, 3), monthly_fee=Decimal("4500"))
    assert marked() == months(engagement, "2026-03", "2026-04", "2026-05", "2026-06")


def test_a_default_internal_rate_marks_every_engagement_with_overhead_in_its_months() -> None:
    person, other = PersonFactory(), PersonFactory()
    april, may, february = EngagementFactory(), EngagementFactory(), EngagementFactory()
    overhead_entry_create(engagement=april, person=person, date=d(3), hours=Decimal("1"), activity="training")
    overhead_entry_create(engagement=may, person=other, date=d(3, 5), hours=Decimal("1"), activity="training")
    overhead_entry_create(engagement=february, person=person, date=d(3, 2), hours=Decimal("1"), activity="training")
    ChangedMonth.objects.all().delete()
    internal_rate_create(person=None, hourly_cost=Decimal("95"), effective_from=d(1))
    assert marked() == months(april, "2026-04") + months(may, "2026-05")


def test_a_personal_rate_marks_only_that_persons_engagement_months() -> None:
    person, other = PersonFactory(), PersonFactory()
    mine, theirs = EngagementFactory(), EngagementFactory()
    overhead_entry_create(engagement=mine, person=person, date=d(3), hours=Decimal("1"), activity="training")
    overhead_entry_create(engagement=theirs, person=other, date=d(3), hours=Decimal("1"), activity="training")
    ChangedMonth.objects.all().delete()
    internal_rate_create(person=person, hourly_cost=Decimal("95"), effective_from=d(1, 1))
    assert marked() == months(mine, "2026-04")


def _default_rate_queries(engagements: int, effective_from: dt.date) -> int:
    person = PersonFactory()
    for _ in range(engagements):
        engagement = EngagementFactory()
        for month in (4, 5, 6):
            overhead_entry_create(
                engagement=engagement, person=person, date=d(2, month), hours=Decimal("1"), activity="rework"
            )
    with CaptureQueriesContext(connection) as ctx:
        internal_rate_create(person=None, hourly_cost=Decimal("95"), effective_from=effective_from)
    return len(ctx.captured_queries)


def test_a_default_rate_marks_in_a_number_of_queries_that_does_not_grow_with_engagements() -> None:
    assert _default_rate_queries(1, d(1, 1)) == _default_rate_queries(8, d(1, 2))
