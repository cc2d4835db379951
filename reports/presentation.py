"""Shape a stored report payload into rows the page, the PDF and the email print (formatting only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.maths import PHASES
from reports.services.builder.verdict import uneven_trailing_words
from reports.services.builder.words import MODEL_NAMES_LOWER

MODELS = (("staff_aug", "Staff augmentation"), ("managed", "Managed service"))
# (label, where, key, format): where is "figures", "group" or "phases".
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Engagements active this month", "figures", "engagements", "int"),
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
    # Breaches as tickets (a ticket that missed both targets counts once), the misses apart.
    ("Tickets that breached an SLA target", "figures", "breached_tickets", "int"),
    ("  response target missed", "figures", "response_breaches", "int"),
    ("  resolution target missed", "figures", "resolution_breaches", "int"),
    ("Uptime", "figures", "uptime_pct", "pct"),
    ("Unplanned downtime (h)", "figures", "downtime_hours", "num"),
    ("Downtime impact (risk carried)", "figures", "downtime_impact", "money"),
    ("Milestones due", "figures", "milestones_due", "int"),
    ("Milestones on time", "figures", "milestones_on_time", "int"),
    ("Time to value (median days)", "group", "time_to_value_median_days", "days"),
    ("  mean days", "group", "time_to_value_mean_days", "days"),
    ("  engagements that reached value (24 months)", "group", "time_to_value_reached", "int"),
    ("  engagements measured (24 months)", "group", "time_to_value_counted", "int"),
    ("Cost volatility (6-month CV)", "group", "volatility_pct", "pct"),
    *((f"Months {name} total", "phases", name, "money") for name, _, _ in PHASES),
)


def fmt(value: Any, kind: str) -> str:
    """Format a payload value for people: 12,345.67 / 99.7% / 37.75 / 45.5 (days) / -."""
    if value is None or value == "":
        return "-"
    if kind == "int":
        return f"{int(value):,}"
    number = Decimal(str(value))
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "pct":
        # One decimal on the page and in the PDF; the CSV and the API keep the exact figure.
        return f"{number:,.1f}%"
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


# --- issue 10: the verdict first, the gaps in the data, changes, vendors ------------------------

MODEL_NAMES = dict(MODELS)
CHEAPER_WORDS = {"staff_aug": "Staff augmentation", "managed": "Managed service", "equal": "Equal", "none": "-"}
DRIVER_WORDS = {
    "vendor": "vendor cost (labor and fees)",
    "overhead": "internal overhead",
    "one_time": "one-time charges",
    "credits": "service credits",
}
OUTCOME_WORDS = (
    ("uptime_pct", "uptime", "pts"),
    ("resolution_met_pct", "resolution target met", "pts"),
    ("response_met_pct", "response target met", "pts"),
    ("cost_per_resolved_ticket", "cost per resolved ticket", "money"),
)
GAP_WORDS = {
    "missing_bill_rate": ("contractor with hours and no bill rate", "contractors with hours and no bill rate"),
    "missing_internal_rate": (
        "person with overhead hours and no internal rate",
        "people with overhead hours and no internal rate",
    ),
    "missing_exchange_rate": ("currency without an exchange rate", "currencies without an exchange rate"),
    "no_sla_policy": ("engagement without an SLA policy", "engagements without an SLA policy"),
}


def money(value: Any, currency: str) -> str:
    """USD 12,345.67, as the report's sentences write it (or - when there is no amount)."""
    text = fmt(value, "money")
    return text if text == "-" or not currency else f"{currency} {text}"


def signed(value: Any, kind: str, currency: str = "") -> str:
    """A difference with its sign: USD +1,234.50, -0.3 points."""
    if value is None or value == "":
        return "-"
    number = Decimal(str(value))
    body = fmt(abs(number), "money" if kind == "money" else "days")
    # The sign of what is printed: -0.04 points prints as ±0.0, not -0.0.
    sign = "±" if not Decimal(body.replace(",", "")) else "+" if number > 0 else "-"
    body = sign + body
    if kind == "money":
        return f"{currency} {body}" if currency else body
    return f"{body} points" if kind == "pts" else body


def _derived_verdict(area: dict[str, Any]) -> dict[str, Any]:
    """A verdict from the month's figures, for reports stored before the payload carried one."""
    totals = {m: Decimal((area.get(m) or {}).get("figures", {}).get("total_cost") or 0) for m, _ in MODELS}
    present_models = [m for m, _ in MODELS if area.get(m)]
    gap = totals["staff_aug"] - totals["managed"] if len(present_models) == 2 else None
    cheaper = "none" if gap is None else "managed" if gap > 0 else "staff_aug" if gap < 0 else "equal"
    return {
        "cheaper_in_month": cheaper,
        "gap_in_month": None if gap is None else str(gap),
        "break_even_month": area.get("break_even_month"),
        "models": present_models,
        "hybrid": len(present_models) == 2,
        "sentence": "",
        "derived": True,
    }


