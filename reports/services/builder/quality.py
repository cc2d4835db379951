"""Data completeness in the report: the month's gaps from the snapshots, plus the exchange rates it lacks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings

from kernel.months import month_iso, month_label
from reports.services.builder.data import ALL, ReportData
from reports.services.gaps import MISSING_EXCHANGE_RATE


def gaps_of_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the stored gaps of snapshot rows, each with its month and engagement (the data_quality shape)."""
    items = []
    for row in rows:
        for item in row.get("data_quality") or []:
            items.append(
                {
                    "kind": item["kind"],
                    "month": month_iso(row["month"]),
                    "engagement": row["engagement_id"],
                    "engagement_name": row["name"],
                    "subject": item.get("subject"),
                    "subject_id": item.get("subject_id"),
                    "hours": item.get("hours"),
                    "tickets": item.get("tickets"),
                    "message": f"{row['name']}: {item['message']}",
                }
            )
    return items


def exchange_gaps(rows: list[dict[str, Any]], rates: dict[tuple[dt.date, str], Any]) -> list[dict[str, Any]]:
    """Return one gap per engagement whose currency has no rate for its month: it is left out of the totals."""
    base = settings.BASE_CURRENCY
    items = []
    for row in rows:
        if row["currency"] == base or rates.get((row["month"], row["currency"])) is not None:
            continue
        items.append(
            {
                "kind": MISSING_EXCHANGE_RATE,
                "month": month_iso(row["month"]),
                "engagement": row["engagement_id"],
                "engagement_name": row["name"],
                "subject": row["currency"],
                "subject_id": None,
                "hours": None,
                "tickets": None,
                "message": f"{row['name']}: no exchange rate from {row['currency']} to {base} for "
                f"{month_label(row['month'])}; its figures are left out of the converted totals.",
            }
        )
    return items


def sort_key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["month"], item["kind"], item["engagement_name"] or "", item["subject"] or "")


def month_gaps(data: ReportData, month: dt.date) -> list[dict[str, Any]]:
    """Return every gap of a month of the report's window, in a stable order."""
    rows = [row for row in data.history if row["month"] == month]
    return sorted(gaps_of_rows(rows) + exchange_gaps(rows, data.rates), key=sort_key)


class Completeness:
    """Which groups (overall or an area, by model or both) have gaps, per month of the history."""

    def __init__(self, data: ReportData) -> None:
        self.items: dict[dt.date, list[dict[str, Any]]] = {}
        self.incomplete: dict[tuple[Any, str], set[dt.date]] = defaultdict(set)
        self.by_engagement: dict[tuple[int, dt.date], list[dict[str, Any]]] = defaultdict(list)
        where = {(row["engagement_id"], row["month"]): row for row in data.history}
        for month in sorted({row["month"] for row in data.history}):
            self.items[month] = month_gaps(data, month)
            for item in self.items[month]:
                row = where[(item["engagement"], month)]
                self.by_engagement[(row["engagement_id"], month)].append(item)
                for key in ((ALL, row["model"]), (ALL, ALL), (row["area_id"], row["model"]), (row["area_id"], ALL)):
                    self.incomplete[key].add(month)

    def of_month(self, month: dt.date) -> list[dict[str, Any]]:
        return self.items.get(month, [])

    def complete(self, key: tuple[Any, str], months: list[dt.date]) -> bool:
        """Tell whether a group has no gap in any of the months."""
        return not self.incomplete.get(key, set()).intersection(months)

    def incomplete_months(self, key: tuple[Any, str], months: list[dt.date]) -> list[dt.date]:
        return sorted(self.incomplete.get(key, set()).intersection(months))


def summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the counts a banner shows: gaps per kind, hours not priced, tickets without a policy."""
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item["kind"]] += 1
    return {"counts": dict(sorted(counts.items())), "total": len(items)}
