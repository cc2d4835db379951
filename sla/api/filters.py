"""Filters of the SLA resources: engagement, month (YYYY-MM), date ranges, model, service area, source."""

from __future__ import annotations

import django_filters

from engagements.models import DeliveryModel, Engagement, ServiceArea
from kernel.api.filters import MonthFilter, SaneDateTimeFilter
from sla.models import MonitoredService, Outage, SLAPolicy, Ticket


class MonitoredServiceFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = MonitoredService
        fields = ["engagement", "name"]


class SLAPolicyFilter(django_filters.FilterSet):
    class Meta:
        model = SLAPolicy
        fields = ["calendar"]


class OutageFilter(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(field_name="service__engagement", queryset=Engagement.objects.all())
    month = MonthFilter(field_name="started_at", help_text="Outages that started in a month (YYYY-MM).")
    started_from = SaneDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_to = SaneDateTimeFilter(field_name="started_at", lookup_expr="lte")
    model = django_filters.ChoiceFilter(field_name="service__engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="service__engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = Outage
        fields = ["service", "planned", "source", "external_id"]


class TicketFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="opened_at", help_text="Tickets opened in a month (YYYY-MM).")
    resolved_month = MonthFilter(field_name="resolved_at", help_text="Tickets resolved in a month (YYYY-MM).")
    opened_from = SaneDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_to = SaneDateTimeFilter(field_name="opened_at", lookup_expr="lte")
    model = django_filters.ChoiceFilter(field_name="engagement__model", choices=DeliveryModel.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="engagement__service_area", queryset=ServiceArea.objects.all()
    )

    class Meta:
        model = Ticket
        fields = ["engagement", "priority", "category", "source", "external_id"]
