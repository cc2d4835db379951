"""Time to value: each engagement's days from its start to the month its attainment first reached the goal."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from engagements.selectors import first_accepted_deliveries_for
from kernel.months import add_months, first_of, last_day_of
from reports import maths
from reports.services.builder.data import ALL, HISTORY_MONTHS, WINDOW_MONTHS, ReportData, as_text
from sla.selectors import DEFAULT_ATTAINMENT_GOAL, attainment_goals_for

NOT_YET = "not yet"
BEFORE_HISTORY = f"started more than {HISTORY_MONTHS} months before the report: not measured"


def time_to_value_of(data: ReportData) -> dict[int, dict[str, Any]]:
    """Return each engagement's time to value as known at the report month's end (two queries)."""
    by_engagement: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in data.history:
        if row["month"] <= data.month:
            by_engagement[row["engagement_id"]].append(row)
    if not by_engagement:
        return {}
    ids = sorted(by_engagement)
    deliveries = first_accepted_deliveries_for(ids, last_day_of(data.month))
    goals = attainment_goals_for(ids)
    first_loaded = add_months(data.month, -(HISTORY_MONTHS - 1))
    result: dict[int, dict[str, Any]] = {}
    for pk, rows in by_engagement.items():
        start = rows[0]["start_date"]
        # Only engagements that ran within the report's 24 months count in the groups' summaries.
        recent = rows[-1]["month"] > add_months(data.month, -WINDOW_MONTHS)
        entry: dict[str, Any] = {"model": rows[0]["model"], "area_id": rows[0]["area_id"], "measured": recent}
        if first_of(start) < first_loaded:
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
                goal=goals.goal_on(pk, last_day_of(row["month"])),
            )
            for row in rows
        ]
        days = maths.time_to_value(start, months, DEFAULT_ATTAINMENT_GOAL, deliveries.get(pk))
        basis = "tickets" if maths.has_tickets(months) else "milestone"
        result[pk] = {**entry, "days": days, "basis": basis, "note": NOT_YET if days is None else None}
    return result


def time_to_value_groups(ttv: dict[int, dict[str, Any]]) -> dict[tuple[Any, str], dict[str, Any]]:
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
            "time_to_value_median_days": as_text(summary.median_days),
            "time_to_value_mean_days": as_text(summary.mean_days),
            "time_to_value_reached": summary.reached,
            "time_to_value_counted": summary.counted,
        }
    return result


def with_time_to_value(group: dict[str, Any] | None, figures: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a group's section with its time-to-value figures (empty ones when it has none)."""
    if group is None:
        return None
    empty = {
        "time_to_value_median_days": None,
        "time_to_value_mean_days": None,
        "time_to_value_reached": 0,
        "time_to_value_counted": 0,
    }
    return {**group, **(figures or empty)}
