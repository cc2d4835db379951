"""The scenario projection: three plans over 24 months from realized inputs and a user's quote (pure, no ORM).

docs/definitions.md "Scenarios" states every rule below in words. Money is
Decimal to the cent: each month of each plan is rounded on its own (half up),
cumulative figures and phase totals are sums of the rounded months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kernel.money import ZERO, exact, percent_of, round_pct, to_cents
from kernel.months import add_months, months_apart
from reports.maths import least_squares

HORIZON = 24
TREND_MONTHS = 6
MAX_ONBOARDING_MONTHS = 12
HOURS = Decimal("0.01")
HUNDRED = Decimal(100)
STAFF_AUG, MANAGED, HYBRID, CURRENT = "staff_aug", "managed", "hybrid", "current"
PLANS = (STAFF_AUG, MANAGED, HYBRID)
PLAN_LABELS = {
    STAFF_AUG: "Staff augmentation",
    MANAGED: "Managed service",
    HYBRID: "Hybrid",
    CURRENT: "Current plan",
}
# Month-index phases buyers use: "0-6 / 6-12 / 12-24 months" (the API's names).
PHASES: tuple[tuple[str, int, int], ...] = (("m1_6", 1, 6), ("m7_12", 7, 12), ("m13_24", 13, 24))


@dataclass(frozen=True)
class Realized:
    """What the projection draws from the organisation's data (the selector reads it from stored snapshots).

    `history_hours` are the area's staff-aug hours of the months with hours
    among the six before the scenario (oldest first), `base_month` the last of
    those six; ratios are percentages (12.000 = 12%).
    """

    base_month: dt.date
    history_months: tuple[dt.date, ...] = ()
    history_hours: tuple[Decimal, ...] = ()
    mean_rate: Decimal | None = None
    staff_overhead_pct: Decimal = ZERO
    managed_overhead_pct: Decimal = ZERO
    current_managed: Decimal = ZERO
    currency: str = "USD"


@dataclass(frozen=True)
class Quote:
    """The user-entered inputs of a scenario (percentages 0-100)."""

    start_month: dt.date
    managed_fee: Decimal
    onboarding_charges: Decimal = ZERO
    onboarding_months: int = 0
    credit_pct: Decimal = ZERO
    managed_overhead_pct: Decimal | None = None
    hours_kept_pct: Decimal = ZERO
    one_time_costs: Decimal = ZERO


@dataclass(frozen=True)
class Trend:
    """The least-squares line of the hours history and the spread of the months around it."""

    slope: Decimal
    intercept: Decimal
    sigma: Decimal
    months_used: int

    def hours_at(self, x: int) -> Decimal:
        """Return the line's hours at position x (1 is the oldest history month), floored at 0, to 2 places."""
        with exact():
            value = (self.intercept + self.slope * x).quantize(HOURS, rounding=ROUND_HALF_UP)
        return max(value, ZERO)


@dataclass(frozen=True)
class Plan:
    """One plan's 24 months: monthly and cumulative cost, phases, total and break-even against the current plan."""

    key: str
    monthly: list[Decimal]
    cumulative: list[Decimal]
    phases: dict[str, Decimal]
    total: Decimal
    break_even_month: int | None
    # Savings against the current plan over the 24 months (positive: this plan costs less), and its +/- band.
    saving: Decimal
    saving_band: Decimal
    available: bool = True
    band_low: list[Decimal] | None = None
    band_high: list[Decimal] | None = None


@dataclass(frozen=True)
class Projection:
    """The three plans and the current plan they are measured against, with what was drawn from the data."""

    months: list[dt.date]
    hours: list[Decimal]
    current: Plan
    plans: dict[str, Plan]
    trend: Trend
    effective_managed_overhead_pct: Decimal
    band_delta: Decimal
    notes: list[str] = field(default_factory=list)
    # The models the area runs today (what the current plan holds): staff_aug with an hours trend, managed with a cost.
    today: tuple[str, ...] = ()
    mean_rate: Decimal = ZERO


