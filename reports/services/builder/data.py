"""The report's data: the snapshots of the history window, converted into the base currency, and their group tallies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F

from billing.selectors import MissingExchangeRate, exchange_rates_for
from engagements.models import DeliveryModel
from kernel.months import add_months, first_of, month_label, months_apart
from reports.models import FIGURE_FIELDS, MonthlySnapshot
from reports.services.builder.words import rate as rate_text
from reports.services.tally import ZERO, Tally, convert_row

WINDOW_MONTHS = 24
# Snapshots loaded for cumulative cost by month index: an engagement that
# started up to this many months ago still shows its first 24 months.
HISTORY_MONTHS = 48
STAFF, MANAGED = DeliveryModel.STAFF_AUG.value, DeliveryModel.MANAGED.value
MODELS = (STAFF, MANAGED)
ALL = "all"


def as_text(value: Decimal | None) -> str | None:
    """Return a Decimal as JSON-ready text, None as None."""
    return None if value is None else str(value)


ROW_FIELDS = [name for name in FIGURE_FIELDS if name != "missing_rates"]


@dataclass
class ReportData:
    """Everything loaded for one report: converted snapshots and what the conversion could not do."""

    month: dt.date
    currency: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Every snapshot of the history window, converted or not: outcomes need no exchange rate.
    history: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rates: dict[tuple[dt.date, str], Decimal | None] = field(default_factory=dict)


def load_report_data(month: dt.date) -> ReportData:
    """Load the snapshots of the history window with their engagement, converted into the base currency."""
    base = settings.BASE_CURRENCY
    first = add_months(month, -(HISTORY_MONTHS - 1))
    rows = list(
        MonthlySnapshot.objects.filter(month__gte=first, month__lte=month)
        .order_by("month", "engagement_id")
        .values(
            "engagement_id",
            "month",
            "currency",
            "missing_rates",
            "data_quality",
            "complete",
            *ROW_FIELDS,
            name=F("engagement__name"),
            model=F("engagement__model"),
            area_id=F("engagement__service_area_id"),
            area=F("engagement__service_area__name"),
            vendor=F("engagement__vendor__name"),
            vendor_id=F("engagement__vendor_id"),
            start_date=F("engagement__start_date"),
            end_date=F("engagement__end_date"),
        )
    )
    data = ReportData(month=month, currency=base, history=rows)
    foreign: dict[dt.date, set[str]] = defaultdict(set)
    for row in rows:
        if row["currency"] != base:
            foreign[row["month"]].add(row["currency"])
    rates = data.rates
    for when, currencies in foreign.items():
        for currency in sorted(currencies):
            try:
                rates[(when, currency)] = exchange_rates_for([currency], when)[currency]
            except MissingExchangeRate as exc:
                rates[(when, currency)] = None
                if when > add_months(month, -WINDOW_MONTHS):
                    data.errors.append(f"{exc} Engagements in {currency} are left out of {month_label(when)}.")
    used = sorted((key, rate) for key, rate in rates.items() if rate is not None and key[0] == month)
    for (when, currency), rate in used:
        data.notes.append(
            f"{currency} figures converted into {base} with the {month_label(when)} rate {rate_text(rate)} "
            f"({base} per {currency})."
        )
    if not foreign:
        data.notes.append(f"All figures in {base}.")
    for row in rows:
        if row["currency"] == base:
            row["money"] = convert_row(row, None)
        elif rates.get((row["month"], row["currency"])) is not None:
            row["money"] = convert_row(row, rates[(row["month"], row["currency"])])
        else:
            continue
        row["index"] = months_apart(first_of(row["start_date"]), row["month"]) + 1
        data.rows.append(row)
    return data


class Groups:
    """Tallies of every group (overall or a service area, by model or both) per month and per month index."""

    def __init__(self, data: ReportData) -> None:
        """Tally every row into its four groups, per month and per month index."""
        self.by_month: dict[tuple[Any, str], dict[dt.date, Tally]] = defaultdict(lambda: defaultdict(Tally))
        self.by_index: dict[tuple[Any, str], dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        self.areas: dict[int, str] = {}
        for row in data.rows:
            self.areas[row["area_id"]] = row["area"]
            for key in ((ALL, row["model"]), (ALL, ALL), (row["area_id"], row["model"]), (row["area_id"], ALL)):
                self.by_month[key][row["month"]].add(row, row["money"])
                if row["index"] <= WINDOW_MONTHS:
                    self.by_index[key][row["index"]] += row["money"]["total_cost"]

    def tally(self, key: tuple[Any, str], month: dt.date) -> Tally:
        """Return a group's tally of a month (an empty one without data)."""
        return self.by_month.get(key, {}).get(month) or Tally()

    def totals_with_data(self, key: tuple[Any, str], until: dt.date) -> list[Decimal]:
        """Return the monthly totals of the months (up to `until`) in which the group has data."""
        months = self.by_month.get(key, {})
        return [months[m].total_cost for m in sorted(months) if m <= until and months[m].has_data]

    def monthly_by_index(self, key: tuple[Any, str]) -> list[Decimal]:
        """Return a group's total cost per month index from 1, zero where it has none."""
        indexes = self.by_index.get(key, {})
        if not indexes:
            return []
        return [indexes.get(i, ZERO) for i in range(1, max(indexes) + 1)]

    def has(self, key: tuple[Any, str]) -> bool:
        """Tell whether a group has data in any month."""
        return key in self.by_month
