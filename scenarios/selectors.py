"""Reads of the scenarios app: the realized inputs a projection draws, the actual months hindsight needs.

Each function runs a fixed number of queries whatever the number of months or
engagements: the snapshots of the window in one query, their exchange rates in
another, converted into the base currency in Python (decimals, never SQL sums).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet

from billing.models import ExchangeRate
from engagements.models import DeliveryModel, ServiceArea
from kernel.money import ZERO, exact, round_pct, to_cents
from kernel.months import add_months, current_month, month_label, months_between
from reports.models import MonthlySnapshot
from scenarios.models import Scenario
from scenarios.projection import HORIZON, TREND_MONTHS, Realized

STAFF, MANAGED = DeliveryModel.STAFF_AUG.value, DeliveryModel.MANAGED.value
MONEY_LINES = ("labor_cost", "overhead_cost", "fee_cost", "one_time_cost", "credit")
ROW_FIELDS = ("month", "currency", "hours", *MONEY_LINES)


@dataclass
class Drawn:
    """The realized inputs of a projection, with what the form is prefilled with and what was left out."""

    realized: Realized
    area_models: list[str] = field(default_factory=list)
    credit_pct: Decimal | None = None
    managed_fee: Decimal | None = None
    # The area's staff-aug vendor cost (labor) of the base month: what a provider taking the work over replaces.
    staff_vendor_cost: Decimal | None = None
    monthly_cost: Decimal = ZERO
    notes: list[str] = field(default_factory=list)


def base_month_for(start: dt.date) -> dt.date:
    """Return the last month the projection learns from: the month before the start, and never one not yet over."""
    return min(add_months(start, -1), add_months(current_month(), -1))


def _money(row: dict[str, Any], rate: Decimal | None) -> dict[str, Decimal]:
    """Return a snapshot's money lines in the base currency, each converted and rounded, totals rebuilt."""
    lines = {name: row[name] if rate is None else to_cents(row[name] * rate) for name in MONEY_LINES}
    total = lines["labor_cost"] + lines["overhead_cost"] + lines["fee_cost"] + lines["one_time_cost"] - lines["credit"]
    return {**lines, "total_cost": total, "vendor_cost": total - lines["overhead_cost"]}


def _rates(rows: Sequence[dict[str, Any]]) -> dict[tuple[dt.date, str], Decimal]:
    """Return the exchange rate of every (month, currency) the rows need (one query)."""
    base = settings.BASE_CURRENCY
    wanted = {(row["month"], row["currency"]) for row in rows if row["currency"] != base}
    if not wanted:
        return {}
    months = {month for month, _ in wanted}
    found = ExchangeRate.objects.filter(
        month__gte=min(months), month__lte=max(months), currency__in={currency for _, currency in wanted}
    ).values_list("month", "currency", "rate_to_base")
    return {(month, currency): rate for month, currency, rate in found}


def _converted(rows: list[dict[str, Any]], notes: list[str]) -> list[dict[str, Any]]:
    """Return the rows with their money in the base currency; rows without a rate are left out and said so."""
    rates = _rates(rows)
    kept, missing = [], set()
    for row in rows:
        if row["currency"] == settings.BASE_CURRENCY:
            row["money"] = _money(row, None)
        elif (row["month"], row["currency"]) in rates:
            row["money"] = _money(row, rates[(row["month"], row["currency"])])
        else:
            missing.add((row["month"], row["currency"]))
            continue
        kept.append(row)
    for month, currency in sorted(missing):
        notes.append(f"No {currency} exchange rate for {month_label(month)}: its {currency} engagements are left out.")
    return kept


def _window_rows(first: dt.date, last: dt.date, area_id: int | None = None) -> QuerySet[MonthlySnapshot, Any]:
    rows = MonthlySnapshot.objects.filter(month__gte=first, month__lte=last)
    if area_id is not None:
        rows = rows.filter(engagement__service_area_id=area_id)
    return rows.order_by("month", "engagement_id")


def _ratio_pct(overhead: Decimal, vendor: Decimal) -> Decimal:
    if not vendor:
        return ZERO
    with exact():
        return round_pct(overhead * 100 / vendor)


def _sum(rows: Iterable[dict[str, Any]], name: str) -> Decimal:
    return sum((row["money"][name] for row in rows), ZERO)