def fit_trend(hours: Sequence[Decimal]) -> Trend:
    """Fit the least-squares line through the last 6 values at x = 1, 2, ... and measure its residual spread.

    sigma is the population standard deviation of the residuals
    (sqrt(sum of squared residuals / n)), so one month gives 0, never a division by zero.
    """
    recent = [Decimal(h) for h in list(hours)[-TREND_MONTHS:]]
    slope, intercept = least_squares(recent)
    if not recent:
        return Trend(slope, intercept, Decimal(0), 0)
    with exact():
        squares = sum(((h - (intercept + slope * x)) ** 2 for x, h in enumerate(recent, start=1)), Decimal(0))
        sigma = (squares / len(recent)).sqrt()
    return Trend(slope, intercept, sigma, len(recent))


def spread_onboarding(charges: Decimal, months: int) -> list[Decimal]:
    """Spread onboarding charges evenly over the onboarding months, the last taking the cents left over.

    No onboarding months: all of it falls in month 1. The parts always add up to the charges.
    """
    if months <= 0:
        return [charges]
    with exact():
        part = to_cents(charges / months)
    return [part] * (months - 1) + [charges - part * (months - 1)]


def cumulative(monthly: Sequence[Decimal]) -> list[Decimal]:
    """Return the running sums of the monthly amounts."""
    running, result = ZERO, []
    for value in monthly:
        running += value
        result.append(running)
    return result


def phase_totals(monthly: Sequence[Decimal]) -> dict[str, Decimal]:
    """Return the sums of months 1-6, 7-12 and 13-24 (element 0 is month 1)."""
    return {name: sum(monthly[low - 1 : high], ZERO) for name, low, high in PHASES}


def break_even(plan_cumulative: Sequence[Decimal], current_cumulative: Sequence[Decimal]) -> int | None:
    """Return the month from which the plan stays cheaper than the current plan, or None within the months given.

    The plan must be strictly cheaper at the last month; its break-even is
    then the first month that is strictly cheaper and after which its
    cumulative cost never again exceeds the current plan's. Months in which
    the two only cost the same (the current plan keeps running during
    onboarding) are not a break-even: a plan equal throughout has none.
    """
    pairs = list(zip(plan_cumulative, current_cumulative, strict=True))
    if not pairs or pairs[-1][0] >= pairs[-1][1]:
        return None
    dearer = [index for index, (plan, current) in enumerate(pairs, start=1) if plan > current]
    after = dearer[-1] if dearer else 0
    return next(index for index, (plan, current) in enumerate(pairs, start=1) if index > after and plan < current)


@dataclass(frozen=True)
class _Month:
    """The pieces of one projected month that every plan is assembled from."""

    hours: Decimal
    labor: Decimal
    overhead: Decimal
    kept_labor: Decimal
    kept_overhead: Decimal


def _month_pieces(hours: Decimal, rate: Decimal, quote: Quote, staff_pct: Decimal) -> _Month:
    labor = to_cents(hours * rate)
    with exact():
        kept_hours = (hours * quote.hours_kept_pct / HUNDRED).quantize(HOURS, rounding=ROUND_HALF_UP)
    kept_labor = to_cents(kept_hours * rate)
    return _Month(
        hours=hours,
        labor=labor,
        overhead=percent_of(labor, staff_pct),
        kept_labor=kept_labor,
        kept_overhead=percent_of(kept_labor, staff_pct),
    )


