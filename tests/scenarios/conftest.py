"""Stored snapshots for the scenario tests: the selector reads only them (and exchange rates)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from reports.models import MonthlySnapshot

ZERO = Decimal("0.00")


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
