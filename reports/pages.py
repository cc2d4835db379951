"""What the report pages show, built from a stored payload (no queries): verdicts, gaps, changes, links.

The views fetch (a constant number of queries); this module only arranges the
payload for the templates, so a page costs the same with 5 or 500 engagements.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kernel.months import add_months, month_iso, month_label
from reports import charts, links
from reports.presentation import (
    MODELS,
    ROWS,
    changes,
    data_quality,
    figure_rows,
    fmt,
    present,
    verdict_card,
)

MONEY_KEYS = {key for _, where, key, kind in ROWS if where == "figures" and kind == "money"}


def _scope(payload: dict[str, Any], area_id: int | None) -> dict[str, Any]:
    """The overall figures, or one service area's when the page is filtered."""
    if area_id is not None:
        for area in payload["service_areas"]:
            if area["id"] == area_id:
                return area
    return payload["overall"]


# Which figures each kind of gap leaves short (domain.md "Data completeness").
AFFECTED = {
    "missing_bill_rate": {"total_cost", "vendor_cost", "labor_cost", "overhead_ratio", "cost_per_resolved_ticket"},
    "missing_internal_rate": {"total_cost", "overhead_cost", "overhead_ratio", "cost_per_resolved_ticket"},
    "missing_exchange_rate": MONEY_KEYS | {"overhead_ratio"},
    "no_sla_policy": {"response_met_pct", "resolution_met_pct", "uptime_pct", "credit", "breached_tickets"},
}


def gap_kinds(payload: dict[str, Any], area_id: int | None) -> dict[str, set[str]]:
    """The kinds of gap behind each model's figures (of one area, or of all)."""
    engagements = {e["id"]: e for e in payload["engagements"]}
    names = {a["id"]: a["name"] for a in payload["service_areas"]}
    kinds: dict[str, set[str]] = {model: set() for model, _ in MODELS}
    for gap in payload.get("data_quality") or []:
        row = engagements.get(gap.get("engagement"))
        if row is None:  # a gap of no one engagement (a currency): every model may be short
            for found in kinds.values():
                found.add(gap.get("kind", ""))
        elif area_id is None or row["service_area"] == names.get(area_id):
            kinds[row["model"]].add(gap.get("kind", ""))
    return kinds


def _short(key: str, group: dict[str, Any], kinds: set[str]) -> bool:
    """Whether a figure of a group stands on incomplete data."""
    if group.get("complete") is not False:
        return False
    if not kinds:  # the group says incomplete without naming why: mark its money
        return key in MONEY_KEYS
    return any(key in AFFECTED.get(kind, MONEY_KEYS) for kind in kinds)


