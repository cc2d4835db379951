"""Serializers of the SLA resources: field shapes only; sla's services own every rule."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from engagements.api import serializers as engagement_api
from engagements.models import Engagement
from kernel.api.fields import (
    BatchPrimaryKeyRelatedField,
    ResourceSerializer,
    SaneDateField,
    SaneDateTimeField,
    StrictSerializer,
)
from sla.models import (
    CoverageCalendar,
    MonitoredService,
    Outage,
    PauseReason,
    Priority,
    SLAPolicy,
    Ticket,
    Weekday,
)
from sla.selectors import current_policy_id

MAX_MINUTES = 2**31 - 1


class WorkingHoursSerializer(StrictSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday ... 6 = Sunday.")
    start = serializers.TimeField()
    end = serializers.TimeField(allow_null=True, required=False, default=None, help_text="Empty = midnight.")


class HolidayDatesField(serializers.ListField):
    """A calendar's holidays as a list of dates."""

    child = SaneDateField()

    def get_attribute(self, instance: CoverageCalendar) -> list[Any]:
        return [holiday.date for holiday in instance.holidays.all()]


class CalendarSerializer(ResourceSerializer):
    working_hours = WorkingHoursSerializer(many=True, required=False)
    holidays = HolidayDatesField(required=False)

    class Meta:
        model = CoverageCalendar
        fields = ["id", "name", "time_zone", "always_on", "working_hours", "holidays"]


class CreditTierSerializer(StrictSerializer):
    below_pct = serializers.DecimalField(max_digits=6, decimal_places=3)
    credit_pct = serializers.DecimalField(max_digits=6, decimal_places=3)


class PriorityTargetSerializer(StrictSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    response_minutes = serializers.IntegerField(min_value=-MAX_MINUTES, max_value=MAX_MINUTES)
    resolution_minutes = serializers.IntegerField(min_value=-MAX_MINUTES, max_value=MAX_MINUTES)


class SLAPolicySerializer(ResourceSerializer):
    credit_tiers = CreditTierSerializer(many=True, required=False)
    priority_targets = PriorityTargetSerializer(many=True, required=False, source="targets")

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "name",
            "calendar",
            "uptime_target",
            "max_credit_pct",
            "attainment_goal",
            "credit_tiers",
            "priority_targets",
        ]


class MonitoredServiceSerializer(ResourceSerializer):
    class Meta:
        model = MonitoredService
        fields = ["id", "engagement", "name", "business_impact_per_hour"]


class OutageSerializer(ResourceSerializer):
    engagement = serializers.IntegerField(source="service.engagement_id", read_only=True)

    class Meta:
        model = Outage
        fields = ["id", "service", "engagement", "started_at", "ended_at", "planned", "reason", "source", "external_id"]


class PauseSerializer(StrictSerializer):
    started_at = SaneDateTimeField()
    ended_at = SaneDateTimeField(allow_null=True, required=False, default=None)
    reason = serializers.ChoiceField(choices=PauseReason.choices, default=PauseReason.WAITING_ON_CUSTOMER)


class TicketSerializer(ResourceSerializer):
    pauses = PauseSerializer(many=True, required=False)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "engagement",
            "priority",
            "category",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "summary",
            "pauses",
            "source",
            "external_id",
            "policy",
            "response_due_at",
            "resolution_due_at",
            "response_met",
            "resolution_met",
        ]
        read_only_fields = ["policy", "response_due_at", "resolution_due_at", "response_met", "resolution_met"]


# No docstring: the schema's Engagement component keeps its description.
class EngagementSerializer(engagement_api.EngagementSerializer):
    sla_policy = BatchPrimaryKeyRelatedField(
        queryset=SLAPolicy.objects.all(),
        allow_null=True,
        required=False,
        help_text="The SLA policy in effect today (else the first to take effect); setting it assigns the policy "
        "from the start date, or from today once the engagement has started.",
    )

    class Meta(engagement_api.EngagementSerializer.Meta):
        # The base fields, with the policy where the API has always shown it (before the status).
        fields = [name for name in engagement_api.EngagementSerializer.Meta.fields if name != "status"] + [
            "sla_policy",
            "status",
        ]

    def to_representation(self, instance: Engagement) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["sla_policy"] = current_policy_id(instance)
        return data
