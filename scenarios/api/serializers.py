"""Serializers of scenarios: the inputs as one object, the projection read-only (api.md "Added in v1")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel.api.fields import MonthField, ResourceSerializer, StrictSerializer, bounded
from scenarios.models import AMOUNT_MESSAGE, ONBOARDING_MESSAGE, PCT_MESSAGE, Plan, Scenario
from scenarios.presentation import projection_of, quote_of, scenario_sentence
from scenarios.projection import CURRENT, PLANS, quote_scope
from scenarios.projection import Plan as ProjectedPlan

MONEY = {"max_digits": 14, "decimal_places": 2, **bounded(Decimal(0), Decimal("999999999999.99"), AMOUNT_MESSAGE)}
PCT = {"max_digits": 6, "decimal_places": 3, **bounded(Decimal(0), Decimal(100), PCT_MESSAGE)}


class InputsSerializer(StrictSerializer):
    """The user-entered values of domain.md "Scenarios" (percentages 0-100, amounts in the base currency)."""

    managed_fee = serializers.DecimalField(**MONEY)
    onboarding_charges = serializers.DecimalField(**MONEY, default=Decimal("0.00"))
    onboarding_months = serializers.IntegerField(default=2, **bounded(0, 12, ONBOARDING_MESSAGE))
    credit_pct = serializers.DecimalField(**PCT, default=Decimal("0.000"))
    managed_overhead_pct = serializers.DecimalField(**PCT, required=False, allow_null=True, default=None)
    hours_kept_pct = serializers.DecimalField(**PCT, default=Decimal("30.000"))
    one_time_costs = serializers.DecimalField(**MONEY, default=Decimal("0.00"))
    chosen_plan = serializers.ChoiceField(choices=Plan.choices, default=Plan.MANAGED)


def _plan(plan: ProjectedPlan) -> dict[str, Any]:
    data: dict[str, Any] = {
        "available": plan.available,
        "monthly": [str(v) for v in plan.monthly],
        "cumulative": [str(v) for v in plan.cumulative],
        "phases": {name: str(v) for name, v in plan.phases.items()},
        "total": str(plan.total),
    }
    if plan.key != CURRENT:
        data |= {
            "break_even_month": plan.break_even_month,
            "saving": str(plan.saving),
            "saving_band": str(plan.saving_band),
        }
    if plan.band_low is not None and plan.band_high is not None:
        data["band"] = {"low": [str(v) for v in plan.band_low], "high": [str(v) for v in plan.band_high]}
    return data


class ScenarioSerializer(ResourceSerializer):
    start_month = MonthField()
    inputs = InputsSerializer(source="*")
    projection = serializers.SerializerMethodField()
    sentence = serializers.SerializerMethodField()
    quote_scope = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = [
            "id",
            "service_area",
            "name",
            "start_month",
            "inputs",
            "projection",
            "sentence",
            "quote_scope",
            "author",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["author", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_projection(self, scenario: Scenario) -> dict[str, Any]:
        """Per plan: monthly and cumulative cost, phases, break-even and saving; the band for staff aug."""
        projection = projection_of(scenario)
        trend = projection.trend
        return {
            "currency": scenario.realized.get("currency"),
            "months": [f"{m:%Y-%m}" for m in projection.months],
            "hours": [str(h) for h in projection.hours],
            "current": _plan(projection.current),
            **{key: _plan(projection.plans[key]) for key in PLANS},
            "drawn": {
                **{k: v for k, v in scenario.realized.items() if k not in ("service_area", "start_month")},
                "trend_slope": str(round(trend.slope, 6)),
                "trend_intercept": str(round(trend.intercept, 6)),
                "trend_sigma": str(round(trend.sigma, 6)),
                "managed_overhead_pct_used": str(projection.effective_managed_overhead_pct),
            },
        }

    def get_sentence(self, scenario: Scenario) -> str:
        return scenario_sentence(scenario, projection_of(scenario))

    def get_quote_scope(self, scenario: Scenario) -> str:
        """What the quoted fee must cover for the chosen plan's figures to hold ("" when nothing to say)."""
        currency = scenario.realized.get("currency", "USD")
        return quote_scope(scenario.chosen_plan, quote_of(scenario), projection_of(scenario), currency)
