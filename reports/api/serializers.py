"""Serializers of the computed, read-only resources and of the recompute command."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from engagements.models import Engagement
from kernel.api.fields import BatchPrimaryKeyRelatedField, MonthField, StrictSerializer
from reports.models import MonthlySnapshot, RecomputeJob

# The snapshot fields api.md promises, then the ones added beside them.
SNAPSHOT_FIELDS = [
    "labor_cost",
    "overhead_cost",
    "fee_cost",
    "one_time_cost",
    "credit",
    "total_cost",
    "vendor_cost",
    "overhead_ratio",
    "hours",
    "overhead_hours",
    "uptime_pct",
    "tickets_opened",
    "tickets_resolved",
    "backlog",
    "response_met_pct",
    "resolution_met_pct",
    "mttr_hours",
    "milestones_due",
    "milestones_on_time",
    "cost_per_resolved_ticket",
]
EXTRA_FIELDS = [
    "currency",
    "active_days",
    "days_in_month",
    "credit_pct",
    "services_monitored",
    "breaches",
    "downtime_hours",
    "downtime_impact",
    "missing_rates",
    "breached_tickets",
    "response_breaches",
    "resolution_breaches",
    "complete",
    "data_quality",
]


class SnapshotSerializer(serializers.ModelSerializer):
    month = MonthField()
    stale = serializers.BooleanField(help_text="Facts of this engagement-month changed since it was computed.")

    class Meta:
        model = MonthlySnapshot
        fields = ["id", "engagement", "month", *SNAPSHOT_FIELDS, *EXTRA_FIELDS, "stale", "computed_at"]
        read_only_fields = fields


class ReportSummarySerializer(serializers.Serializer):
    month = MonthField()
    computed_at = serializers.DateTimeField()
    url = serializers.CharField()


class RecomputeRequestSerializer(StrictSerializer):
    month = MonthField()
    engagement = BatchPrimaryKeyRelatedField(queryset=Engagement.objects.all(), required=False, allow_null=True)


class RecomputeJobSerializer(serializers.ModelSerializer):
    month = MonthField()
    progress_pct = serializers.IntegerField()

    class Meta:
        model = RecomputeJob
        fields = [
            "id",
            "month",
            "engagement",
            "kind",
            "state",
            "total",
            "done",
            "progress_pct",
            "requested_at",
            "started_at",
            "finished_at",
            "error",
        ]
        read_only_fields = fields


# --- v1 decision layer (api.md "Added in v1"): the shapes of the report's new parts, for the schema ---------


class DataGapSerializer(serializers.Serializer):
    """One gap of domain.md "Data completeness": what lacks a cost or a target, and how much it affects."""

    kind = serializers.ChoiceField(
        choices=[
            "missing_bill_rate",
            "missing_internal_rate",
            "missing_exchange_rate",
            "missing_monthly_fee",
            "no_sla_policy",
        ]
    )
    month = serializers.CharField(help_text="YYYY-MM.")
    engagement = serializers.IntegerField(allow_null=True)
    engagement_name = serializers.CharField(allow_null=True)
    subject = serializers.CharField(help_text="Contractor, person or currency name.", allow_null=True)
    subject_id = serializers.IntegerField(allow_null=True, help_text="Contractor or person id.")
    hours = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=True)
    tickets = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


def _money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, **kwargs)


class DriversSerializer(serializers.Serializer):
    vendor = _money_field(help_text="Labor + fees, staff aug minus managed.")
    overhead = _money_field()
    one_time = _money_field()
    credits = _money_field(help_text="Credits reduce cost: a larger credit on one side favours it.")


class OutcomesSerializer(serializers.Serializer):
    response_met_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    resolution_met_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    uptime_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    cost_per_resolved_ticket = _money_field()


class ModelCountsSerializer(serializers.Serializer):
    staff_aug = serializers.IntegerField(min_value=0, max_value=12)
    managed = serializers.IntegerField(min_value=0, max_value=12)


class ModelAmountsSerializer(serializers.Serializer):
    staff_aug = _money_field()
    managed = _money_field()


# Declared inline: a field named `label` would shadow the serializer's own attribute.
VerdictFigureSerializer = inline_serializer(
    "VerdictFigure", fields={"label": serializers.CharField(), "value": serializers.CharField()}
)


VERDICT_CHOICES = ["staff_aug", "managed", "equal", "none"]


class VerdictSerializer(serializers.Serializer):
    """domain.md "Verdict": amounts are staff aug minus managed in the base currency (positive: managed cheaper)."""

    cheaper_in_month = serializers.ChoiceField(choices=VERDICT_CHOICES)
    gap_in_month = _money_field()
    cheaper_trailing_12 = serializers.ChoiceField(choices=VERDICT_CHOICES)
    gap_trailing_12 = _money_field()
    months_with_data = ModelCountsSerializer(help_text="Months of the trailing 12 in which each model has data.")
    cost_trailing_12 = ModelAmountsSerializer(help_text="Each model's total over the trailing 12 months.")
    months_both = serializers.ListField(
        child=serializers.CharField(), help_text="YYYY-MM months of the trailing 12 in which both models have data."
    )
    cheaper_months_both = serializers.ChoiceField(choices=VERDICT_CHOICES)
    gap_months_both = _money_field()
    same_months = serializers.BooleanField(
        help_text="Both models have data in exactly the same months of the trailing 12 (gap_trailing_12 is like for like)."
    )
    drivers = DriversSerializer(help_text="Add up to gap_in_month to the cent.")
    leading_driver = serializers.CharField(allow_null=True)
    outcomes = OutcomesSerializer(help_text="Managed minus staff aug; null where a side has none.")
    break_even_month = serializers.IntegerField(allow_null=True)
    hybrid = serializers.BooleanField(help_text="Both models active in the month.")
    models = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField()
    incomplete_months = serializers.ListField(child=serializers.CharField())
    sentence = serializers.CharField()
    figures = serializers.ListField(child=VerdictFigureSerializer)


class ModelAccuracySerializer(serializers.Serializer):
    mean_abs_error_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    months_scored = serializers.IntegerField()


class ForecastAccuracySerializer(serializers.Serializer):
    staff_aug = ModelAccuracySerializer()
    managed = ModelAccuracySerializer()


class ReportAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    complete = serializers.BooleanField()
    verdict = VerdictSerializer()
    forecast_accuracy = ForecastAccuracySerializer()


# The parts of a month's report that api.md promises (the payload holds more: series, charts, events...).
# Declared inline: a field named `errors` would shadow the serializer's own attribute.
ReportSerializer = inline_serializer(
    "Report",
    fields={
        "month": MonthField(),
        "computed_at": serializers.DateTimeField(),
        "stale": serializers.BooleanField(),
        "currency": serializers.CharField(),
        "complete": serializers.BooleanField(help_text="No gap in the month's data."),
        "data_quality": DataGapSerializer(many=True),
        "service_areas": ReportAreaSerializer(many=True),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
)


class ScorecardPeriodSerializer(serializers.Serializer):
    total_cost = _money_field()
    engagements = serializers.IntegerField()
    response_met_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    resolution_met_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    uptime_pct = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    breaches = serializers.IntegerField(
        help_text="Tickets that missed a response or a resolution target (once each): the same as breached_tickets."
    )
    breached_tickets = serializers.IntegerField(
        help_text="Tickets that missed a response or a resolution target, each once (as the report's breached_tickets)."
    )
    response_breaches = serializers.IntegerField()
    resolution_breaches = serializers.IntegerField()
    credits_due = _money_field()
    credits_claimed = _money_field()
    credits_received = _money_field()
    invoice_variance = _money_field(help_text="Billed minus expected, summed.")
    complete = serializers.BooleanField()


class AttestationCountsSerializer(serializers.Serializer):
    valid = serializers.IntegerField()
    expiring = serializers.IntegerField(help_text="Expiring within 60 days of the month's end.")
    expired = serializers.IntegerField()


class VendorScorecardSerializer(serializers.Serializer):
    vendor = serializers.IntegerField()
    name = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM: the month of `month`; `trailing_12` ends with it.")
    currency = serializers.CharField()
    attestations = AttestationCountsSerializer()
    month = ScorecardPeriodSerializer()
    trailing_12 = ScorecardPeriodSerializer()
