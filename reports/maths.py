"""The report's pure maths: volatility, cumulative cost, phases, break-even, forecast, time to value, checklist.

No ORM here: every function takes plain Decimals and is tested on small
hand-computed data. Money comes back rounded to cents half up, ratios
unrounded (the caller reports them with round_pct).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kernel.money import exact, to_cents
from kernel.months import last_day_of

ZERO = Decimal("0.00")
# Months of history that volatility and the staff-aug trend look at.
TRAILING_MONTHS = 6
FORECAST_MONTHS = 6
# Month-index phases buyers use: "0-6 / 6-12 / 12-24 months".
PHASES: tuple[tuple[str, int, int], ...] = (("1-6", 1, 6), ("7-12", 7, 12), ("13-24", 13, 24))
STAFF_AUG, MANAGED, EITHER = "staff_aug", "managed", "either"

CHECKLIST_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("short_term", "Short-term project with a clear end date?"),
    ("offload_downtime_risk", "Offload the risk of downtime entirely?"),
    ("predictable_cost", "Fixed and predictable monthly cost wanted?"),
    ("internal_manager", "Internal IT manager to oversee the work?"),
    ("specific_skill_short", "Specific skill needed for a few months only?"),
)
# domain.md's table: the model each answer points to (EITHER: no preference).
CHECKLIST_VOTES: dict[str, dict[bool, str]] = {
    "short_term": {True: STAFF_AUG, False: MANAGED},
    "offload_downtime_risk": {True: MANAGED, False: STAFF_AUG},
    "predictable_cost": {True: MANAGED, False: STAFF_AUG},
    "internal_manager": {True: EITHER, False: MANAGED},
    "specific_skill_short": {True: STAFF_AUG, False: MANAGED},
}
# Thresholds of the contradictions between answers and data.
SHORT_TERM_MONTHS = 12
FEW_MONTHS = 6
PREDICTABLE_CV = Decimal("0.10")


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """Return the unrounded mean, or None for no values."""
    if not values:
        return None
    with exact():
        return sum(values, Decimal(0)) / len(values)


def volatility(monthly_totals: Sequence[Decimal]) -> Decimal | None:
    """Return the coefficient of variation (population std dev / mean) of the last 6 values given.

    The caller passes only months that have data. None with no data or a
    zero mean; 0 for a single month.
    """
    values = list(monthly_totals)[-TRAILING_MONTHS:]
    average = mean(values)
    if average is None or average == 0:
        return None
    with exact():
        variance = sum(((v - average) ** 2 for v in values), Decimal(0)) / len(values)
        return abs(variance.sqrt() / average)


def cumulative(monthly: Sequence[Decimal]) -> list[Decimal]:
    """Return running totals: element i is the sum of months 1..i+1."""
    running, result = Decimal(0), []
    for value in monthly:
        running += value
        result.append(running)
    return result


def phase_totals(monthly_by_index: Sequence[Decimal]) -> dict[str, Decimal]:
    """Return the sums of month indexes 1-6, 7-12 and 13-24 (element 0 is month index 1)."""
    return {name: sum(monthly_by_index[low - 1 : high], Decimal(0)) + ZERO for name, low, high in PHASES}


def break_even(managed_cumulative: Sequence[Decimal], staff_cumulative: Sequence[Decimal]) -> int | None:
    """Return the first month index at which managed cumulative cost <= staff-aug cumulative cost, or None.

    Only indexes both models have reached are compared.
    """
    for index, (managed, staff) in enumerate(zip(managed_cumulative, staff_cumulative, strict=False), start=1):
        if managed <= staff:
            return index
    return None


def least_squares(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Return (slope, intercept) of the least-squares line through (1, v1), (2, v2), ..."""
    n = len(values)
    if n == 0:
        return Decimal(0), Decimal(0)
    if n == 1:
        return Decimal(0), Decimal(values[0])
    with exact():
        xs = [Decimal(x) for x in range(1, n + 1)]
        x_mean, y_mean = sum(xs, Decimal(0)) / n, sum(values, Decimal(0)) / n
        sxx = sum(((x - x_mean) ** 2 for x in xs), Decimal(0))
        sxy = sum(((x - x_mean) * (y - y_mean) for x, y in zip(xs, values, strict=True)), Decimal(0))
        slope = sxy / sxx
        return slope, y_mean - slope * x_mean


def trend_projection(history: Sequence[Decimal], months: int) -> list[Decimal]:
    """Project the next `months` values on the least-squares line of the last 6 values (never below 0)."""
    recent = list(history)[-TRAILING_MONTHS:]
    if not recent:
        return []
    slope, intercept = least_squares(recent)
    n = len(recent)
    with exact():
        return [max(to_cents(intercept + slope * (n + k)), ZERO) for k in range(1, months + 1)]


