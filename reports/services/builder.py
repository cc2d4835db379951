"""Build the comparison report of a month from the stored snapshots (a constant number of queries)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.guards import month_label
from billing.models import FeeSchedule
from billing.selectors import MissingExchangeRate, exchange_rates_for
from engagements.models import DeliveryModel, Engagement
from engagements.selectors import first_accepted_deliveries_for
from kernel.money import round_pct, to_cents
from reports import maths
from reports.models import (
    FIGURE_FIELDS,
    ComparisonReport,
    DecisionChecklist,
    MonthlySnapshot,
)
from reports.services.events import notable_events
from reports.services.tally import ZERO, Tally, convert_row
from sla.selectors import DEFAULT_ATTAINMENT_GOAL, attainment_goals_for

WINDOW_MONTHS = 24
# Snapshots loaded for cumulative cost by month index: an engagement that
# started up to this many months ago still shows its first 24 months.
HISTORY_MONTHS = 48
STAFF, MANAGED = DeliveryModel.STAFF_AUG.value, DeliveryModel.MANAGED.value
MODELS = (STAFF, MANAGED)
ALL = "all"
REPORT_VERSION = 2
NOT_YET = "not yet"
BEFORE_HISTORY = f"started more than {HISTORY_MONTHS} months before the report: not measured"


def add_months(month: dt.date, count: int) -> dt.date:
    """Return the first day of the month `count` months after (or before) a month."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_apart(first: dt.date, last: dt.date) -> int:
    """Return how many months lie from first's month to last's month (0 when equal)."""
    return (last.year - first.year) * 12 + last.month - first.month


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


_ROW_FIELDS = [name for name in FIGURE_FIELDS if name != "missing_rates"]


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