def verdict_card(area: dict[str, Any], currency: str) -> dict[str, Any]:
    """The verdict of a service area as a card: one plain sentence, then its figures."""
    verdict = area.get("verdict") or _derived_verdict(area)
    models = verdict.get("models") or [m for m, _ in MODELS if area.get(m)]
    figures: list[dict[str, str]] = []
    if len(models) < 2:
        only = MODEL_NAMES.get(models[0], "-") if models else "neither model"
        sentence = verdict.get("sentence") or f"{area['name']} runs on {only} only: there is nothing to compare."
        return {
            "id": area["id"],
            "name": area["name"],
            "sentence": sentence,
            "figures": figures,
            "hybrid": False,
            "single": True,
            "complete": verdict.get("complete", True),
        }
    gap = verdict.get("gap_in_month")
    this_month = _cheaper(verdict.get("cheaper_in_month"), gap, currency)
    ran = [model for model, _ in MODELS if ((area.get(model) or {}).get("figures") or {}).get("engagements")]
    if verdict.get("cheaper_in_month") == "none" and len(ran) == 1:
        this_month = f"- (only {MODEL_NAMES_LOWER[ran[0]]} ran this month)"
    figures.append({"label": "Cheaper this month", "value": this_month})
    if "cheaper_trailing_12" in verdict:
        # When the two models ran different months, say so rather than name the one that ran fewer "cheaper".
        uneven = uneven_trailing_words(verdict, currency)
        value = uneven or _cheaper(verdict.get("cheaper_trailing_12"), verdict.get("gap_trailing_12"), currency)
        figures.append({"label": "Over 12 months", "value": value})
    driver = verdict.get("leading_driver")
    if driver:
        amount = (verdict.get("drivers") or {}).get(driver)
        figures.append(
            {
                "label": "Leading driver",
                "value": f"{DRIVER_WORDS.get(driver, driver)} ({signed(amount, 'money', currency)})",
            }
        )
    outcomes = verdict.get("outcomes") or {}
    said = [
        f"{words} {signed(outcomes[key], unit, currency)}"
        for key, words, unit in OUTCOME_WORDS
        if outcomes.get(key) is not None
    ]
    if said:
        figures.append({"label": "Managed vs staff aug", "value": ", ".join(said[:3])})
    be = verdict.get("break_even_month")
    figures.append({"label": "Break-even", "value": f"month {be} of engagement" if be else "not reached"})
    sentence = first_sentence(verdict.get("sentence") or "") or _sentence(area["name"], verdict, currency)
    return {
        "id": area["id"],
        "name": area["name"],
        "sentence": sentence,
        "figures": figures,
        "hybrid": bool(verdict.get("hybrid")),
        "single": False,
        "complete": verdict.get("complete", True),
        "cheaper": verdict.get("cheaper_in_month"),
    }


def first_sentence(text: str) -> str:
    """The verdict's first sentence (the figures below the card say the rest)."""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def _cheaper(model: str | None, gap: Any, currency: str) -> str:
    if model is None or model == "none":
        return "- (only one model ran)"
    if model == "equal":
        return "equal cost"
    name = CHEAPER_WORDS.get(model, model)
    return f"{name}, by {money(abs(Decimal(str(gap))), currency)}" if gap is not None else name


def _sentence(name: str, verdict: dict[str, Any], currency: str) -> str:
    model, gap = verdict.get("cheaper_in_month"), verdict.get("gap_in_month")
    if model in ("staff_aug", "managed") and gap is not None:
        return (
            f"In {name}, {CHEAPER_WORDS[model].lower()} cost {money(abs(Decimal(str(gap))), currency)} less this month."
        )
    if model == "equal":
        return f"In {name}, both models cost the same this month."
    return f"In {name}, one model has no data this month: nothing to compare."


def data_quality(payload: dict[str, Any]) -> dict[str, Any]:
    """The gaps in the data behind the report: counts per kind and each item (None: not computed yet)."""
    if "data_quality" not in payload:
        return {"known": False, "complete": None, "count": 0, "kinds": [], "items": []}
    items = list(payload.get("data_quality") or [])
    kinds = []
    for kind, (one, many) in GAP_WORDS.items():
        found = [gap for gap in items if gap.get("kind") == kind]
        if found:
            words = one if len(found) == 1 else many
            hours = sum((Decimal(str(g["hours"])) for g in found if g.get("hours")), Decimal(0))
            kinds.append(
                {"kind": kind, "words": words, "count": len(found), "hours": fmt(hours, "num") if hours else ""}
            )
    return {
        "known": True,
        "complete": bool(payload.get("complete", not items)),
        "count": len(items),
        "kinds": kinds,
        "items": items,
    }


def changes(group: dict[str, Any] | None, month: str) -> list[dict[str, Any]]:
    """A model's headline figures against the previous month and the same month last year (from its series)."""
    if not group:
        return []
    points = {p["month"]: p for p in group.get("series") or [] if p.get("has_data")}
    year, mon = (int(part) for part in month.split("-"))
    previous = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
    last_year = f"{year - 1}-{mon:02d}"
    now = points.get(month)
    rows = []
    for key, label, kind in (
        ("total", "Total cost", "money"),
        ("uptime_pct", "Uptime", "pts"),
        ("resolution_met_pct", "Resolution target met", "pts"),
    ):
        value = now.get(key) if now else None
        then, year_ago = points.get(previous, {}).get(key), points.get(last_year, {}).get(key)
        rows.append(
            {
                "label": label,
                "value": fmt(value, "money" if kind == "money" else "pct"),
                "vs_previous": _delta(value, then, kind),
                "vs_last_year": _delta(value, year_ago, kind),
                # A change is incomplete when either month it compares is (points stored before v4: unknown, unmarked).
                "incomplete": value is not None and _short_point(now),
                "previous_incomplete": then is not None
                and value is not None
                and _short_point(now, points.get(previous)),
                "last_year_incomplete": year_ago is not None
                and value is not None
                and _short_point(now, points.get(last_year)),
            }
        )
    return rows


def _short_point(*points: dict[str, Any] | None) -> bool:
    """Whether any of the series points stands on incomplete data."""
    return any(point is not None and point.get("complete") is False for point in points)


def _delta(now: Any, then: Any, kind: str) -> str:
    if now is None or then is None:
        return "-"
    change = Decimal(str(now)) - Decimal(str(then))
    text = signed(change, kind)
    if kind == "money" and Decimal(str(then)):
        text += f" ({change * 100 / Decimal(str(then)):+.1f}%)"
    return text