@dataclass(frozen=True)
class Forecast:
    """The next months of both models and the projected cumulative gap (staff aug minus managed)."""

    staff_aug: list[Decimal]
    managed: list[Decimal]
    gap_12: Decimal | None
    gap_24: Decimal | None
    basis: list[str] = field(default_factory=list)


def forecast(staff_history: Sequence[Decimal], managed_future: Sequence[Decimal] | None) -> Forecast:
    """Forecast 6 months: staff aug on its 6-month trend, managed from its fee schedule; gaps over 12 and 24 months.

    `managed_future` holds the managed fees of the next 24 months (or None
    without a managed engagement). A positive gap means staff aug is
    projected to cost more than managed over that horizon.
    """
    basis = []
    staff_24 = trend_projection(staff_history, 24)
    if staff_24:
        used = min(len(staff_history), TRAILING_MONTHS)
        basis.append(f"Staff aug: least-squares trend of the last {used} month{'s' if used != 1 else ''} with data.")
    managed_24 = list(managed_future or [])
    if managed_24:
        basis.append("Managed: the fee schedule in effect each month, without credits.")
    gap_12 = gap_24 = None
    if staff_24 and managed_24:
        gap_12 = sum(staff_24[:12], ZERO) - sum(managed_24[:12], ZERO)
        gap_24 = sum(staff_24[:24], ZERO) - sum(managed_24[:24], ZERO)
    return Forecast(
        staff_aug=staff_24[:FORECAST_MONTHS],
        managed=managed_24[:FORECAST_MONTHS],
        gap_12=gap_12,
        gap_24=gap_24,
        basis=basis,
    )


# --- time to value ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthAttainment:
    """One month of an engagement's ticket attainment, as its snapshot stores it.

    `goal` is the attainment goal of the policy in effect at the month's end;
    None means the goal given to time_to_value applies.
    """

    month: dt.date
    response_met_pct: Decimal | None
    resolution_met_pct: Decimal | None
    response_met: int = 0
    response_measured: int = 0
    resolution_met: int = 0
    resolution_measured: int = 0
    tickets: int = 0
    goal: Decimal | None = None


def _at_goal(met: int, measured: int, stored_pct: Decimal | None, goal: Decimal) -> bool:
    # domain.md compares thresholds with the unrounded value. The snapshot keeps
    # the counts, so met * 100 >= goal * measured decides exactly (no 3-dp rounding:
    # 94.9996% stored as 95.000 does not reach 95); the stored percentage is only
    # the fallback when no counts were given.
    if measured:
        return Decimal(met) * 100 >= goal * measured
    return stored_pct is not None and stored_pct >= goal


def reaches_goal(row: MonthAttainment, goal: Decimal) -> bool:
    """Tell whether both the response and the resolution attainment of a month reach the goal."""
    goal = row.goal if row.goal is not None else goal
    return _at_goal(row.response_met, row.response_measured, row.response_met_pct, goal) and _at_goal(
        row.resolution_met, row.resolution_measured, row.resolution_met_pct, goal
    )


def has_tickets(rows: Sequence[MonthAttainment]) -> bool:
    """Tell whether an engagement had any ticket (opened, resolved, open or measured) in the months given."""
    return any(
        row.tickets
        or row.response_measured
        or row.resolution_measured
        or row.response_met_pct is not None
        or row.resolution_met_pct is not None
        for row in rows
    )


def time_to_value(
    start: dt.date,
    rows: Sequence[MonthAttainment],
    goal: Decimal,
    first_accepted_delivery: dt.date | None,
) -> int | None:
    """Return the days from the start to the first month both attainments reach the goal, or None (not yet).

    An engagement without any ticket counts to its first accepted milestone's
    delivered date instead. `rows` are the engagement's months in order.
    """
    if not has_tickets(rows):
        if first_accepted_delivery is None:
            return None
        return max((first_accepted_delivery - start).days, 0)
    for row in rows:
        if reaches_goal(row, goal):
            # The month's attainment is known only once the month is over, so
            # value counts as reached on its last day (not its first or a ticket's date).
            return max((last_day_of(row.month) - start).days, 0)
    return None


@dataclass(frozen=True)
class TimeToValueSummary:
    """The time to value of a group of engagements: median and mean of those that reached value."""

    median_days: Decimal | None
    mean_days: Decimal | None
    reached: int
    counted: int