def _load(month: dt.date) -> ReportData:
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
            *_ROW_FIELDS,
            name=F("engagement__name"),
            model=F("engagement__model"),
            area_id=F("engagement__service_area_id"),
            area=F("engagement__service_area__name"),
            vendor=F("engagement__vendor__name"),
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
    used = sorted({(when, currency) for (when, currency), rate in rates.items() if rate is not None and when == month})
    for when, currency in used:
        data.notes.append(
            f"{currency} figures converted into {base} with the {month_label(when)} rate {rates[(when, currency)]}."
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
        row["index"] = months_apart(row["start_date"].replace(day=1), row["month"]) + 1
        data.rows.append(row)
    return data


class Groups:
    """Tallies of every group (overall or a service area, by model or both) per month and per month index."""

    def __init__(self, data: ReportData) -> None:
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
        return self.by_month.get(key, {}).get(month) or Tally()

    def totals_with_data(self, key: tuple[Any, str], until: dt.date) -> list[Decimal]:
        """Return the monthly totals of the months (up to `until`) in which the group has data."""
        months = self.by_month.get(key, {})
        return [months[m].total_cost for m in sorted(months) if m <= until and months[m].has_data]

    def monthly_by_index(self, key: tuple[Any, str]) -> list[Decimal]:
        indexes = self.by_index.get(key, {})
        if not indexes:
            return []
        return [indexes.get(i, ZERO) for i in range(1, max(indexes) + 1)]

    def has(self, key: tuple[Any, str]) -> bool:
        return key in self.by_month


def _series(groups: Groups, key: tuple[Any, str], months: list[dt.date]) -> list[dict[str, Any]]:
    points = []
    for month in months:
        tally = groups.tally(key, month)
        if not tally.has_data:
            points.append({"month": month.isoformat()[:7], "has_data": False})
            continue
        figures = tally.figures()
        points.append(
            {
                "month": month.isoformat()[:7],
                "has_data": True,
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


def _group(groups: Groups, key: tuple[Any, str], data: ReportData, months: list[dt.date]) -> dict[str, Any] | None:
    if not groups.has(key):
        return None
    monthly = groups.monthly_by_index(key)
    volatility = maths.volatility(groups.totals_with_data(key, data.month))
    return {
        "figures": groups.tally(key, data.month).figures(),
        "volatility_pct": _s(None if volatility is None else round_pct(volatility * 100)),
        "series": _series(groups, key, months),
        "monthly_by_index": [str(v) for v in monthly],
        "cumulative": [str(v) for v in maths.cumulative(monthly)],
        "phases": {name: str(value) for name, value in maths.phase_totals(monthly).items()},
    }


def _managed_future(data: ReportData, scope_rows: dict[Any, list[dict[str, Any]]]) -> dict[Any, list[Decimal] | None]:
    """Return, per scope, the managed fees of the next 24 months from the fee schedules (one query)."""
    month_end = add_months(data.month, 1) - dt.timedelta(days=1)
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
    month_end = add_months(data.month, 1) - dt.timedelta(days=1)
    return any(
        row["month"] == data.month
        and row["model"] == model
        and scope in (ALL, row["area_id"])
        and (row["end_date"] is None or row["end_date"] > month_end)
        for row in data.rows
    )


def _forecast(groups: Groups, scope: Any, data: ReportData, managed: list[Decimal] | None) -> dict[str, Any]:
    # Only an engagement that runs on has a future: an ended one is not forecast.
    staff_history = groups.totals_with_data((scope, STAFF), data.month) if _continuing(data, scope, STAFF) else []
    result = maths.forecast(staff_history, managed)
    months = [add_months(data.month, k).isoformat()[:7] for k in range(1, maths.FORECAST_MONTHS + 1)]
    return {
        "months": months,
        "staff_aug": [str(v) for v in result.staff_aug],
        "managed": [str(v) for v in result.managed],
        "gap_12": _s(result.gap_12),
        "gap_24": _s(result.gap_24),
        "basis": result.basis,
    }


def _break_even(groups: Groups, scope: Any) -> int | None:
    managed = maths.cumulative(groups.monthly_by_index((scope, MANAGED)))
    staff = maths.cumulative(groups.monthly_by_index((scope, STAFF)))
    if not managed or not staff:
        return None
    return maths.break_even(managed, staff)


def _area_facts(groups: Groups, area_id: int, data: ReportData) -> maths.AreaFacts:
    current = [row for row in data.rows if row["area_id"] == area_id and row["month"] == data.month]
    running = [row["index"] for row in current]
    staff_running = [row["index"] for row in current if row["model"] == STAFF]
    recent = [add_months(data.month, -k) for k in range(maths.TRAILING_MONTHS)]
    staff_key, all_key = (area_id, STAFF), (area_id, ALL)
    return maths.AreaFacts(
        months_running=max(running, default=0),
        staff_aug_months_running=max(staff_running, default=0),
        cost_volatility=maths.volatility(groups.totals_with_data(all_key, data.month)),
        overhead_hours=sum((groups.tally(staff_key, m).get("overhead_hours") for m in recent), Decimal(0)),
        downtime_impact=sum((groups.tally(all_key, m).get("downtime_impact") for m in recent), ZERO),
        credits=sum((groups.tally(all_key, m).get("credit") for m in recent), ZERO),
        has_managed=groups.has((area_id, MANAGED)),
    )


def _checklist(checklist: DecisionChecklist | None, facts: maths.AreaFacts) -> dict[str, Any]:
    answers = checklist.answers() if checklist else {}
    recommendation = maths.recommend(answers)
    return {
        "answered": checklist is not None,
        "questions": [
            {"name": name, "question": label, "answer": answers.get(name)} for name, label in maths.CHECKLIST_QUESTIONS
        ],
        "recommendation": recommendation.model,
        "recommendation_label": maths.model_label(recommendation.model),
        "staff_aug_votes": recommendation.staff_aug_votes,
        "managed_votes": recommendation.managed_votes,
        "reasons": recommendation.reasons,
        "contradictions": maths.contradictions(answers, facts) if checklist else [],
        "notes": checklist.notes if checklist else "",
    }


def _realized(area: dict[str, Any]) -> str:
    """Say in a sentence what the realized figures show for a service area."""
    staff, managed = area.get("staff_aug"), area.get("managed")
    if not staff or not managed:
        only = "staff augmentation" if staff else "a managed service"
        return f"Only {only} has been used here: no side-by-side comparison yet."
    common = min(len(staff["cumulative"]), len(managed["cumulative"]))
    s_cum, m_cum = Decimal(staff["cumulative"][common - 1]), Decimal(managed["cumulative"][common - 1])
    cheaper = "managed service" if m_cum < s_cum else "staff augmentation"
    text = (
        f"After {common} month{'s' if common != 1 else ''} the {cheaper} cost less in total "
        f"({min(s_cum, m_cum)} against {max(s_cum, m_cum)})."
    )
    if area["break_even_month"]:
        text += f" Managed broke even in month {area['break_even_month']}."
    return text


def _month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def _time_to_value(data: ReportData) -> dict[int, dict[str, Any]]:
    """Return each engagement's time to value as known at the report month's end (two queries)."""
    by_engagement: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in data.history:
        if row["month"] <= data.month:
            by_engagement[row["engagement_id"]].append(row)
    if not by_engagement:
        return {}
    ids = sorted(by_engagement)
    deliveries = first_accepted_deliveries_for(ids, _month_end(data.month))
    goals = attainment_goals_for(ids)
    first_loaded = add_months(data.month, -(HISTORY_MONTHS - 1))
    result: dict[int, dict[str, Any]] = {}
    for pk, rows in by_engagement.items():
        start = rows[0]["start_date"]
        entry: dict[str, Any] = {"model": rows[0]["model"], "area_id": rows[0]["area_id"], "measured": True}
        if start.replace(day=1) < first_loaded:
            # Its first months are not loaded: the month value was reached in may be among them.
            result[pk] = {**entry, "days": None, "basis": None, "note": BEFORE_HISTORY, "measured": False}
            continue
        months = [
            maths.MonthAttainment(
                month=row["month"],
                response_met_pct=row["response_met_pct"],
                resolution_met_pct=row["resolution_met_pct"],
                response_met=row["response_met"],
                response_measured=row["response_measured"],
                resolution_met=row["resolution_met"],
                resolution_measured=row["resolution_measured"],
                tickets=row["tickets_opened"] + row["tickets_resolved"] + row["backlog"],
                goal=goals.goal_on(pk, _month_end(row["month"])),
            )
            for row in rows
        ]
        days = maths.time_to_value(start, months, DEFAULT_ATTAINMENT_GOAL, deliveries.get(pk))
        basis = "tickets" if maths.has_tickets(months) else "milestone"
        result[pk] = {**entry, "days": days, "basis": basis, "note": NOT_YET if days is None else None}
    return result


def _time_to_value_groups(ttv: dict[int, dict[str, Any]]) -> dict[tuple[Any, str], dict[str, Any]]:
    """Return the time-to-value figures of every group (overall or a service area, by model)."""
    values: dict[tuple[Any, str], list[int | None]] = defaultdict(list)
    for entry in ttv.values():
        if entry["measured"]:
            for key in ((ALL, entry["model"]), (entry["area_id"], entry["model"])):
                values[key].append(entry["days"])
    result = {}
    for key, days in values.items():
        summary = maths.summarize_time_to_value(days)
        result[key] = {
            "time_to_value_median_days": _s(summary.median_days),
            "time_to_value_mean_days": _s(summary.mean_days),
            "time_to_value_reached": summary.reached,
            "time_to_value_counted": summary.counted,
        }
    return result


def _with_time_to_value(group: dict[str, Any] | None, figures: dict[str, Any] | None) -> dict[str, Any] | None:
    if group is None:
        return None
    empty = {
        "time_to_value_median_days": None,
        "time_to_value_mean_days": None,
        "time_to_value_reached": 0,
        "time_to_value_counted": 0,
    }
    return {**group, **(figures or empty)}


def _engagement_rows(data: ReportData, ttv: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
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
                    name: (str(row[name]) if isinstance(row[name], Decimal) else row[name]) for name in _ROW_FIELDS
                },
                "missing_rates": row["missing_rates"],
                "time_to_value_days": ttv.get(row["engagement_id"], {}).get("days"),
                "time_to_value_basis": ttv.get(row["engagement_id"], {}).get("basis"),
                "time_to_value_note": ttv.get(row["engagement_id"], {}).get("note"),
            }
        )
    return sorted(rows, key=lambda r: (r["service_area"], r["model"], r["name"]))


def build_payload(month: dt.date) -> dict[str, Any]:
    """Compute the whole report of a month as a JSON-ready dict (reads only)."""
    month = month.replace(day=1)
    data = _load(month)
    groups = Groups(data)
    months = [add_months(month, -k) for k in range(WINDOW_MONTHS - 1, -1, -1)]
    present = {key[0] for key in groups.by_month}
    scope_rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in data.rows:
        if row["month"] == month:
            scope_rows[ALL].append(row)
            scope_rows[row["area_id"]].append(row)
    managed_future = _managed_future(data, scope_rows)
    ttv = _time_to_value(data)
    ttv_groups = _time_to_value_groups(ttv)
    checklists = {
        c.service_area_id: c for c in DecisionChecklist.objects.filter(service_area_id__in=list(groups.areas))
    }
    areas = []
    for area_id, name in sorted(groups.areas.items(), key=lambda item: item[1]):
        area: dict[str, Any] = {"id": area_id, "name": name}
        for model in MODELS:
            area[model] = _with_time_to_value(
                _group(groups, (area_id, model), data, months), ttv_groups.get((area_id, model))
            )
        area["break_even_month"] = _break_even(groups, area_id)
        area["forecast"] = _forecast(groups, area_id, data, managed_future.get(area_id))
        area["checklist"] = _checklist(checklists.get(area_id), _area_facts(groups, area_id, data))
        area["realized"] = _realized(area)
        areas.append(area)
    overall = {
        model: _with_time_to_value(_group(groups, (ALL, model), data, months), ttv_groups.get((ALL, model)))
        for model in MODELS
    }
    payload = {
        "version": REPORT_VERSION,
        "month": month.isoformat()[:7],
        "month_label": month_label(month),
        "currency": data.currency,
        "currency_notes": data.notes,
        "errors": data.errors,
        "months": [m.isoformat()[:7] for m in months],
        "overall": {
            **overall,
            "break_even_month": _break_even(groups, ALL) if ALL in present else None,
            "forecast": _forecast(groups, ALL, data, managed_future.get(ALL)),
        },
        "service_areas": areas,
        "engagements": _engagement_rows(data, ttv),
        "events": notable_events(month, data.rows),
    }
    return payload


def payload_fingerprint(payload: dict[str, Any]) -> str:
    """Return a stable digest of a report's content."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def report_build(*, month: dt.date, now: dt.datetime | None = None) -> ComparisonReport:
    """Build and store a month's comparison report; an unchanged report keeps its row (only verified_at moves)."""
    month = month.replace(day=1)
    now = now or timezone.now()
    payload = build_payload(month)
    digest = payload_fingerprint(payload)
    with transaction.atomic():
        report = ComparisonReport.objects.select_for_update().filter(month=month).first()
        if report is not None and report.fingerprint == digest:
            ComparisonReport.objects.filter(pk=report.pk).update(verified_at=now)
            report.verified_at = now
            return report
        report = report or ComparisonReport(month=month)
        report.payload, report.fingerprint = payload, digest
        report.currency, report.errors = payload["currency"], payload["errors"]
        report.computed_at = report.verified_at = now
        report.save()
    return report


def affected_report_months(changed: set[dt.date]) -> list[dt.date]:
    """Return the months of stored reports whose window contains a changed month."""
    if not changed:
        return []
    first, last = min(changed), add_months(max(changed), WINDOW_MONTHS - 1)
    stored = ComparisonReport.objects.filter(month__gte=first, month__lte=last).values_list("month", flat=True)
    return sorted(m for m in stored if any(c <= m < add_months(c, WINDOW_MONTHS) for c in changed))


def engagement_ids_active_in(month: dt.date) -> list[int]:
    """Return the engagements with at least one active day in a month, in id order."""
    return list(Engagement.objects.active_in(month).order_by("pk").values_list("pk", flat=True))