def realized_inputs(area_id: int, start: dt.date) -> Drawn:
    """Draw a projection's inputs from the six months before the start (2 queries, 3 with foreign currencies).

    Hours trend: the area's staff-aug hours of the months that have any;
    mean rate: staff-aug labor cost / hours of the latest such month (the
    hours-weighted mean of the bill rates then in effect); overhead ratios:
    overhead / vendor cost over the window, of the area's staff aug and of
    every managed engagement; the current managed cost: the area's managed
    cost of the last month, without one-time charges.
    """
    base = base_month_for(start)
    window = months_between(add_months(base, -(TREND_MONTHS - 1)), base)
    notes: list[str] = []
    rows = list(
        _window_rows(window[0], base).values(
            *ROW_FIELDS, model=F("engagement__model"), area=F("engagement__service_area_id")
        )
    )
    rows = _converted(rows, notes)
    area = [row for row in rows if row["area"] == area_id]
    staff = [row for row in area if row["model"] == STAFF]
    managed_all = [row for row in rows if row["model"] == MANAGED]
    hours_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for row in staff:
        hours_by_month[row["month"]] += row["hours"]
    months = [month for month in window if hours_by_month.get(month, ZERO) > 0]
    mean_rate = None
    if months:
        latest = [row for row in staff if row["month"] == months[-1]]
        with exact():
            mean_rate = to_cents(_sum(latest, "labor_cost") / hours_by_month[months[-1]])
    last_managed = [row for row in area if row["model"] == MANAGED and row["month"] == base]
    last_staff = [row for row in staff if row["month"] == base]
    fees = _sum(managed_all, "fee_cost")
    realized = Realized(
        base_month=base,
        history_months=tuple(months),
        history_hours=tuple(hours_by_month[month] for month in months),
        mean_rate=mean_rate,
        staff_overhead_pct=_ratio_pct(_sum(staff, "overhead_cost"), _sum(staff, "vendor_cost")),
        managed_overhead_pct=_ratio_pct(_sum(managed_all, "overhead_cost"), _sum(managed_all, "vendor_cost")),
        current_managed=_sum(last_managed, "total_cost") - _sum(last_managed, "one_time_cost"),
        currency=settings.BASE_CURRENCY,
    )
    with exact():
        credit_pct = round_pct(_sum(managed_all, "credit") * 100 / fees) if fees else None
    return Drawn(
        realized=realized,
        area_models=sorted({row["model"] for row in area if row["month"] == base}),
        credit_pct=credit_pct,
        managed_fee=_sum(last_managed, "fee_cost") if last_managed else None,
        staff_vendor_cost=_sum(last_staff, "vendor_cost") if last_staff else None,
        monthly_cost=_sum([row for row in area if row["month"] == base], "total_cost"),
        notes=notes,
    )


def realized_to_json(drawn: Realized) -> dict[str, Any]:
    """Return the realized inputs as JSON-ready data (decimals and months as text), as a scenario stores them."""
    return {
        "base_month": drawn.base_month.isoformat(),
        "history_months": [month.isoformat() for month in drawn.history_months],
        "history_hours": [str(hours) for hours in drawn.history_hours],
        "mean_rate": None if drawn.mean_rate is None else str(drawn.mean_rate),
        "staff_overhead_pct": str(drawn.staff_overhead_pct),
        "managed_overhead_pct": str(drawn.managed_overhead_pct),
        "current_managed": str(drawn.current_managed),
        "currency": drawn.currency,
    }


def realized_from_json(data: dict[str, Any]) -> Realized:
    """Read the realized inputs a scenario stored."""
    return Realized(
        base_month=dt.date.fromisoformat(data["base_month"]),
        history_months=tuple(dt.date.fromisoformat(month) for month in data.get("history_months", [])),
        history_hours=tuple(Decimal(hours) for hours in data.get("history_hours", [])),
        mean_rate=None if data.get("mean_rate") is None else Decimal(data["mean_rate"]),
        staff_overhead_pct=Decimal(data.get("staff_overhead_pct", "0")),
        managed_overhead_pct=Decimal(data.get("managed_overhead_pct", "0")),
        current_managed=Decimal(data.get("current_managed", "0")),
        currency=data.get("currency", settings.BASE_CURRENCY),
    )


def actual_costs(area_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[int, dict[dt.date, Decimal]]:
    """Return each area's total cost per month (base currency) of the months with snapshots (2 queries at most)."""
    notes: list[str] = []
    ids = list(area_ids)
    if not ids or last < first:
        return {}
    rows = list(
        _window_rows(first, last)
        .filter(engagement__service_area_id__in=ids)
        .values(*ROW_FIELDS, area=F("engagement__service_area_id"))
    )
    totals: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in _converted(rows, notes):
        totals[row["area"]][row["month"]] += row["money"]["total_cost"]
    return totals


def actual_months(scenario: Scenario, costs: dict[dt.date, Decimal], until: dt.date) -> list[Decimal]:
    """Return the actual cost of the scenario's months from its start, as long as each has data, up to `until`."""
    result = []
    for month in months_between(scenario.start_month, min(until, add_months(scenario.start_month, HORIZON - 1))):
        if month not in costs:
            break
        result.append(costs[month])
    return result


def last_complete_month() -> dt.date:
    """Return the last month that is over (hindsight compares only whole months)."""
    return add_months(current_month(), -1)


def scenarios_of(area_id: int | None = None) -> QuerySet[Scenario, Scenario]:
    """Return the saved scenarios (of one area) with their area and author."""
    rows = Scenario.objects.select_related("service_area", "author")
    return rows.filter(service_area_id=area_id) if area_id is not None else rows


def service_areas() -> QuerySet[ServiceArea, ServiceArea]:
    """Return every service area by name (the form's choices)."""
    return ServiceArea.objects.order_by("name")
