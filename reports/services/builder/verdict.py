"""The verdict of a service area (domain.md "Verdict"): which model is cheaper, by how much, why, and what it buys.

Every amount is staff aug minus managed in the base currency (positive: the
managed service cost less). The drivers split the month's gap into the cost
lines and add up to it to the cent: a total is labor + overhead + fees +
one-time - credits, so the parts of the two totals' difference are those
lines' differences (credits with their sign turned, since they reduce cost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from kernel.months import add_months, month_label
from reports.services.builder.data import MANAGED, MODELS, STAFF, Groups, as_text
from reports.services.builder.quality import Completeness
from reports.services.builder.words import MODEL_NAMES, MODEL_NAMES_LOWER, money, plural, points
from reports.services.tally import ZERO, Tally

TRAILING = 12
DRIVERS = ("vendor", "overhead", "one_time", "credits")
DRIVER_WORDS = {
    "vendor": "vendor cost (labor and fees)",
    "overhead": "internal overhead",
    "one_time": "one-time charges",
    "credits": "service credits",
}
OUTCOMES = ("response_met_pct", "resolution_met_pct", "uptime_pct", "cost_per_resolved_ticket")


def drivers_of(staff: Tally, managed: Tally) -> dict[str, Decimal]:
    """Split staff aug minus managed into its parts; they sum to the difference of the totals exactly."""

    def parts(t: Tally) -> dict[str, Decimal]:
        return {
            "vendor": t.get("labor_cost") + t.get("fee_cost"),
            "overhead": t.get("overhead_cost"),
            "one_time": t.get("one_time_cost"),
            "credits": -t.get("credit"),
        }

    s, m = parts(staff), parts(managed)
    return {name: s[name] - m[name] for name in DRIVERS}


def leading(drivers: dict[str, Decimal]) -> str | None:
    """Return the driver of the largest absolute value (the first of equals), None when all are zero."""
    name = max(DRIVERS, key=lambda n: abs(drivers[n]))
    return name if drivers[name] else None


def outcome_gaps(staff: Tally, managed: Tally) -> dict[str, str | None]:
    """Return managed minus staff aug of each outcome, None where a side has none."""
    s, m = staff.figures(), managed.figures()
    result: dict[str, str | None] = {}
    for name in OUTCOMES:
        a, b = s.get(name), m.get(name)
        result[name] = None if a is None or b is None else str(Decimal(b) - Decimal(a))
    return result


def cheaper(gap: Decimal | None) -> str:
    if gap is None:
        return "none"
    return "managed" if gap > 0 else "staff_aug" if gap < 0 else "equal"


@dataclass(frozen=True)
class VerdictInput:
    """What a verdict needs besides the tallies: the area, the month, the currency and the break-even."""

    area_id: Any
    name: str
    month: dt.date
    currency: str
    break_even_month: int | None


@dataclass(frozen=True)
class Trailing:
    """The 12 months ending the report month: each model's total and the months it has data in."""

    months: list[dt.date]
    totals: dict[str, Decimal]
    with_data: dict[str, list[dt.date]]

    @property
    def models(self) -> list[str]:
        return [m for m in MODELS if self.with_data[m]]

    @property
    def both(self) -> list[dt.date]:
        return sorted(set(self.with_data[STAFF]) & set(self.with_data[MANAGED]))


def _trailing(groups: Groups, area_id: Any, month: dt.date) -> Trailing:
    months = [add_months(month, -k) for k in range(TRAILING - 1, -1, -1)]
    totals = {m: sum((groups.tally((area_id, m), day).total_cost for day in months), ZERO) for m in MODELS}
    with_data = {m: [day for day in months if groups.tally((area_id, m), day).has_data] for m in MODELS}
    return Trailing(months, totals, with_data)


def _gap_both(groups: Groups, area_id: Any, months: list[dt.date]) -> Decimal | None:
    """Staff aug minus managed over the months both models ran (None when they never ran in the same month)."""
    if not months:
        return None
    return sum(
        (groups.tally((area_id, STAFF), m).total_cost - groups.tally((area_id, MANAGED), m).total_cost for m in months),
        ZERO,
    )


