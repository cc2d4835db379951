"""Scenarios in the admin (Operations), and the demo's two scenarios."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scenarios.demo import HYBRID_AREA, MANAGED_AREA, seed_scenarios
from scenarios.models import Scenario
from scenarios.selectors import actual_costs, actual_months, last_complete_month
from tests.scenarios.test_pages import build_area, save

pytestmark = pytest.mark.django_db


def test_operations_adds_and_changes_a_scenario_in_the_admin(operations_client, operations_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    data = {
        "service_area": area.pk,
        "name": "From the admin",
        "start_month": "2026-12-01",
        "managed_fee": "1000",
        "onboarding_charges": "0",
        "onboarding_months": "1",
        "credit_pct": "0",
        "managed_overhead_pct": "",
        "hours_kept_pct": "20",
        "one_time_costs": "0",
        "chosen_plan": "hybrid",
    }
    response = operations_client.post("/admin/scenarios/scenario/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario = Scenario.objects.get()
    assert scenario.author == operations_user and scenario.realized["base_month"] == "2026-10-01"
    response = operations_client.post(
        f"/admin/scenarios/scenario/{scenario.pk}/change/", data | {"start_month": "2026-11-01", "name": "Moved"}
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == "Moved" and scenario.realized["start_month"] == "2026-11-01"
    listing = operations_client.get("/admin/scenarios/scenario/").content.decode()
    assert f"/reports/scenarios/{scenario.pk}/" in listing


def test_leadership_only_looks_in_the_admin(leadership_client) -> None:
    scenario = save(build_area(1, dt.date(2026, 1, 1), 3), dt.date(2026, 12, 1))
    assert leadership_client.get(f"/admin/scenarios/scenario/{scenario.pk}/change/").status_code == 200
    assert (
        leadership_client.post(f"/admin/scenarios/scenario/{scenario.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_the_demo_saves_a_switch_to_managed_and_a_hybrid_in_the_past() -> None:
    build_area(2, dt.date(2025, 11, 1), 12, name=MANAGED_AREA)
    build_area(2, dt.date(2025, 11, 1), 12, name=HYBRID_AREA)
    last = last_complete_month()
    managed, hybrid = seed_scenarios(last_month=last)
    assert managed.chosen_plan == "managed" and managed.start_month > last
    assert hybrid.chosen_plan == "hybrid" and hybrid.start_month <= last
    # The hybrid's fee covers the 40% of staff-aug work it moves (QA B3): April 2026's 150 h + 151 h at 90.00 =
    # 27,090.00, 40% = 10,836.00, + today's fee 5,000.00 = 15,836.00, to the nearest 500.
    assert hybrid.managed_fee == Decimal("16000.00")
    costs = actual_costs([hybrid.service_area_id], hybrid.start_month, last)[hybrid.service_area_id]
    assert len(actual_months(hybrid, costs, last)) == 6  # hindsight shows
    assert seed_scenarios(last_month=last) == []  # once
