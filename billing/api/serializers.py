"""Serializers of the billing resources: field shapes only; billing's services own every rule."""

from __future__ import annotations

from rest_framework import serializers

from billing.models import ContractorRate, ExchangeRate, FeeSchedule, InternalRate, Invoice, OneTimeCharge, Period
from kernel.api.fields import CURRENCY_FIELD, MonthField, ResourceSerializer, StrictSerializer


class InternalRateSerializer(ResourceSerializer):
    class Meta:
        model = InternalRate
        fields = ["id", "person", "hourly_cost", "effective_from"]
        extra_kwargs = {"person": {"help_text": "Empty (null) for the organisation default."}}


class ContractorRateSerializer(ResourceSerializer):
    class Meta:
        model = ContractorRate
        fields = ["id", "contractor", "hourly_rate", "effective_from"]


class FeeScheduleSerializer(ResourceSerializer):
    class Meta:
        model = FeeSchedule
        fields = ["id", "engagement", "monthly_fee", "effective_from"]


class OneTimeChargeSerializer(ResourceSerializer):
    class Meta:
        model = OneTimeCharge
        fields = ["id", "engagement", "date", "amount", "kind", "description", "source", "external_id"]


class InvoiceSerializer(ResourceSerializer):
    period = MonthField(help_text="The month billed, YYYY-MM.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "engagement",
            "period",
            "number",
            "amount",
            "received",
            "expected_amount",
            "variance",
            "reconciliation",
        ]
        read_only_fields = ["expected_amount", "variance", "reconciliation"]


class ExchangeRateSerializer(ResourceSerializer):
    month = MonthField(help_text="YYYY-MM.")

    class Meta:
        model = ExchangeRate
        fields = ["id", "month", "currency", "rate_to_base"]
        extra_kwargs = {"currency": CURRENCY_FIELD}


class PeriodSerializer(ResourceSerializer):
    month = MonthField(read_only=True)

    class Meta:
        model = Period
        fields = ["id", "month", "closed", "closed_at", "closed_by"]
        read_only_fields = fields


class PeriodReopenSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the closed month must change.")
