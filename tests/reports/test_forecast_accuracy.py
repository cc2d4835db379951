"""Forecast accuracy (domain.md): April's stored forecast of May scored against May's actual cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.services import one_time_charge_create
from reports.services import report_build, snapshots_compute

APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)
pytestmark = pytest.mark.django_db


def test_the_one_month_ahead_forecast_is_scored_against_the_actual(worked_example) -> None:
    ids = [worked_example.augmented.pk, worked_example.msp.pk]
    snapshots_compute(engagement_ids=ids, month=APRIL)
    april = report_build(month=APRIL).payload
    area = april["service_areas"][0]
    # The managed fee schedule forecasts May at the full monthly fee; nothing was scored yet.
    assert area["forecast"]["months"][0] == "2026-05" and area["forecast"]["managed"][0] == "6000.00"
    assert area["forecast_accuracy"]["managed"] == {"mean_abs_error_pct": None, "months_scored": 0, "scored": []}
    one_time_charge_create(
        engagement=worked_example.msp, date=dt.date(2026, 5, 4), amount=Decimal("600.00"), kind="other"
    )
    snapshots_compute(engagement_ids=ids, month=MAY)
    may = report_build(month=MAY).payload["service_areas"][0]
    managed = may["forecast_accuracy"]["managed"]
    actual = Decimal(may["managed"]["figures"]["total_cost"])
    assert actual == Decimal("6600.00")
    # (6000 - 6600) / 6600 = -9.0909...%
    assert managed["scored"] == [
        {"month": "2026-05", "forecast": "6000.00", "actual": "6600.00", "error_pct": "-9.091"}
    ]
    assert managed["mean_abs_error_pct"] == "9.091" and managed["months_scored"] == 1
    # Staff aug ended in April: it had no forecast to score.
    assert may["forecast_accuracy"]["staff_aug"]["months_scored"] == 0
