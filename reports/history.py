"""One engagement's history: its last 24 monthly snapshots as a table and a chart (two queries)."""

from __future__ import annotations

from typing import Any

from engagements.models import Engagement
from kernel.months import add_months, month_iso
from reports import charts
from reports.models import MonthlySnapshot
from reports.presentation import fmt

HISTORY_MONTHS = 24
FIELDS = (
    "month",
    "currency",
    "total_cost",
    "labor_cost",
    "fee_cost",
    "overhead_cost",
    "one_time_cost",
    "credit",
    "hours",
    "overhead_hours",
    "tickets_opened",
    "tickets_resolved",
    "breached_tickets",
    "uptime_pct",
    "resolution_met_pct",
    "response_met_pct",
)


def engagement_history(pk: int) -> tuple[Engagement, list[dict[str, Any]]] | None:
    """Return the engagement and its snapshots of the 24 months ending with its latest one, oldest first."""
    item = Engagement.objects.select_related("service_area", "vendor").filter(pk=pk).first()
    if item is None:
        return None
    rows = list(MonthlySnapshot.objects.filter(engagement_id=pk).order_by("-month").values(*FIELDS)[:HISTORY_MONTHS])
    return item, rows[::-1]


def history_page(item: Engagement, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The table and the monthly cost chart of an engagement's history."""
    currency = item.currency
    series = []
    if rows:
        first, last = rows[0]["month"], rows[-1]["month"]
        by_month = {row["month"]: row for row in rows}
        month = first
        while month <= last:
            row = by_month.get(month)
            series.append(_point(month_iso(month), row))
            month = add_months(month, 1)
    chart = charts.stacked_cost_chart(series, f"{item.name}: monthly cost ({currency})", currency)
    table = [
        {
            "month": row["month"],
            "iso": month_iso(row["month"]),
            "total": fmt(row["total_cost"], "money"),
            "vendor": fmt(row["labor_cost"] + row["fee_cost"], "money"),
            "overhead": fmt(row["overhead_cost"], "money"),
            "one_time": fmt(row["one_time_cost"], "money"),
            "credit": fmt(row["credit"], "money"),
            "hours": fmt(row["hours"], "num"),
            "tickets": fmt(row["tickets_resolved"], "int"),
            "breaches": fmt(row["breached_tickets"], "int"),
            "uptime": fmt(row["uptime_pct"], "pct"),
            "resolution": fmt(row["resolution_met_pct"], "pct"),
        }
        for row in reversed(rows)
    ]
    return {
        "chart": {"title": chart.title, "svg": charts.to_svg(chart), "columns": chart.columns, "rows": chart.rows},
        "table": table,
        "currency": currency,
    }


def _point(iso: str, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"month": iso, "has_data": False}
    return {
        "month": iso,
        "has_data": True,
        "vendor": str(row["labor_cost"] + row["fee_cost"]),
        "overhead": str(row["overhead_cost"]),
        "one_time": str(row["one_time_cost"]),
        "credit": str(row["credit"]),
        "total": str(row["total_cost"]),
    }
