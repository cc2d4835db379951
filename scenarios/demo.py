"""The demo's scenarios: seed_demo's `demo_seeded` signal saves two of them once the reports exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from billing.selectors import is_month_closed
from engagements.models import ServiceArea
from kernel.months import add_months, current_month
from scenarios.models import Plan, Scenario
from scenarios.selectors import realized_inputs
from scenarios.services import scenario_create

# The area the demo asks about first, and the one asked about as a hybrid.
MANAGED_AREA, HYBRID_AREA = "Security monitoring", "Cloud infrastructure"
# The hybrid scenario starts this many months before the demo's last month, so hindsight shows.
HINDSIGHT_MONTHS = 6
# The share of staff-aug hours the demo's hybrid keeps (percent).
HYBRID_KEPT = Decimal("60.000")
HUNDRED = Decimal(100)


def _open_month(month: dt.date) -> dt.date:
    """Return the month, or the first later one that is not closed (a scenario may not start in a closed one)."""
    while is_month_closed(month):
        month = add_months(month, 1)
    return month


def _round(amount: Decimal, step: int = 500) -> Decimal:
    return (amount / step).quantize(Decimal(1)) * step


def seed_scenarios(*, last_month: dt.date, **_: Any) -> list[Scenario]:
    """Save a switch to a managed service starting next month and a hybrid that started six months ago.

    The quotes are set from each area's realized figures, so the demo reads
    plausibly whatever the story's numbers are: the managed quote at 85% of
    what the area costs a month today, the hybrid at the area's current fee plus
    the staff-aug vendor cost of the hours it moves to the MSP.
    """
    areas = {area.name: area for area in ServiceArea.objects.filter(name__in=[MANAGED_AREA, HYBRID_AREA])}
    if len(areas) < 2 or Scenario.objects.exists():
        return []
    leadership = get_user_model().objects.filter(username="leadership").first()
    start = _open_month(add_months(current_month(), 1))
    drawn = realized_inputs(areas[MANAGED_AREA].pk, start)
    fee = max(_round(drawn.monthly_cost * Decimal("0.85")), Decimal(500))
    managed = scenario_create(
        author=leadership,
        service_area=areas[MANAGED_AREA],
        name=f"{MANAGED_AREA} fully managed",
        start_month=start,
        managed_fee=fee,
        onboarding_charges=fee,
        onboarding_months=2,
        credit_pct=drawn.credit_pct or Decimal("0.000"),
        hours_kept_pct=Decimal("0.000"),
        chosen_plan=Plan.MANAGED,
    )
    past = _open_month(add_months(last_month, -(HINDSIGHT_MONTHS - 1)))
    drawn = realized_inputs(areas[HYBRID_AREA].pk, past)
    # The MSP takes over the staff-aug work the hybrid does not keep: its fee covers that share of the
    # staff-aug vendor cost on top of today's fee (a fee for today's scope alone would make that work free).
    moved = (drawn.staff_vendor_cost or Decimal(0)) * (HUNDRED - HYBRID_KEPT) / HUNDRED
    hybrid_fee = (drawn.managed_fee or Decimal(0)) + moved or drawn.monthly_cost
    hybrid = scenario_create(
        author=leadership,
        service_area=areas[HYBRID_AREA],
        name=f"{HYBRID_AREA}: MSP baseline, specialists by the hour",
        start_month=past,
        managed_fee=max(_round(hybrid_fee), Decimal(500)),
        onboarding_charges=Decimal("0.00"),
        onboarding_months=0,
        credit_pct=drawn.credit_pct or Decimal("0.000"),
        hours_kept_pct=HYBRID_KEPT,
        chosen_plan=Plan.HYBRID,
    )
    return [managed, hybrid]


def on_demo_seeded(sender: Any, *, last_month: dt.date, stdout: Any = None, **_: Any) -> None:
    """Add the demo scenarios and say so."""
    saved = seed_scenarios(last_month=last_month)
    if stdout is not None and saved:
        stdout.write(f"Scenarios: {', '.join(s.name for s in saved)}.")
