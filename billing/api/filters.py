"""Filters of the billing resources: engagement, month (YYYY-MM), date ranges, model, service area."""

from __future__ import annotations

import django_filters

from billing.models import ContractorRate, ExchangeRate, FeeSchedule, InternalRate, Invoice, OneTimeCharge, Period
from engagements.models import DeliveryModel, Engagement, ServiceArea
from kernel.api.filters import MonthFilter, SaneDateFilter


def _model(path: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(field_name=f"{path}__model", choices=DeliveryModel.choices)


def _service_area(path: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(field_name=f"{path}__service_area", queryset=ServiceArea.objects.all())


class InternalRateFilter(django_filters.FilterSet):
    default = django_filters.BooleanFilter(field_name="person", lookup_expr="isnull", help_text="Only the defaults.")

    class Meta:
        model = InternalRate
        fields = ["person"]


class ContractorRateFilter(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(
        field_name="contractor__engagement", queryset=Engagement.objects.all()
    )
    model = _model("contractor__engagement")
    service_area = _service_area("contractor__engagement")

    class Meta:
        model = ContractorRate
        fields = ["contractor"]


class FeeScheduleFilter(django_filters.FilterSet):
    model = _model("engagement")
    service_area = _service_area("engagement")

    class Meta:
        model = FeeSchedule
        fields = ["engagement"]


class OneTimeChargeFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="date")
    date_from = SaneDateFilter(field_name="date", lookup_expr="gte")
    date_to = SaneDateFilter(field_name="date", lookup_expr="lte")
    model = _model("engagement")
    service_area = _service_area("engagement")

    class Meta:
        model = OneTimeCharge
        fields = ["engagement", "kind", "source"]


class InvoiceFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="period", help_text="Invoices billing a month (YYYY-MM).")
    model = _model("engagement")
    service_area = _service_area("engagement")

    class Meta:
        model = Invoice
        fields = ["engagement", "reconciliation", "number"]


class ExchangeRateFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="month")

    class Meta:
        model = ExchangeRate
        fields = ["currency"]


class PeriodFilter(django_filters.FilterSet):
    class Meta:
        model = Period
        fields = ["closed"]
