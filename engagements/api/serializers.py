"""Serializers of the engagements resources: field shapes only; the services own every rule."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from engagements.models import (
    AuditLog,
    Contractor,
    Engagement,
    Milestone,
    OverheadEntry,
    Person,
    ServiceArea,
    TimeEntry,
    Vendor,
)
from engagements.models.entries import HOURS_RANGE_MESSAGE, MAX_HOURS_PER_DAY
from kernel.api.fields import CURRENCY_FIELD, ResourceSerializer, bounded

# Hours: more than 0 (two decimal places) and at most 24, the model's rule, stated in the schema.
HOURS = bounded(Decimal("0.01"), MAX_HOURS_PER_DAY, HOURS_RANGE_MESSAGE)


class VendorSerializer(ResourceSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "kind", "notes"]


class ServiceAreaSerializer(ResourceSerializer):
    class Meta:
        model = ServiceArea
        fields = ["id", "name"]


class PersonSerializer(ResourceSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "email"]


# The API serves sla.api.serializers.EngagementSerializer, which adds the SLA
# policy (a field engagements cannot know of: it may not import sla).
class EngagementSerializer(ResourceSerializer):
    class Meta:
        model = Engagement
        fields = [
            "id",
            "name",
            "vendor",
            "model",
            "service_area",
            "start_date",
            "end_date",
            "currency",
            "cost_center",
            "owner",
            "status",
        ]
        extra_kwargs = {"currency": CURRENCY_FIELD}


class ContractorSerializer(ResourceSerializer):
    class Meta:
        model = Contractor
        fields = ["id", "engagement", "name", "role", "email"]


class TimeEntrySerializer(ResourceSerializer):
    engagement = serializers.IntegerField(source="contractor.engagement_id", read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text="On the answer to a write: what the stored row still lacks (no bill rate in effect). Empty on reads."
    )

    class Meta:
        model = TimeEntry
        fields = ["id", "contractor", "engagement", "date", "hours", "description", "source", "external_id", "warnings"]
        # A batch's contractors come with their engagements: the upsert checks the dates against them.
        extra_kwargs = {"hours": HOURS, "contractor": {"queryset": Contractor.objects.select_related("engagement")}}

    def get_warnings(self, obj: TimeEntry) -> list[str]:
        # Filled in by the view after a write (TimeEntryViewSet.with_warnings); reads carry none.
        return []


class OverheadEntrySerializer(ResourceSerializer):
    class Meta:
        model = OverheadEntry
        fields = ["id", "engagement", "person", "date", "hours", "activity", "description", "source", "external_id"]
        extra_kwargs = {"hours": HOURS}


class MilestoneSerializer(ResourceSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "engagement", "title", "due_date", "delivered_date", "accepted"]


class AuditLogSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField(help_text="app_label.model of the changed record.")

    class Meta:
        model = AuditLog
        fields = ["id", "at", "actor", "actor_label", "action", "bulk", "model", "object_id", "object_repr", "changes"]

    def get_model(self, entry: AuditLog) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"
