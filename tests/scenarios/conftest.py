"""Stored snapshots for the scenario tests: the selector reads only them (and exchange rates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from reports.models import MonthlySnapshot

ZERO = Decimal("0.00")
# The day these tests' months are written against: the last complete month is October 2026, so
# a scenario drawn "now" learns from May-October. Without it they failed once the clock reached December.
TODAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def november_2026() -> Iterator[None]:
    """Run every scenario test on TODAY (the clock still ticks)."""
    with time_machine.travel(TODAY):
        yield


def snapshot(engagement: Any, month: dt.date, **figures: Any) -> MonthlySnapshot:
    """Store one engagement-month's figures as a job would (totals rebuilt from the lines)."""
    lines = {
        name: Decimal(figures.pop(name, ZERO))
        for name in ("labor_cost", "overhead_cost", "fee_cost", "one_time_cost", "credit")
    }
    total = lines["labor_cost"] + lines["overhead_cost"] + lines["fee_cost"] + lines["one_time_cost"] - lines["credit"]
    now = timezone.now()
    # Keyed like the jobs' upsert: a job that ran first (a test with real transactions) is overwritten.
    return MonthlySnapshot.objects.update_or_create(
        engagement=engagement,
        month=month,
        defaults=dict(
            currency=figures.pop("currency", engagement.currency),
            total_cost=total,
            vendor_cost=total - lines["overhead_cost"],
            hours=Decimal(figures.pop("hours", ZERO)),
            overhead_hours=ZERO,
            active_days=30,
            days_in_month=30,
            fingerprint="test",
            computed_at=now,
            verified_at=now,
            **lines,
            **figures,
        ),
    )[0]