def project(realized: Realized, quote: Quote) -> Projection:
    """Project the current plan and the three plans of domain.md "Scenarios" over 24 months from the start month."""
    trend = fit_trend(realized.history_hours)
    has_staff = trend.months_used > 0 and realized.mean_rate is not None
    rate = realized.mean_rate if realized.mean_rate is not None else ZERO
    offset = months_apart(realized.base_month, quote.start_month)
    months = [add_months(quote.start_month, k) for k in range(HORIZON)]
    hours = [trend.hours_at(trend.months_used + offset + k) if has_staff else ZERO for k in range(HORIZON)]
    pieces = [_month_pieces(h, rate, quote, realized.staff_overhead_pct) for h in hours]
    managed_pct = realized.managed_overhead_pct if quote.managed_overhead_pct is None else quote.managed_overhead_pct
    fee = quote.managed_fee
    managed_run = fee + percent_of(fee, managed_pct) - percent_of(fee, quote.credit_pct)
    onboarding = spread_onboarding(quote.onboarding_charges, quote.onboarding_months)
    # The trend's uncertainty in money per month: sigma hours at the rate, with its overhead.
    with exact():
        delta = to_cents(trend.sigma * rate * (1 + realized.staff_overhead_pct / HUNDRED)) if has_staff else ZERO

    current = [p.labor + p.overhead + realized.current_managed for p in pieces]
    staff = [p.labor + p.overhead + (quote.one_time_costs if k == 0 else ZERO) for k, p in enumerate(pieces)]
    managed, hybrid = [], []
    for k, p in enumerate(pieces):
        # During onboarding the current plan keeps running and the onboarding charges come on top.
        extra = onboarding[k] if k < len(onboarding) else ZERO
        if k < quote.onboarding_months:
            managed.append(current[k] + extra)
            hybrid.append(current[k] + extra)
        else:
            managed.append(managed_run + extra)
            hybrid.append(managed_run + extra + p.kept_labor + p.kept_overhead)

    one = Decimal(1) if has_staff else ZERO
    kept = quote.hours_kept_pct / HUNDRED
    exposures = {
        CURRENT: [one] * HORIZON,
        STAFF_AUG: [one] * HORIZON,
        MANAGED: [one if k < quote.onboarding_months else ZERO for k in range(HORIZON)],
        HYBRID: [one if k < quote.onboarding_months else one * kept for k in range(HORIZON)],
    }
    current_plan = _build(CURRENT, current, current, exposures, delta, available=True)
    plans = {
        STAFF_AUG: _build(STAFF_AUG, staff, current, exposures, delta, available=has_staff),
        MANAGED: _build(MANAGED, managed, current, exposures, delta, available=True),
        HYBRID: _build(HYBRID, hybrid, current, exposures, delta, available=True),
    }
    notes = [] if has_staff else ["No staff-aug hours in the six months before the start: no hours trend to project."]
    if not has_staff and not realized.current_managed:
        # Nothing drawn at all (a start before the area's data): every plan "costs more" than nothing.
        notes.append("The area has no cost in the six months before the start: the current plan costs 0.")
    if has_staff and realized.current_managed:
        # A hybrid area: the managed part is in the current plan, and its work has no hours to price.
        notes.append(
            "The area has a managed service today too: the staff-aug plan projects its staff-aug hours only "
            "and does not price the work the managed service does."
        )
    return Projection(
        months=months,
        hours=hours,
        current=current_plan,
        plans=plans,
        trend=trend,
        effective_managed_overhead_pct=managed_pct,
        band_delta=delta,
        notes=notes,
        today=tuple(key for key, runs in ((STAFF_AUG, has_staff), (MANAGED, realized.current_managed > 0)) if runs),
        mean_rate=rate,
    )


def _build(
    key: str,
    monthly: list[Decimal],
    current: list[Decimal],
    exposures: dict[str, list[Decimal]],
    delta: Decimal,
    *,
    available: bool,
) -> Plan:
    running = cumulative(monthly)
    total = running[-1]
    # The saving's band: the trend's +/- 1 sigma on the hours one plan pays and the other does not.
    with exact():
        spread = sum((abs(c - p) for c, p in zip(exposures[CURRENT], exposures[key], strict=True)), Decimal(0))
        saving_band = to_cents(delta * spread)
    band_low = band_high = None
    if key == STAFF_AUG:
        band_low = [max(value - delta, ZERO) for value in monthly]
        band_high = [value + delta for value in monthly]
    return Plan(
        key=key,
        monthly=monthly,
        cumulative=running,
        phases=phase_totals(monthly),
        total=total,
        break_even_month=break_even(running, cumulative(current)),
        saving=cumulative(current)[-1] - total,
        saving_band=saving_band,
        available=available,
        band_low=band_low,
        band_high=band_high,
    )


@dataclass(frozen=True)
class HindsightRow:
    """One real month after a scenario's start: the chosen plan's projection against what happened."""

    index: int
    month: dt.date
    projected: Decimal
    actual: Decimal
    projected_cumulative: Decimal
    actual_cumulative: Decimal
    error: Decimal
    error_pct: Decimal | None