def linked_rows(
    scope: dict[str, Any],
    month: str,
    *,
    area: int | None,
    with_links: bool,
    kinds: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """The side-by-side figure rows, each cell with the link to its rows and an incomplete marker."""
    rows = figure_rows(scope)
    for row, (_, where, key, _kind) in zip(rows, ROWS, strict=True):
        cells = []
        for (model, _), text in zip(MODELS, row["cells"], strict=True):
            group = scope.get(model) or {}
            link = None
            if with_links and where == "figures" and group and _nonzero(text):
                link = links.figure_link(key, month, area=area, model=model)
            incomplete = text != "-" and _short(key, group, (kinds or {}).get(model, set()))
            cells.append({"text": text, "link": link, "incomplete": incomplete})
        row["linked"] = cells
    return rows


def _nonzero(text: str) -> bool:
    """A printed figure that stands for some rows (a zero or a dash links to nothing)."""
    digits = text.replace(",", "").rstrip("%")
    try:
        return Decimal(digits) != 0
    except ArithmeticError:
        return False


def engagement_rows(
    payload: dict[str, Any], printed: list[dict[str, Any]], area_name: str | None, with_links: bool
) -> list[dict[str, Any]]:
    """The engagements of the month (of one area when filtered), every count and amount linked to its rows."""
    month = payload["month"]
    rows = []
    for row, raw in zip(printed, payload["engagements"], strict=True):
        if area_name is not None and raw["service_area"] != area_name:
            continue
        figures = raw["figures"]

        def cell(key: str, kind: str, _id: int = raw["id"], _f: dict[str, Any] = figures) -> dict[str, Any]:
            text = fmt(_f.get(key), kind)
            link = links.figure_link(key, month, engagement=_id) if with_links and _nonzero(text) else None
            return {"text": text, "link": link}

        rows.append(
            {
                **row,
                "complete": raw.get("complete", not raw.get("missing_rates")),
                "gaps": raw.get("data_quality") or [],
                "cells": {
                    "hours": cell("hours", "num"),
                    "overhead_hours": cell("overhead_hours", "num"),
                    "fee_cost": cell("fee_cost", "money"),
                    "one_time_cost": cell("one_time_cost", "money"),
                    "credit": cell("credit", "money"),
                    "tickets_opened": cell("tickets_opened", "int"),
                    "tickets_resolved": cell("tickets_resolved", "int"),
                    "breached_tickets": cell("breached_tickets", "int"),
                    "downtime_hours": cell("downtime_hours", "num"),
                },
            }
        )
    return rows


def gap_items(payload: dict[str, Any], with_links: bool) -> dict[str, Any]:
    """The data-completeness banner: counts per kind, and each gap with where to fix it."""
    quality = data_quality(payload)
    for gap in quality["items"]:
        action, url = links.fix_link(gap)
        gap["action"] = action
        gap["fix_url"] = url if with_links else None
        gap["subject_url"] = links.subject_link(gap) if with_links else None
    return quality


def chart_block(chart: charts.Chart) -> dict[str, Any]:
    return {"title": chart.title, "svg": charts.to_svg(chart), "columns": chart.columns, "rows": chart.rows}


def month_page(payload: dict[str, Any], *, area_id: int | None, with_links: bool) -> dict[str, Any]:
    """Everything the month page shows, in the order it shows it."""
    view = present(payload)
    currency, month = payload["currency"], payload["month"]
    if area_id not in {a["id"] for a in payload["service_areas"]}:
        area_id = None  # an area without data this month (or a stale link): show them all
    areas = [a for a in payload["service_areas"] if area_id is None or a["id"] == area_id]
    area_name = areas[0]["name"] if area_id is not None and areas else None
    scope = _scope(payload, area_id if area_name else None)
    by_id = {a["id"]: a for a in view["areas"]}
    scope_payload = {**payload, "overall": scope}
    return {
        **view,
        "verdicts": [verdict_card(a, currency) for a in areas],
        "quality": gap_items(payload, with_links),
        "complete": payload.get("complete"),
        "scope_name": area_name or "All service areas",
        # Engagement columns left off paper (too wide for A4 or Letter; the CSV has them).
        "print_hidden": ("overhead_hours", "fee_cost", "one_time_cost", "tickets_opened", "downtime_hours"),
        "area_id": area_id,
        "headline_rows": linked_rows(
            scope,
            month,
            area=area_id if area_name else None,
            with_links=with_links,
            kinds=gap_kinds(payload, area_id if area_name else None),
        ),
        "changes": [
            {"model": label, "rows": changes(scope.get(model), month)} for model, label in MODELS if scope.get(model)
        ],
        "charts": [chart_block(c) for c in charts.report_charts(scope_payload).values()],
        "area_sections": [
            {
                **by_id[a["id"]],
                "chart": chart_block(
                    charts.cumulative_chart(
                        a, f"{a['name']}: cumulative cost ({currency})", currency, width=charts.AREA_WIDTH
                    )
                ),
                "accuracy": accuracy(a),
                "rows": linked_rows(a, month, area=a["id"], with_links=with_links, kinds=gap_kinds(payload, a["id"])),
            }
            for a in areas
        ],
        "engagement_rows": engagement_rows(payload, view["engagements"], area_name, with_links),
        "events": [e for e in view["events"] if area_name is None or _event_in(e, payload, area_name)],
        "vendors": vendor_rows(payload.get("vendors"), month, with_links),
        "overall_accuracy": accuracy(payload["overall"]) if payload["overall"].get("forecast_accuracy") else [],
    }


def _event_in(event: dict[str, Any], payload: dict[str, Any], area_name: str) -> bool:
    names = {e["name"] for e in payload["engagements"] if e["service_area"] == area_name}
    return not event.get("engagement") or event["engagement"] in names


def accuracy(area: dict[str, Any]) -> list[dict[str, str]]:
    """How far each model's forecast has deserved trust (mean absolute error of the one-month-ahead forecasts)."""
    scored = area.get("forecast_accuracy") or {}
    rows = []
    for model, label in MODELS:
        entry = scored.get(model) or {}
        error, months = entry.get("mean_abs_error_pct"), entry.get("months_scored") or 0
        text = f"off by {fmt(error, 'pct')} on average over {months} month{'s' if months != 1 else ''}"
        rows.append({"model": label, "text": text if error is not None and months else "not scored yet"})
    return rows


def _attestations(att: dict[str, Any]) -> str:
    """The attestation counts that are not zero, short enough for the scorecard's last column ("2 valid, 1 expired")."""
    said = [f"{att[k]} {k}" for k in ("valid", "expiring", "expired") if att.get(k)]
    return ", ".join(said) or "none"


def vendor_rows(
    vendors: list[dict[str, Any]] | None, month_iso_: str | None = None, with_links: bool = False
) -> list[dict[str, Any]]:
    """Vendor scorecards as printable rows (month and trailing 12 months), breached tickets linked to their list."""
    rows = []
    for vendor in vendors or []:
        breaches = (vendor.get("month") or {}).get("breaches")
        link = None
        if with_links and month_iso_ and breaches:
            link = links.vendor_breaches_link(vendor.get("vendor"), month_iso_)
        cur = vendor.get("currency", "")
        month, year = vendor.get("month") or {}, vendor.get("trailing_12") or {}
        att = vendor.get("attestations") or {}
        rows.append(
            {
                "id": vendor.get("vendor"),
                "currency": cur,
                "name": vendor.get("name", ""),
                "complete": month.get("complete", True) and year.get("complete", True),
                "cost": fmt(month.get("total_cost"), "money"),
                "cost_12": fmt(year.get("total_cost"), "money"),
                "engagements": fmt(month.get("engagements"), "int"),
                "response": fmt(month.get("response_met_pct"), "pct"),
                "resolution": fmt(month.get("resolution_met_pct"), "pct"),
                "resolution_12": fmt(year.get("resolution_met_pct"), "pct"),
                "uptime": fmt(month.get("uptime_pct"), "pct"),
                "breaches": fmt(month.get("breaches"), "int"),
                "breaches_link": link,
                "credits_due": fmt(month.get("credits_due"), "money"),
                "credits_claimed": fmt(month.get("credits_claimed"), "money"),
                "credits_received": fmt(month.get("credits_received"), "money"),
                "variance": fmt(month.get("invoice_variance"), "money"),
                "variance_12": fmt(year.get("invoice_variance"), "money"),
                "attestations": _attestations(att),
                "attestations_full": f"{att.get('valid', 0)} valid, {att.get('expiring', 0)} expiring, "
                f"{att.get('expired', 0)} expired",
            }
        )
    return rows


def neighbours(month: dt.date, stored: list[dt.date], current: dt.date) -> dict[str, Any]:
    """Previous and next months with a report (the current month always counts: it shows provisional figures)."""
    months = sorted(set(stored) | {current})
    earlier = [m for m in months if m < month]
    later = [m for m in months if m > month]
    return {
        "previous": month_iso(earlier[-1]) if earlier else None,
        "previous_label": month_label(earlier[-1]) if earlier else None,
        "next": month_iso(later[0]) if later else None,
        "next_label": month_label(later[0]) if later else None,
        "first": month_iso(months[0]) if months else month_iso(month),
        "last": month_iso(max(months[-1], current)) if months else month_iso(current),
        "last_year": month_iso(add_months(month, -12)),
        "last_year_label": month_label(add_months(month, -12)),
        "month_before_label": month_label(add_months(month, -1)),
    }


def index_row(figures: dict[str, Any] | None) -> dict[str, Any]:
    """One month of the months page: cost per model, the gap (staff aug minus managed), complete or not."""
    if not figures:
        return {"staff_aug": "-", "managed": "-", "gap": "-", "complete": None}
    staff, managed = figures.get("staff_aug"), figures.get("managed")
    gap = None
    if staff is not None and managed is not None:
        gap = Decimal(str(staff)) - Decimal(str(managed))
    complete = figures.get("complete")
    return {
        "staff_aug": fmt(staff, "money"),
        "managed": fmt(managed, "money"),
        "gap": fmt(gap, "money"),
        # The JSON boolean reads back as true/false (PostgreSQL) or 1/0 (SQLite); absent in older reports.
        "complete": None if complete is None else str(complete).lower() in ("true", "1"),
    }
