"""Serializers of the engagements resources: field shapes only; the services own every rule."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from engagements.importers.files import IMPORTERS
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
from importers import FORMATS
from kernel.api import BatchPrimaryKeyRelatedField, ResourceSerializer


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


class ContractorSerializer(ResourceSerializer):
    class Meta:
        model = Contractor
        fields = ["id", "engagement", "name", "role", "email"]


class TimeEntrySerializer(ResourceSerializer):
    engagement = serializers.IntegerField(source="contractor.engagement_id", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "contractor", "engagement", "date", "hours", "description", "source", "external_id"]


class OverheadEntrySerializer(ResourceSerializer):
    class Meta:
        model = OverheadEntry
        fields = ["id", "engagement", "person", "date", "hours", "activity", "description", "source", "external_id"]


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


ALL_FORMATS = sorted({fmt for formats in FORMATS.values() for fmt in formats})


class ImportRequestSerializer(serializers.Serializer):
    """An export file to import."""

    kind = serializers.ChoiceField(choices=sorted(IMPORTERS))
    format = serializers.ChoiceField(choices=ALL_FORMATS)
    engagement = BatchPrimaryKeyRelatedField(
        queryset=Engagement.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where rows go whose file does not say (or names no engagement).",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Report what would happen; write nothing.")
    allow_partial = serializers.BooleanField(default=False, help_text="Import the good rows of a half-valid file.")
    day_first = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Dates like 03/04/2024: true = 3 April, false = 4 March; empty = decide from the file.",
    )
    tz = serializers.CharField(required=False, max_length=64, help_text="IANA zone of times without an offset.")
    file = serializers.FileField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["format"] not in FORMATS[attrs["kind"]]:
            raise serializers.ValidationError(
                {"format": f"{attrs['kind']} come in these formats: {', '.join(FORMATS[attrs['kind']])}."}
            )
        return attrs


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Line in the file (the header is line 1).")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    """What an import did (or would do, in a dry run)."""

    kind = serializers.CharField()
    format = serializers.CharField()
    sha256 = serializers.CharField()
    read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = ImportRowErrorSerializer(many=True)
    unmatched = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    written = serializers.BooleanField()
    file_id = serializers.IntegerField(allow_null=True)
