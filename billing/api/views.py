"""Views of the billing resources: thin, every write through billing's services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from billing.api import filters, serializers
from billing.models import ContractorRate, ExchangeRate, FeeSchedule, InternalRate, Invoice, OneTimeCharge, Period
from billing.services import period_close, period_reopen
from billing.services.invoices import INVOICE
from billing.services.rates import CONTRACTOR_RATE, EXCHANGE_RATE, FEE_SCHEDULE, INTERNAL_RATE, ONE_TIME_CHARGE
from kernel.api.fields import parse_month
from kernel.api.viewsets import ReadOnlyViewSet, ServiceViewSet

MONTH_PATH = OpenApiParameter("month", str, OpenApiParameter.PATH, description="YYYY-MM")


class InternalRateViewSet(ServiceViewSet):
    queryset = InternalRate.objects.all()
    serializer_class = serializers.InternalRateSerializer
    filterset_class = filters.InternalRateFilter
    services = INTERNAL_RATE

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        return {"person": None, **validated} if self.action == "create" else dict(validated)


class ContractorRateViewSet(ServiceViewSet):
    queryset = ContractorRate.objects.all()
    serializer_class = serializers.ContractorRateSerializer
    filterset_class = filters.ContractorRateFilter
    services = CONTRACTOR_RATE


class FeeScheduleViewSet(ServiceViewSet):
    queryset = FeeSchedule.objects.all()
    serializer_class = serializers.FeeScheduleSerializer
    filterset_class = filters.FeeScheduleFilter
    services = FEE_SCHEDULE


class OneTimeChargeViewSet(ServiceViewSet):
    queryset = OneTimeCharge.objects.all()
    serializer_class = serializers.OneTimeChargeSerializer
    filterset_class = filters.OneTimeChargeFilter
    services = ONE_TIME_CHARGE


class InvoiceViewSet(ServiceViewSet):
    queryset = Invoice.objects.all()
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    services = INVOICE


class ExchangeRateViewSet(ServiceViewSet):
    queryset = ExchangeRate.objects.all()
    serializer_class = serializers.ExchangeRateSerializer
    filterset_class = filters.ExchangeRateFilter
    services = EXCHANGE_RATE


class PeriodViewSet(ReadOnlyViewSet):
    """Calendar months; closing one locks every fact dated in it."""

    queryset = Period.objects.select_related("closed_by")
    serializer_class = serializers.PeriodSerializer
    filterset_class = filters.PeriodFilter
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"
    required_permissions = {"close": ("billing.close_period",), "reopen": ("billing.reopen_period",)}

    def get_object(self) -> Period:
        period = self.get_queryset().filter(month=parse_month(self.kwargs["month"])).first()
        if period is None:
            raise NotFound("No period has been recorded for this month.")
        self.check_object_permissions(self.request, period)
        return period

    @extend_schema(request=None, responses={200: serializers.PeriodSerializer}, parameters=[MONTH_PATH])
    @action(detail=True, methods=["post"])
    def close(self, request: Request, month: str) -> Response:
        """Close a month: assess credits, reconcile invoices, then lock its facts."""
        period = period_close(month=parse_month(month), user=request.user)
        return Response(self.get_serializer(period).data, status=status.HTTP_200_OK)

    @extend_schema(
        request=serializers.PeriodReopenSerializer,
        responses={200: serializers.PeriodSerializer},
        parameters=[MONTH_PATH],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, month: str) -> Response:
        """Reopen a closed month (needs the reopen permission); says why."""
        form = serializers.PeriodReopenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reopening = period_reopen(month=parse_month(month), user=request.user, reason=form.validated_data["reason"])
        return Response(self.get_serializer(reopening.period).data, status=status.HTTP_200_OK)
