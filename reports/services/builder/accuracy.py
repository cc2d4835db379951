"""Forecast accuracy (domain.md): earlier reports' one-month-ahead forecasts scored against what happened.

The forecast stored with month P's report predicts P+1 first. For each of the
last 6 months T up to the report month, the forecast of T in report T-1 is
compared with T's actual total: error_pct = (forecast - actual) / actual.
A month is scored only when both exist and the actual is not zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kernel.money import exact, round_pct
from kernel.months import add_months, month_iso
from reports.maths import TRAILING_MONTHS
from reports.models import ComparisonReport
from reports.services.builder.data import ALL, MODELS, Groups, as_text

SCORED_MONTHS = TRAILING_MONTHS


def stored_forecasts(month: dt.date) -> dict[tuple[Any, str, str], Decimal]:
    """Return {(scope, model, month predicted): amount} of the one-month-ahead forecasts of earlier reports (one query)."""
    first = add_months(month, -SCORED_MONTHS)
    found: dict[tuple[Any, str, str], Decimal] = {}
    reports = ComparisonReport.objects.filter(month__gte=first, month__lt=month).values_list("payload", flat=True)
    for payload in reports:
        scopes = [(ALL, payload.get("overall", {}).get("forecast"))]
        scopes += [(area["id"], area.get("forecast")) for area in payload.get("service_areas", [])]
        for scope, forecast in scopes:
            if not forecast or not forecast.get("months"):
                continue
            for model in MODELS:
                values = forecast.get(model) or []
                if values:
                    found[(scope, model, forecast["months"][0])] = Decimal(values[0])
    return found


def accuracy_of(
    groups: Groups, scope: Any, month: dt.date, forecasts: dict[tuple[Any, str, str], Decimal]
) -> dict[str, dict[str, Any]]:
    """Return per model the mean absolute error of the one-month-ahead forecasts, and each month scored."""
    result: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        scored, errors = [], []
        for k in range(SCORED_MONTHS - 1, -1, -1):
            target = add_months(month, -k)
            predicted = forecasts.get((scope, model, month_iso(target)))
            tally = groups.tally((scope, model), target)
            if predicted is None or not tally.has_data or not tally.total_cost:
                continue
            with exact():
                error = (predicted - tally.total_cost) * 100 / tally.total_cost
            errors.append(error)
            scored.append(
                {
                    "month": month_iso(target),
                    "forecast": str(predicted),
                    "actual": str(tally.total_cost),
                    "error_pct": str(round_pct(error)),
                }
            )
        mean = None
        if errors:
            with exact():
                mean = round_pct(sum((abs(e) for e in errors), Decimal(0)) / len(errors))
        result[model] = {"mean_abs_error_pct": as_text(mean), "months_scored": len(scored), "scored": scored}
    return result
