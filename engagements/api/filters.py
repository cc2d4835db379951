"""Filters of the engagements resources: engagement, month (YYYY-MM), date ranges, model, service area, source."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from engagements.models import (
    AuditLog,
    Contractor,
    DeliveryModel,
    Engagement,
    Milestone,
    OverheadEntry,
    ServiceArea,
    TimeEntry,
)
from engagements.querysets import EngagementQuerySet
from kernel.api.fields import parse_month
from kernel.api.filters import IdFilter, MonthFilter, SaneDateFilter, SaneDateTimeFilter


class EngagementFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(queryset=ServiceArea.objects.all())
    month = django_filters.CharFilter(method="active_in", help_text="Engagements active in a month (YYYY-MM).")

    class Meta:
        model = Engagement
        fields = ["vendor", "model", "service_area", "status", "owner"]

    def active_in(self, queryset: EngagementQuerySet, name: str, value: str) -> EngagementQuerySet:
        return queryset.active_in(parse_month(value)) if value else queryset


class ContractorFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = Contractor
        fields = ["engagement"]


class TimeEntryFilter(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(
        field_name="contractor__engagement", queryset=Engagement.objects.all()
    )
    month = MonthFilter(field_name="date")
    date_from = SaneDateFilter(field_name="date", lookup_expr="gte")
    date_to = SaneDateFilter(field_name="date", lookup_expr="lte")
    model = django_filters.ChoiceFilter(field_name="contractor__engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="contractor__engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = TimeEntry
        fields = ["contractor", "source", "external_id"]


class OverheadEntryFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="date")
    date_from = SaneDateFilter(field_name="date", lookup_expr="gte")
    date_to = SaneDateFilter(field_name="date", lookup_expr="lte")
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = OverheadEntry
        fields = ["engagement", "person", "activity", "source"]


class MilestoneFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="due_date", help_text="Milestones due in a month (YYYY-MM).")
    due_from = SaneDateFilter(field_name="due_date", lookup_expr="gte")
    due_to = SaneDateFilter(field_name="due_date", lookup_expr="lte")
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = Milestone
        fields = ["engagement", "accepted"]


class AuditLogFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(method="of_model", help_text="app_label.model, e.g. engagements.timeentry.")
    at_from = SaneDateTimeFilter(field_name="at", lookup_expr="gte")
    at_to = SaneDateTimeFilter(field_name="at", lookup_expr="lte")
    object_id = IdFilter()

    class Meta:
        model = AuditLog
        fields = ["action", "bulk", "actor", "object_id"]

    def of_model(self, queryset: QuerySet[AuditLog], name: str, value: str) -> QuerySet[AuditLog]:
        app_label, _, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
