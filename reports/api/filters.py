"""Filters of the snapshots: engagement, month (YYYY-MM), model, service area."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from engagements.models import DeliveryModel, ServiceArea
from kernel.api.fields import parse_month
from reports.models import MonthlySnapshot


class SnapshotFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(method="in_month", help_text="YYYY-MM.")
    month_from = django_filters.CharFilter(method="from_month", help_text="From this month on (YYYY-MM).")
    month_to = django_filters.CharFilter(method="to_month", help_text="Up to this month (YYYY-MM).")
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = MonthlySnapshot
        fields = ["engagement"]

    def in_month(self, queryset: QuerySet[MonthlySnapshot], name: str, value: str) -> QuerySet[MonthlySnapshot]:
        return queryset.filter(month=parse_month(value))

    def from_month(self, queryset: QuerySet[MonthlySnapshot], name: str, value: str) -> QuerySet[MonthlySnapshot]:
        return queryset.filter(month__gte=parse_month(value))

    def to_month(self, queryset: QuerySet[MonthlySnapshot], name: str, value: str) -> QuerySet[MonthlySnapshot]:
        return queryset.filter(month__lte=parse_month(value))
