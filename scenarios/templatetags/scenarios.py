"""`{% load scenarios %}{% scenario_hindsight month area_id %}`: a report's area shows its scenarios in hindsight.

The reports app may not import this one; its template loads the library by
name. The first call of a page loads every area's scenarios and actual costs
at once (3 queries at most), the next ones read that from the render context.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from kernel.months import first_of
from scenarios.presentation import amount, pct, projection_of
from scenarios.projection import PLAN_LABELS, hindsight
from scenarios.selectors import actual_costs, actual_months, last_complete_month, scenarios_of

register = template.Library()
CACHE_KEY = "scenarios_hindsight"


def hindsight_by_area(month: dt.date) -> dict[int, list[dict[str, Any]]]:
    """Return, per service area, its scenarios that started by `month` with their hindsight up to it."""
    until = min(first_of(month), last_complete_month())
    scenarios = list(scenarios_of().filter(start_month__lte=until).order_by("service_area_id", "start_month", "id"))
    if not scenarios:
        return {}
    costs = actual_costs({s.service_area_id for s in scenarios}, min(s.start_month for s in scenarios), until)
    found: dict[int, list[dict[str, Any]]] = {}
    for scenario in scenarios:
        actual = actual_months(scenario, costs.get(scenario.service_area_id, {}), until)
        if not actual:
            continue
        projection = projection_of(scenario)
        rows = hindsight(projection.months, projection.plans[scenario.chosen_plan].monthly, actual)
        found.setdefault(scenario.service_area_id, []).append(
            {"scenario": scenario, "plan": PLAN_LABELS[scenario.chosen_plan], "last": rows[-1]}
        )
    return found


@register.filter
def cents(value: Decimal | None) -> str:
    """Write an amount with thousands separators and cents ("16,000.00")."""
    return amount(value)


@register.filter
def pct1(value: Decimal | None) -> str:
    """Write a percentage to one place, half up ("8.7%"), as the pages' footer says."""
    return pct(value)


@register.inclusion_tag("scenarios/_hindsight.html", takes_context=True)
def scenario_hindsight(context: template.Context, month: dt.date, area_id: int) -> dict[str, Any]:
    """Render an area's scenarios that started by the report's month: projected against actual cumulative cost."""
    cache = context.render_context
    if CACHE_KEY not in cache:
        cache[CACHE_KEY] = hindsight_by_area(month)
    return {"rows": cache[CACHE_KEY].get(area_id, [])}
