"""Serializers of the computed, read-only resources and of the recompute command."""

from __future__ import annotations

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