def verdict_of(groups: Groups, quality: Completeness, v: VerdictInput) -> dict[str, Any]:
    """Return a service area's verdict for the month (JSON-ready)."""
    staff, managed = groups.tally((v.area_id, STAFF), v.month), groups.tally((v.area_id, MANAGED), v.month)
    trailing = _trailing(groups, v.area_id, v.month)
    months, totals, models = trailing.months, trailing.totals, trailing.models
    both_now = staff.has_data and managed.has_data
    gap = staff.total_cost - managed.total_cost if both_now else None
    drivers = drivers_of(staff, managed) if both_now else None
    gap_12 = totals[STAFF] - totals[MANAGED] if len(models) == 2 else None
    gap_both = _gap_both(groups, v.area_id, trailing.both)
    complete = quality.complete((v.area_id, "all"), months)
    result: dict[str, Any] = {
        "cheaper_in_month": cheaper(gap),
        "gap_in_month": as_text(gap),
        "cheaper_trailing_12": cheaper(gap_12),
        "gap_trailing_12": as_text(gap_12),
        # gap_trailing_12 counts a month without data as 0: these say how many months each side had,
        # and compare the months both ran, so no side looks cheaper for having run fewer months.
        "months_with_data": {m: len(trailing.with_data[m]) for m in MODELS},
        "cost_trailing_12": {m: as_text(totals[m]) for m in MODELS},
        "months_both": [f"{m:%Y-%m}" for m in trailing.both],
        "cheaper_months_both": cheaper(gap_both),
        "gap_months_both": as_text(gap_both),
        "same_months": len(models) == 2 and trailing.with_data[STAFF] == trailing.with_data[MANAGED],
        "drivers": {name: as_text(drivers[name]) if drivers else None for name in DRIVERS},
        "leading_driver": leading(drivers) if drivers else None,
        "outcomes": outcome_gaps(staff, managed) if both_now else dict.fromkeys(OUTCOMES),
        "break_even_month": v.break_even_month,
        "hybrid": both_now,
        "models": models,
        "complete": complete,
        "incomplete_months": [f"{m:%Y-%m}" for m in quality.incomplete_months((v.area_id, "all"), months)],
    }
    result["sentence"] = sentence(result, v, staff, managed)
    result["figures"] = figures(result, v)
    return result


def _one_model(result: dict[str, Any], v: VerdictInput, staff: Tally, managed: Tally) -> str:
    if not result["models"]:
        return f"{v.name} has no cost in the 12 months ending {month_label(v.month)}: nothing to compare."
    only = MODEL_NAMES[result["models"][0]]
    if len(result["models"]) == 1:
        return f"Only {only.lower()} has been used for {v.name} in the 12 months ending {month_label(v.month)}: nothing to compare."
    active = MODEL_NAMES_LOWER[STAFF if staff.has_data else MANAGED] if staff.has_data or managed.has_data else None
    now = f"only {active} ran in {month_label(v.month)}" if active else f"neither ran in {month_label(v.month)}"
    return f"Both models ran for {v.name} in the 12 months ending {month_label(v.month)}, but {now}."


def months_words(months: list[str]) -> str:
    """Write "YYYY-MM" months as people read them: April 2026; April 2026 to June 2026; April 2026 and June 2026."""
    days = [dt.date.fromisoformat(m + "-01") for m in months]
    labels = [month_label(day) for day in days]
    if len(days) == 1:
        return labels[0]
    if all(add_months(a, 1) == b for a, b in pairwise(days)):
        return f"{labels[0]} to {labels[-1]}"
    if len(days) <= 3:
        return ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"between {labels[0]} and {labels[-1]}"


def uneven_trailing_words(verdict: dict[str, Any], currency: str) -> str | None:
    """Say what each model ran over the 12 months and compare the months both ran; None when that is like for like.

    gap_trailing_12 counts a month without data as 0, so a model that ran 1
    month would look cheaper than one that ran 7: when the two did not run in
    the same months, the words give each side's months and cost, and the gap
    of the months both ran (the page's card, the figures, CSV and PDF use them).
    """
    if verdict.get("gap_trailing_12") is None or verdict.get("same_months", True):
        return None
    counts, costs = verdict["months_with_data"], verdict["cost_trailing_12"]
    ran = (
        f"Staff augmentation ran {plural(counts[STAFF], 'month')} ({money(costs[STAFF], currency)}) "
        f"and the managed service {counts[MANAGED]} ({money(costs[MANAGED], currency)})"
    )
    both = verdict["months_both"]
    if not both:
        return f"{ran}; they never ran in the same month, so there is no like-for-like comparison"
    when = f"in the {plural(len(both), 'month')} both ran ({months_words(both)})"
    gap = Decimal(verdict["gap_months_both"])
    if not gap:
        return f"{ran}; {when} both cost the same"
    dearer = MODEL_NAMES_LOWER[STAFF if gap > 0 else MANAGED]
    return f"{ran}; {when} {dearer} cost {money(abs(gap), currency)} more"


def _trailing_words(result: dict[str, Any], v: VerdictInput) -> str:
    if result["gap_trailing_12"] is None:
        return ""
    over = f" Over the 12 months ending {month_label(v.month)}"
    uneven = uneven_trailing_words(result, v.currency)
    if uneven:
        return f"{over} {uneven[0].lower()}{uneven[1:]}."
    gap_12 = Decimal(result["gap_trailing_12"])
    if not gap_12:
        return f"{over} both cost the same."
    who = "the managed service" if gap_12 > 0 else "staff augmentation"
    return f"{over} {who} cost {money(abs(gap_12), v.currency)} less."


