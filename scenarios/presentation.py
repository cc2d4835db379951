"""A saved scenario as the pages, the PDF and the CSV show it: projection, sentence, tables and hindsight."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kernel.months import month_label
from scenarios.models import Scenario
from scenarios.projection import (
    CURRENT,
    PHASES,
    PLAN_LABELS,
    PLANS,
    HindsightRow,
    Projection,
    Quote,
    hindsight,
    project,
    quote_scope,
    sentence,
)
from scenarios.selectors import realized_from_json

PHASE_LABELS = {"m1_6": "Months 1-6", "m7_12": "Months 7-12", "m13_24": "Months 13-24"}


def money(value: Decimal | None, currency: str) -> str:
    """Write an amount with its currency and thousands separators ("USD 16,000.00")."""
    return "-" if value is None else f"{currency} {value:,.2f}"


def amount(value: Decimal | None) -> str:
    """Write an amount with thousands separators and cents ("16,000.00"), for tables headed with the currency."""
    return "-" if value is None else f"{value:,.2f}"


def pct(value: Decimal | None, places: int = 1) -> str:
    """Write a percentage rounded half up, to one place on pages and the PDF ("12.0%"); the CSV passes 3."""
    if value is None:
        return "-"
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def quote_of(scenario: Scenario) -> Quote:
    """Return the user-entered inputs of a scenario as the projection takes them."""
    return Quote(
        start_month=scenario.start_month,
        managed_fee=Decimal(scenario.managed_fee),
        onboarding_charges=Decimal(scenario.onboarding_charges),
        onboarding_months=scenario.onboarding_months,
        credit_pct=Decimal(scenario.credit_pct),
        managed_overhead_pct=None if scenario.managed_overhead_pct is None else Decimal(scenario.managed_overhead_pct),
        hours_kept_pct=Decimal(scenario.hours_kept_pct),
        one_time_costs=Decimal(scenario.one_time_costs),
    )


def projection_of(scenario: Scenario) -> Projection:
    """Project a saved scenario from the realized inputs it stored and its quote."""
    return project(realized_from_json(scenario.realized), quote_of(scenario))


def scenario_sentence(scenario: Scenario, projection: Projection) -> str:
    """Return the sentence of the scenario's chosen plan."""
    currency = scenario.realized.get("currency", "USD")
    return sentence(scenario.service_area.name, scenario.chosen_plan, quote_of(scenario), projection, currency)


@dataclass(frozen=True)
class Presented:
    """Everything a page, the PDF or the CSV shows of one scenario."""

    scenario: Scenario
    projection: Projection
    currency: str
    sentence: str
    # What the quoted fee must cover for the chosen plan's figures to hold ("" when nothing to say).
    scope: str
    phase_rows: list[dict[str, Any]]
    drawn_rows: list[tuple[str, str]]
    input_rows: list[tuple[str, str]]
    hindsight: list[HindsightRow]
    # The same rows with exact percentages (3 places), for the CSV.
    csv_drawn_rows: list[tuple[str, str]]
    csv_input_rows: list[tuple[str, str]]


def _phase_rows(projection: Projection, chosen: str, currency: str) -> list[dict[str, Any]]:
    rows = []
    for key in (CURRENT, *PLANS):
        plan = projection.current if key == CURRENT else projection.plans[key]
        rows.append(
            {
                "key": key,
                "label": PLAN_LABELS[key],
                "chosen": key == chosen,
                "available": plan.available,
                "phases": [amount(plan.phases[name]) for name, _, _ in PHASES],
                "total": amount(plan.total),
                "saving": "" if key == CURRENT else amount(plan.saving),
                "saving_band": "" if key == CURRENT or not plan.saving_band else amount(plan.saving_band),
                "break_even": "" if key == CURRENT else (plan.break_even_month or "none"),
            }
        )
    return rows


def _drawn_rows(scenario: Scenario, projection: Projection, currency: str, places: int = 1) -> list[tuple[str, str]]:
    realized = realized_from_json(scenario.realized)
    trend = projection.trend
    history = ", ".join(
        f"{month:%b %Y} {hours} h" for month, hours in zip(realized.history_months, realized.history_hours, strict=True)
    )
    first = realized.history_months[0] if realized.history_months else None
    rows = [
        ("Learned from", f"the six months up to {month_label(realized.base_month)}"),
        ("Staff-aug hours per month", history or "none"),
        (
            "Hours trend (least squares)",
            f"{trend.intercept:.2f} h {'+' if trend.slope >= 0 else '-'} {abs(trend.slope):.2f} h per month"
            + (f" (x = 1 is {first:%b %Y})" if first else ""),
        ),
        ("Residual sigma", f"{trend.sigma:.2f} h = {money(projection.band_delta, currency)} per month"),
        ("Mean bill rate (hours-weighted)", money(realized.mean_rate, currency) + ("/h" if realized.mean_rate else "")),
        (
            "Staff-aug overhead ratio (this area)",
            pct(realized.staff_overhead_pct, places) if realized.history_months else "-",
        ),
        ("Managed overhead ratio (organisation)", pct(realized.managed_overhead_pct, places)),
        # Not the quoted fee: today's fee plus our own overhead on it, less the credits owed.
        (
            "Current managed cost per month (fee + our overhead - credits)",
            money(realized.current_managed, currency),
        ),
    ]
    if scenario.managed_overhead_pct is not None:
        rows.append(("Managed overhead ratio used (entered)", pct(projection.effective_managed_overhead_pct, places)))
    return rows


def _input_rows(scenario: Scenario, currency: str, places: int = 1) -> list[tuple[str, str]]:
    return [
        ("Service area", scenario.service_area.name),
        ("Start month", month_label(scenario.start_month)),
        ("Quoted managed fee", money(scenario.managed_fee, currency) + "/month"),
        ("Onboarding charges", money(scenario.onboarding_charges, currency)),
        ("Onboarding length", f"{scenario.onboarding_months} month{'s' if scenario.onboarding_months != 1 else ''}"),
        ("Expected credits", pct(scenario.credit_pct, places)),
        ("Staff-aug hours kept (hybrid)", pct(scenario.hours_kept_pct, places)),
        ("Extra one-time costs (staff aug)", money(scenario.one_time_costs, currency)),
        ("Chosen plan", PLAN_LABELS[scenario.chosen_plan]),
    ]


def present(scenario: Scenario, actual: list[Decimal] | None = None) -> Presented:
    """Return a scenario's projection, sentence, tables and hindsight (`actual`: real months from the start)."""
    projection = projection_of(scenario)
    currency = scenario.realized.get("currency", "USD")
    chosen = projection.plans[scenario.chosen_plan]
    return Presented(
        scenario=scenario,
        projection=projection,
        currency=currency,
        sentence=scenario_sentence(scenario, projection),
        scope=quote_scope(scenario.chosen_plan, quote_of(scenario), projection, currency),
        phase_rows=_phase_rows(projection, scenario.chosen_plan, currency),
        drawn_rows=_drawn_rows(scenario, projection, currency),
        input_rows=_input_rows(scenario, currency),
        hindsight=hindsight(projection.months, chosen.monthly, actual or []),
        csv_drawn_rows=_drawn_rows(scenario, projection, currency, places=3),
        csv_input_rows=_input_rows(scenario, currency, places=3),
    )