def hindsight(months: Sequence[dt.date], projected: Sequence[Decimal], actual: Sequence[Decimal]) -> list[HindsightRow]:
    """Compare a plan's projected months with the actual ones that exist (as many as `actual` holds).

    error = projected cumulative - actual cumulative; error_pct divides it by
    the actual cumulative (3 places, half up; None while that is 0).
    """
    rows: list[HindsightRow] = []
    projected_running = actual_running = ZERO
    for index, (month, plan, real) in enumerate(zip(months, projected, actual, strict=False), start=1):
        projected_running += plan
        actual_running += real
        error = projected_running - actual_running
        with exact():
            pct = round_pct(error * HUNDRED / actual_running) if actual_running else None
        rows.append(HindsightRow(index, month, plan, real, projected_running, actual_running, error, pct))
    return rows


def rounded(amount: Decimal, step: int = 100) -> str:
    """Write an amount rounded half up to `step` with thousands separators (what a leader repeats)."""
    with exact():
        value = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return f"{value:,.0f}"


def _opening(area: str, key: str, quote: Quote, projection: Projection, currency: str) -> str:
    """Name what changes: a move to another model, or a new quote / the same model for what the area runs today."""
    fee = f"{currency} {quote.managed_fee:,.0f}/month"
    if key == STAFF_AUG:
        hours = f"about {projection.hours[0]:,.0f} h in month 1"
        if projection.today == (STAFF_AUG,):
            return f"Keeping the {area} on staff augmentation ({hours})"
        return f"Moving the {area} to staff augmentation ({hours})"
    if projection.today == (MANAGED,):
        # Managed only, no staff-aug hours to keep: both plans are a new quote for the same managed service.
        return f"Re-quoting the {area}'s managed service at {fee}"
    if key == MANAGED:
        return f"Moving the {area} to a managed service at {fee}"
    kept = f"{quote.hours_kept_pct.normalize():f}%"
    return f"Moving the {area} to a hybrid (a managed service at {fee} plus {kept} of the staff-aug hours)"


def sentence(area: str, key: str, quote: Quote, projection: Projection, currency: str) -> str:
    """Return the sentence a leader would repeat about one plan against the current plan."""
    plan = projection.plans[key]
    if not plan.available:
        return (
            f"The {area} has no staff-aug hours in the six months before the start, "
            "so there is no trend to project staff augmentation from."
        )
    first = plan.phases["m1_6"] - projection.current.phases["m1_6"]
    if first > 0:
        early = f"would cost {currency} {rounded(first)} more in months 1-6"
    elif first < 0:
        early = f"would save {currency} {rounded(-first)} in months 1-6"
    else:
        early = "would cost the same in months 1-6"
    month = plan.break_even_month
    even = f"break even in month {month}" if month else "not break even within 24 months"
    band = f" +/- {rounded(plan.saving_band)}" if plan.saving_band else ""
    if plan.saving >= 0:
        late = f"over 24 months it saves {currency} {rounded(plan.saving)}{band}"
    else:
        late = f"over 24 months it costs {currency} {rounded(-plan.saving)} more{band}"
    return f"{_opening(area, key, quote, projection, currency)} {early} and {even}; {late}."


def quote_scope(key: str, quote: Quote, projection: Projection, currency: str) -> str:
    """Say what the quoted fee must cover for the plan's figures to hold ("" for the staff-aug plan).

    A managed or hybrid plan replaces the area's staff-aug work with the fee:
    a quote that covers less (today's managed scope only) makes that work
    look free and the saving too large.
    """
    if key == STAFF_AUG:
        return ""
    if STAFF_AUG in projection.today:
        with exact():
            share = HUNDRED if key == MANAGED else HUNDRED - quote.hours_kept_pct
            hours = projection.hours[0] * share / HUNDRED
        cost = to_cents(hours * projection.mean_rate)
        what = (
            "today's staff-aug hours" if key == MANAGED else f"the {share.normalize():f}% of staff-aug hours it moves"
        )
        besides = " as well as what today's managed service does" if MANAGED in projection.today else ""
        return (
            f"The quoted fee must cover the work of {what} (about {hours:,.0f} h, {currency} {cost:,.2f} "
            f"at the mean bill rate in month 1){besides}; a quote for less leaves that work out and overstates "
            "the saving."
        )
    if MANAGED in projection.today:
        return (
            "The quoted fee replaces today's managed fee; the current plan holds today's managed cost "
            f"(fee + our overhead - credits: {currency} {projection.current.monthly[0]:,.2f}/month) flat."
        )
    return ""