def _outcome_words(result: dict[str, Any]) -> str:
    words = []
    labels = {
        "response_met_pct": "response target met",
        "resolution_met_pct": "resolution target met",
        "uptime_pct": "uptime",
    }
    for name, label in labels.items():
        value = result["outcomes"][name]
        if value is not None:
            words.append(f"{label} {points(value)}")
    if not words:
        return ""
    return " Managed against staff aug: " + ", ".join(words) + "."


def sentence(result: dict[str, Any], v: VerdictInput, staff: Tally, managed: Tally) -> str:
    """Write the verdict as plain sentences, amounts with currency and thousands separators."""
    if result["gap_in_month"] is None:
        text = _one_model(result, v, staff, managed) + _trailing_words(result, v)
    else:
        gap = Decimal(result["gap_in_month"])
        when = f"for {v.name} in {month_label(v.month)}"
        if not gap:
            text = f"Both models cost the same {when}."
        else:
            winner = MODEL_NAMES[result["cheaper_in_month"]]
            text = f"{winner} was cheaper {when} by {money(abs(gap), v.currency)}"
            if result["leading_driver"]:
                text += f", mostly {DRIVER_WORDS[result['leading_driver']]}"
            text += "."
        text += _trailing_words(result, v) + _outcome_words(result)
        text += f" {v.name} is hybrid: both models ran in {month_label(v.month)}."
    if result["break_even_month"]:
        text += f" Managed broke even in month {result['break_even_month']}."
    if not result["complete"]:
        months = ", ".join(month_label(dt.date.fromisoformat(m + "-01")) for m in result["incomplete_months"])
        where = (
            "see data quality"
            if result["incomplete_months"] == [f"{v.month:%Y-%m}"]
            else "see the data quality of each month's report"
        )
        text += (
            f" Incomplete data: in {months} some hours, currencies or tickets lack a rate or an SLA policy, "
            f"so these figures leave them out ({where})."
        )
    return text


def _trailing_figures(result: dict[str, Any], v: VerdictInput, names: dict[str, str], gap: str) -> list[dict[str, str]]:
    uneven = uneven_trailing_words(result, v.currency)
    if uneven is None:
        return [
            {"label": "Cheaper over 12 months", "value": names[result["cheaper_trailing_12"]]},
            {"label": "Gap over 12 months (staff aug - managed)", "value": gap},
        ]
    # Not "cheaper over 12 months": the two sides ran different months.
    return [
        {"label": "Over 12 months", "value": uneven},
        {"label": "Gap over 12 months (staff aug - managed)", "value": f"{gap} (a month without data counts 0)"},
    ]


def figures(result: dict[str, Any], v: VerdictInput) -> list[dict[str, str]]:
    """Return the verdict's figures as label and display value."""
    names = {**MODEL_NAMES, "equal": "Equal", "none": "Nothing to compare"}

    def amount(value: str | None) -> str:
        return "-" if value is None else money(value, v.currency)

    rows = [
        {"label": f"Cheaper in {month_label(v.month)}", "value": names[result["cheaper_in_month"]]},
        {"label": "Gap this month (staff aug - managed)", "value": amount(result["gap_in_month"])},
        *_trailing_figures(result, v, names, amount(result["gap_trailing_12"])),
    ]
    if result["leading_driver"]:
        name = result["leading_driver"]
        rows.append({"label": "Leading driver", "value": f"{DRIVER_WORDS[name]} ({amount(result['drivers'][name])})"})
    for name, label in (("response_met_pct", "Response met"), ("resolution_met_pct", "Resolution met")):
        if result["outcomes"][name] is not None:
            rows.append({"label": f"{label}, managed vs staff aug", "value": points(result["outcomes"][name])})
    if result["outcomes"]["uptime_pct"] is not None:
        rows.append({"label": "Uptime, managed vs staff aug", "value": points(result["outcomes"]["uptime_pct"])})
    if result["outcomes"]["cost_per_resolved_ticket"] is not None:
        rows.append(
            {
                "label": "Cost per resolved ticket, managed vs staff aug",
                "value": money(result["outcomes"]["cost_per_resolved_ticket"], v.currency),
            }
        )
    rows.append(
        {
            "label": "Break-even month",
            "value": "-" if result["break_even_month"] is None else f"month {result['break_even_month']}",
        }
    )
    rows.append({"label": "Data", "value": "complete" if result["complete"] else "incomplete"})
    if result["hybrid"]:
        rows.append({"label": "Hybrid area", "value": "both models active this month"})
    return rows
