"""The report's sections per group: monthly series, cumulative cost, forecast, break-even, checklist, engagement rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from billing.models import FeeSchedule
from kernel.money import round_pct, to_cents
from kernel.months import add_months, last_day_of, month_iso, month_label
from reports import maths
from reports.models import DecisionChecklist
from reports.services.builder.data import ALL, MANAGED, ROW_FIELDS, STAFF, Groups, ReportData, as_text
from reports.services.builder.quality import Completeness
from reports.services.builder.words import money
from reports.services.tally import ZERO


def series(
    groups: Groups, key: tuple[Any, str], months: list[dt.date], quality: Completeness | None = None
) -> list[dict[str, Any]]:
    """Return a group's points of the months shown, one per month, with or without data.

    A point with data says whether that month of the group is complete, so a
    change against it (the page's "vs previous month") can be marked.
    """
    incomplete = set(quality.incomplete_months(key, months)) if quality else set()
    points = []
    for month in months:
        tally = groups.tally(key, month)
        if not tally.has_data:
            points.append({"month": month_iso(month), "has_data": False})
            continue
        figures = tally.figures()
        points.append(
            {
                "month": month_iso(month),
                "has_data": True,
                "complete": month not in incomplete,
                "vendor": str(tally.get("labor_cost") + tally.get("fee_cost")),
                "overhead": str(tally.get("overhead_cost")),
                "one_time": str(tally.get("one_time_cost")),
                "credit": str(tally.get("credit")),
                "total": str(tally.total_cost),
                "uptime_pct": figures["uptime_pct"],
                "response_met_pct": figures["response_met_pct"],
                "resolution_met_pct": figures["resolution_met_pct"],
            }
        )
    return points


def group_section(
    groups: Groups, key: tuple[Any, str], data: ReportData, months: list[dt.date], quality: Completeness | None = None
) -> dict[str, Any] | None:
    """Return a group's section: the month's figures, volatility, series, cumulative cost and phases (None without data)."""
    if not groups.has(key):
        return None
    monthly = groups.monthly_by_index(key)
    volatility = maths.volatility(groups.totals_with_data(key, data.month))
    return {
        "figures": groups.tally(key, data.month).figures(),
        "volatility_pct": as_text(None if volatility is None else round_pct(volatility * 100)),
        "series": series(groups, key, months, quality),
        "monthly_by_index": [str(v) for v in monthly],
        "cumulative": [str(v) for v in maths.cumulative(monthly)],
        "phases": {name: str(value) for name, value in maths.phase_totals(monthly).items()},
    }


def managed_future(data: ReportData, scope_rows: dict[Any, list[dict[str, Any]]]) -> dict[Any, list[Decimal] | None]:
    """Return, per scope, the managed fees of the next 24 months from the fee schedules (one query)."""
    month_end = last_day_of(data.month)
    continuing = {
        row["engagement_id"]: row
        for row in data.rows
        if row["month"] == data.month
        and row["model"] == MANAGED
        and (row["end_date"] is None or row["end_date"] > month_end)
    }
    horizon = [add_months(data.month, k) for k in range(1, 25)]
    fees: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for engagement_id, effective_from, fee in (
        FeeSchedule.objects.filter(engagement_id__in=list(continuing), effective_from__lt=add_months(horizon[-1], 1))
        .order_by("engagement_id", "effective_from")
        .values_list("engagement_id", "effective_from", "monthly_fee")
    ):
        fees[engagement_id].append((effective_from, fee))
    result: dict[Any, list[Decimal] | None] = {}
    for scope, rows in scope_rows.items():
        ids = [row["engagement_id"] for row in rows if row["engagement_id"] in continuing]
        if not ids:
            result[scope] = None
            continue
        future = []
        for when in horizon:
            total = ZERO
            for pk in ids:
                row = continuing[pk]
                if row["end_date"] is not None and row["end_date"] < when:
                    continue
                in_effect = [fee for start, fee in fees.get(pk, []) if start <= when]
                if in_effect:
                    # Future rates are unknown: the report month's rate stands in for them.
                    rate = data.rates.get((data.month, row["currency"]))
                    total += in_effect[-1] if rate is None else to_cents(in_effect[-1] * rate)
            future.append(total)
        result[scope] = future
    return result


def _continuing(data: ReportData, scope: Any, model: str) -> bool:
    """Tell whether the scope has an engagement of the model active in the month and running on after it."""
    month_end = last_day_of(data.month)
    return any(
        row["month"] == data.month
        and row["model"] == model
        and scope in (ALL, row["area_id"])
        and (row["end_date"] is None or row["end_date"] > month_end)
        for row in data.rows
    )


def forecast_section(groups: Groups, scope: Any, data: ReportData, managed: list[Decimal] | None) -> dict[str, Any]:
    """Return a scope's forecast of the next months for both models (an ended engagement is not forecast)."""
    # Only an engagement that runs on has a future: an ended one is not forecast.
    staff_history = groups.totals_with_data((scope, STAFF), data.month) if _continuing(data, scope, STAFF) else []
    result = maths.forecast(staff_history, managed)
    months = [month_iso(add_months(data.month, k)) for k in range(1, maths.FORECAST_MONTHS + 1)]
    return {
        "months": months,
        "staff_aug": [str(v) for v in result.staff_aug],
        "managed": [str(v) for v in result.managed],
        "gap_12": as_text(result.gap_12),
        "gap_24": as_text(result.gap_24),
        "basis": result.basis,
    }


def break_even(groups: Groups, scope: Any) -> int | None:
    """Return the month index at which managed's cumulative cost falls to staff aug's, or None."""
    managed = maths.cumulative(groups.monthly_by_index((scope, MANAGED)))
    staff = maths.cumulative(groups.monthly_by_index((scope, STAFF)))
    if not managed or not staff:
        return None
    return maths.break_even(managed, staff)


def area_facts(groups: Groups, area_id: int, data: ReportData) -> maths.AreaFacts:
    """Return the facts of a service area that the checklist's answers are checked against.

    Each answer points to a model, and its contradiction is checked on that
    model's engagements: offloading downtime and a predictable cost point to
    the managed service, so its outages, credits and cost variation count
    (an augmented engagement's outage says nothing about the provider).
    """
    current = [row for row in data.rows if row["area_id"] == area_id and row["month"] == data.month]
    running = [row["index"] for row in current]
    staff_running = [row["index"] for row in current if row["model"] == STAFF]
    recent = [add_months(data.month, -k) for k in range(maths.TRAILING_MONTHS)]
    staff_key, managed_key = (area_id, STAFF), (area_id, MANAGED)
    has_managed = groups.has(managed_key)
    cost_key = managed_key if has_managed else (area_id, ALL)
    return maths.AreaFacts(
        months_running=max(running, default=0),
        staff_aug_months_running=max(staff_running, default=0),
        cost_volatility=maths.volatility(groups.totals_with_data(cost_key, data.month)),
        overhead_hours=sum((groups.tally(staff_key, m).get("overhead_hours") for m in recent), Decimal(0)),
        downtime_impact=sum((groups.tally(managed_key, m).get("downtime_impact") for m in recent), ZERO),
        credits=sum((groups.tally(managed_key, m).get("credit") for m in recent), ZERO),
        has_managed=has_managed,
        currency=data.currency,
    )


def _points_to(answered: bool, model: str | None) -> str:
    """Say where the answers point, so the line does not read as a checklist about a model."""
    if not answered or model is None:
        return "The checklist is not answered yet."
    if model == maths.EITHER:
        return "The checklist points to: either model."
    return f"The checklist points to: {maths.model_label(model).lower()}."


def checklist_section(checklist: DecisionChecklist | None, facts: maths.AreaFacts) -> dict[str, Any]:
    """Return a service area's checklist: answers, recommendation and contradictions with the data."""
    answers = checklist.answers() if checklist else {}
    recommendation = maths.recommend(answers)
    return {
        "answered": checklist is not None,
        "questions": [
            {"name": name, "question": label, "answer": answers.get(name)} for name, label in maths.CHECKLIST_QUESTIONS
        ],
        "recommendation": recommendation.model,
        "recommendation_label": maths.model_label(recommendation.model),
        "points_to": _points_to(checklist is not None, recommendation.model),
        "staff_aug_votes": recommendation.staff_aug_votes,
        "managed_votes": recommendation.managed_votes,
        "reasons": recommendation.reasons,
        "contradictions": maths.contradictions(answers, facts) if checklist else [],
        "notes": checklist.notes if checklist else "",
    }


def realized_text(area: dict[str, Any], month: dt.date, currency: str) -> str:
    """Say in sentences what the realized figures show for a service area in the report month and to date."""
    staff, managed = area.get("staff_aug"), area.get("managed")
    when = month_label(month)
    if not staff or not managed:
        only = "staff augmentation" if staff else "a managed service"
        return f"Only {only} has been used here up to {when}: no side-by-side comparison yet."
    now = []
    for label, section in (("staff augmentation", staff), ("the managed service", managed)):
        point = next((p for p in section["series"] if p["month"] == month_iso(month) and p["has_data"]), None)
        if point is not None:
            now.append(f"{label} cost {money(point['total'], currency)}")
    text = f"In {when} " + " and ".join(now) + "." if now else f"Neither model ran in {when}."
    if len(now) < 2:
        # One model is not running this month: its last figures belong to another month, and the
        # card of this month says only that (the verdict carries the trailing 12 months).
        return text + " " + _last_ran(staff, managed, month)
    common = min(len(staff["cumulative"]), len(managed["cumulative"]))
    s_cum, m_cum = Decimal(staff["cumulative"][common - 1]), Decimal(managed["cumulative"][common - 1])
    cheaper = "the managed service" if m_cum < s_cum else "staff augmentation"
    text += (
        f" Compared at the same age (each model's first {common} month{'s' if common != 1 else ''} of engagement, "
        f"up to {when}), {cheaper} cost less in total: {money(min(s_cum, m_cum), currency)} against "
        f"{money(max(s_cum, m_cum), currency)}."
    )
    if area["break_even_month"]:
        text += f" Managed broke even in month {area['break_even_month']}."
    return text


def _last_ran(staff: dict[str, Any], managed: dict[str, Any], month: dt.date) -> str:
    """Say which model did not run in the month, without bringing another month's figures into its card."""
    idle = [
        label
        for label, section in (("Staff augmentation", staff), ("The managed service", managed))
        if not any(p["has_data"] and p["month"] == month_iso(month) for p in section["series"])
    ]
    words = " ".join(f"{label} did not run in {month_label(month)}." for label in idle)
    return words + " No side-by-side comparison this month: the verdict compares the 12 months ending it."


def _row_quality(quality: Completeness, row: dict[str, Any], month: dt.date) -> list[dict[str, Any]]:
    return quality.by_engagement.get((row["engagement_id"], month), [])


def engagement_rows(data: ReportData, ttv: dict[int, dict[str, Any]], quality: Completeness) -> list[dict[str, Any]]:
    """Return one row per engagement active in the report month, sorted by area, model and name."""
    rows = []
    for row in data.rows:
        if row["month"] != data.month:
            continue
        rows.append(
            {
                "id": row["engagement_id"],
                "name": row["name"],
                "model": row["model"],
                "service_area": row["area"],
                "vendor": row["vendor"],
                "currency": row["currency"],
                "month_index": row["index"],
                "figures": {
                    name: (str(row[name]) if isinstance(row[name], Decimal) else row[name]) for name in ROW_FIELDS
                },
                "missing_rates": row["missing_rates"],
                "complete": not _row_quality(quality, row, data.month),
                "data_quality": _row_quality(quality, row, data.month),
                "time_to_value_days": ttv.get(row["engagement_id"], {}).get("days"),
                "time_to_value_basis": ttv.get(row["engagement_id"], {}).get("basis"),
                "time_to_value_note": ttv.get(row["engagement_id"], {}).get("note"),
            }
        )
    return sorted(rows, key=lambda r: (r["service_area"], r["model"], r["name"]))