def summarize_time_to_value(values: Sequence[int | None]) -> TimeToValueSummary:
    """Return the median and mean (1 place, half up) of the reached values, and how many reached of all."""
    reached = sorted(v for v in values if v is not None)
    median = None
    if reached:
        middle = len(reached) // 2
        median = Decimal(reached[middle]) if len(reached) % 2 else Decimal(reached[middle - 1] + reached[middle]) / 2
    average = mean([Decimal(v) for v in reached])
    return TimeToValueSummary(
        median_days=median,
        mean_days=None if average is None else average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        reached=len(reached),
        counted=len(values),
    )


# --- the decision checklist -----------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """What the checklist answers point to, with the votes behind it."""

    model: str | None
    staff_aug_votes: int
    managed_votes: int
    reasons: list[str]


def recommend(answers: dict[str, bool | None]) -> Recommendation:
    """Return the model the checklist answers point to (None until a question is answered).

    Each answer votes per domain.md's table; the majority wins, a tie is
    "either". Without an internal manager to oversee the work, staff aug is
    not an option, so that answer decides on its own.
    """
    votes = {STAFF_AUG: 0, MANAGED: 0}
    reasons = []
    labels = dict(CHECKLIST_QUESTIONS)
    for name, _ in CHECKLIST_QUESTIONS:
        answer = answers.get(name)
        if answer is None:
            continue
        pick = CHECKLIST_VOTES[name][answer]
        if pick != EITHER:
            votes[pick] += 1
        reasons.append(f"{labels[name]} {'Yes' if answer else 'No'}: {_model_label(pick)}")
    if not reasons:
        return Recommendation(None, 0, 0, [])
    if answers.get("internal_manager") is False:
        model = MANAGED
    elif votes[STAFF_AUG] == votes[MANAGED]:
        model = EITHER
    else:
        model = STAFF_AUG if votes[STAFF_AUG] > votes[MANAGED] else MANAGED
    return Recommendation(model, votes[STAFF_AUG], votes[MANAGED], reasons)


@dataclass(frozen=True)
class AreaFacts:
    """What the data says about a service area, for checking the checklist against it."""

    months_running: int = 0
    staff_aug_months_running: int = 0
    cost_volatility: Decimal | None = None
    overhead_hours: Decimal = Decimal(0)
    downtime_impact: Decimal = Decimal(0)
    credits: Decimal = Decimal(0)
    has_managed: bool = False
    # The base currency the amounts are in ("" in pure tests: amounts printed bare).
    currency: str = ""


def _amount(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}" if currency else f"{value:,.2f}"


def contradictions(answers: dict[str, bool | None], facts: AreaFacts) -> list[str]:
    """Return where the data contradicts the checklist answers, as sentences."""
    found = []
    if answers.get("short_term") and facts.months_running > SHORT_TERM_MONTHS:
        found.append(
            f'"Short-term project" is answered yes, but the work has run {facts.months_running} months '
            f"(more than {SHORT_TERM_MONTHS})."
        )
    if answers.get("specific_skill_short") and facts.staff_aug_months_running > FEW_MONTHS:
        found.append(
            f'"Specific skill for a few months only" is answered yes, but staff augmentation has run '
            f"{facts.staff_aug_months_running} months."
        )
    if answers.get("predictable_cost") and facts.cost_volatility is not None and facts.cost_volatility > PREDICTABLE_CV:
        pct = (facts.cost_volatility * 100).quantize(Decimal("0.1"))
        found.append(
            f'"Fixed and predictable monthly cost" is wanted, but monthly cost varied by {pct}% '
            f"(coefficient of variation over the last {TRAILING_MONTHS} months; "
            f"{int(PREDICTABLE_CV * 100)}% or less reads as predictable)."
        )
    if answers.get("internal_manager") is False and facts.overhead_hours > 0:
        found.append(
            f'"Internal IT manager to oversee" is answered no, but {facts.overhead_hours} h of internal '
            "oversight were recorded in the last 6 months."
        )
    if answers.get("offload_downtime_risk") and facts.downtime_impact > facts.credits:
        found.append(
            f'"Offload the risk of downtime entirely" is answered yes, but the managed service\'s downtime cost the '
            f"organisation {_amount(facts.downtime_impact, facts.currency)} over the last 6 months against "
            f"{_amount(facts.credits, facts.currency)} of its service credits."
        )
    return found


def _model_label(model: str) -> str:
    return {STAFF_AUG: "staff aug", MANAGED: "managed", EITHER: "staff aug or managed"}[model]


def model_label(model: str | None) -> str:
    """Return a model's name as the report writes it."""
    if model is None:
        return "not answered"
    return {STAFF_AUG: "Staff augmentation", MANAGED: "Managed service", EITHER: "Either model"}[model]
