"""Writes of the scenarios app: create, change and delete a scenario (what the pages, the admin and the API call)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from scenarios.models import Scenario
from scenarios.selectors import realized_inputs, realized_to_json

INPUT_FIELDS = (
    "managed_fee",
    "onboarding_charges",
    "onboarding_months",
    "credit_pct",
    "managed_overhead_pct",
    "hours_kept_pct",
    "one_time_costs",
    "chosen_plan",
)
SCENARIO_FIELDS = frozenset({"service_area", "name", "start_month", *INPUT_FIELDS})
CHANGE_SCENARIOS = "scenarios.change_scenario"
DELETE_SCENARIOS = "scenarios.delete_scenario"


def may_change(user: Any, scenario: Scenario, permission: str = CHANGE_SCENARIOS) -> bool:
    """Tell whether the user may change (or delete) this scenario: its author, or a holder of the permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm(permission) or (scenario.author_id is not None and scenario.author_id == user.pk))


def _draw(scenario: Scenario) -> None:
    # The realized inputs are drawn when the area or the start month is set, then kept:
    # the projection stays the one the decision was made on (whatever is recomputed later).
    start = scenario.start_month.isoformat() if scenario.start_month else None
    drawn_for = (scenario.realized.get("service_area"), scenario.realized.get("start_month"))
    if scenario.service_area_id and start and drawn_for != (scenario.service_area_id, start):
        drawn = realized_inputs(scenario.service_area_id, scenario.start_month).realized
        scenario.realized = {**realized_to_json(drawn), "service_area": scenario.service_area_id, "start_month": start}


@atomic_service
def scenario_create(*, author: Any = None, **fields: Any) -> Scenario:
    """Save a new scenario with the realized inputs of its area drawn now."""
    scenario = Scenario(author=author if getattr(author, "is_authenticated", False) else None)
    assign(scenario, fields, allowed=SCENARIO_FIELDS)
    scenario.full_clean(exclude=["realized"])
    _draw(scenario)
    return validated_save(scenario)


@atomic_service
def scenario_update(*, scenario: Scenario, user: Any = None, **fields: Any) -> Scenario:
    """Change a scenario's name or inputs; a new area or start month draws the realized inputs again."""
    if user is not None and not may_change(user, scenario):
        raise PermissionDenied("Only the scenario's author or Operations may change it.")
    assign(scenario, fields, allowed=SCENARIO_FIELDS)
    scenario.full_clean(exclude=["realized"])
    _draw(scenario)
    return validated_save(scenario)


def scenario_delete(*, scenario: Scenario, user: Any = None) -> None:
    """Delete a scenario (its author or Operations)."""
    if user is not None and not may_change(user, scenario, DELETE_SCENARIOS):
        raise PermissionDenied("Only the scenario's author or Operations may delete it.")
    validated_delete(scenario)


SCENARIO = WriteServices(create=scenario_create, update=scenario_update, delete=scenario_delete, instance="scenario")
