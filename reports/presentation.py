"""Shape a stored report payload into rows the page, the PDF and the email print (formatting only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.maths import PHASES

MODELS = (("staff_aug", "Staff augmentation"), ("managed", "Managed service"))
# (label, where, key, format): where is "figures", "group" or "phases".
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Engagements", "figures", "engagements", "int"),
    ("Total cost", "figures", "total_cost", "money"),
    ("Vendor cost", "figures", "vendor_cost", "money"),
    ("  labor", "figures", "labor_cost", "money"),
    ("  fees", "figures", "fee_cost", "money"),
    ("  one-time charges", "figures", "one_time_cost", "money"),
    ("  service credits", "figures", "credit", "money"),
    ("Internal overhead", "figures", "overhead_cost", "money"),
    ("Overhead ratio (management tax)", "figures", "overhead_ratio", "pct"),
    ("Contractor hours", "figures", "hours", "num"),
    ("Overhead hours", "figures", "overhead_hours", "num"),
    ("Tickets opened", "figures", "tickets_opened", "int"),
    ("Tickets resolved", "figures", "tickets_resolved", "int"),
    ("Backlog at month end", "figures", "backlog", "int"),
    ("Cost per resolved ticket", "figures", "cost_per_resolved_ticket", "money"),
    ("Response target met", "figures", "response_met_pct", "pct"),
    ("Resolution target met", "figures", "resolution_met_pct", "pct"),
    ("Mean time to resolve (h)", "figures", "mttr_hours", "num"),
    ("SLA breaches", "figures", "breaches", "int"),
    ("Uptime", "figures", "uptime_pct", "pct"),
    ("Unplanned downtime (h)", "figures", "downtime_hours", "num"),
    ("Downtime impact (risk carried)", "figures", "downtime_impact", "money"),
    ("Milestones due", "figures", "milestones_due", "int"),
    ("Milestones on time", "figures", "milestones_on_time", "int"),
    ("Time to value (median days)", "group", "time_to_value_median_days", "days"),
    ("  mean days", "group", "time_to_value_mean_days", "days"),
    ("  engagements that reached value", "group", "time_to_value_reached", "int"),
    ("  engagements measured", "group", "time_to_value_counted", "int"),
    ("Cost volatility (6-month CV)", "group", "volatility_pct", "pct"),
    *((f"Months {name} total", "phases", name, "money") for name, _, _ in PHASES),
)


def fmt(value: Any, kind: str) -> str:
    """Format a payload value for people: 12,345.67 / 99.688% / 37.75 / 45.5 (days) / -."""
    if value is None or value == "":
        return "-"
    if kind == "int":
        return f"{int(value):,}"
    number = Decimal(str(value))
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "pct":
        return f"{number:,.3f}%"
    if kind == "days":
        return f"{number:,.1f}"
    return f"{number:,.2f}"


def _cell(group: dict[str, Any] | None, where: str, key: str, kind: str) -> str:
    if not group:
        return "-"
    source = group["figures"] if where == "figures" else group.get("phases", {}) if where == "phases" else group
    return fmt(source.get(key), kind)


def figure_rows(scope: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the side-by-side rows of a scope (overall or a service area)."""
    return [
        {
            "label": label.strip(),
            "indent": label.startswith("  "),
            "cells": [_cell(scope.get(model), where, key, kind) for model, _ in MODELS],
        }
        for label, where, key, kind in ROWS
    ]


def _time_to_value(row: dict[str, Any]) -> str:
    days = row.get("time_to_value_days")
    if days is not None:
        return f"{int(days):,}"
    return row.get("time_to_value_note") or "-"


def forecast_rows(forecast: dict[str, Any]) -> dict[str, Any]:
    """Return the forecast as printable rows."""
    return {
        "months": forecast["months"],
        "staff_aug": [fmt(v, "money") for v in forecast["staff_aug"]],
        "managed": [fmt(v, "money") for v in forecast["managed"]],
        "gap_12": fmt(forecast["gap_12"], "money"),
        "gap_24": fmt(forecast["gap_24"], "money"),
        "basis": forecast["basis"],
    }


def present(payload: dict[str, Any]) -> dict[str, Any]:
    """Return the report ready to print: headline, service areas, engagements, events."""
    overall = payload["overall"]
    areas = [
        {
            "id": area["id"],
            "name": area["name"],
            "rows": figure_rows(area),
            "break_even": area["break_even_month"],
            "forecast": forecast_rows(area["forecast"]),
            "checklist": area["checklist"],
            "realized": area["realized"],
        }
        for area in payload["service_areas"]
    ]
    engagements = [
        {
            **row,
            "model_label": dict(MODELS)[row["model"]],
            "total": fmt(row["figures"]["total_cost"], "money"),
            "vendor": fmt(row["figures"]["vendor_cost"], "money"),
            "overhead": fmt(row["figures"]["overhead_cost"], "money"),
            "ratio": fmt(row["figures"]["overhead_ratio"], "pct"),
            "credit": fmt(row["figures"]["credit"], "money"),
            "uptime": fmt(row["figures"]["uptime_pct"], "pct"),
            "resolved": fmt(row["figures"]["tickets_resolved"], "int"),
            "time_to_value": _time_to_value(row),
        }
        for row in payload["engagements"]
    ]
    return {
        "month_label": payload["month_label"],
        "currency": payload["currency"],
        "notes": payload["currency_notes"],
        "errors": payload["errors"],
        "models": [label for _, label in MODELS],
        "headline": figure_rows(overall),
        "break_even": overall.get("break_even_month"),
        "forecast": forecast_rows(overall["forecast"]),
        "areas": areas,
        "engagements": engagements,
        "events": payload["events"],
    }
