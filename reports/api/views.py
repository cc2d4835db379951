"""Views of snapshots, comparison reports and the recompute command: reads of stored results, one command."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from engagements.models import ChangedMonth
from kernel.api.fields import parse_month
from kernel.api.pagination import PagePagination
from kernel.api.permissions import VIEW
from kernel.api.viewsets import ApiViewMixin, ReadOnlyViewSet
from reports.api import filters, serializers
from reports.models import ComparisonReport, MonthlySnapshot, RecomputeJob
from reports.selectors import month_status, report_for, sort_scorecards, vendor_scorecards
from reports.services import recompute_month_request

MONTH_PATH = OpenApiParameter("month", str, OpenApiParameter.PATH, description="YYYY-MM")


class SnapshotViewSet(ReadOnlyViewSet):
    """Monthly snapshots of engagements, as the jobs stored them; `stale` while facts changed since."""

    serializer_class = serializers.SnapshotSerializer
    filterset_class = filters.SnapshotFilter
    # Leadership reads the results: the view permission is enough (no API_READ_PERMISSION).
    required_permissions = {"GET": (VIEW,)}

    def get_queryset(self) -> Any:
        marks = ChangedMonth.objects.filter(engagement_id=OuterRef("engagement_id"), month=OuterRef("month"))
        return MonthlySnapshot.objects.annotate(stale=Exists(marks)).order_by("-month", "engagement_id")


class ReportViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Comparison reports as JSON: the list of months, and one month's report."""

    # Leadership reads the results: the view permission is enough (no API_READ_PERMISSION).
    required_permissions = {"GET": (VIEW,)}
    pagination_class = PagePagination
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"
    queryset = ComparisonReport.objects.order_by("-month")

    @extend_schema(responses={200: serializers.ReportSummarySerializer(many=True)})
    def list(self, request: Request) -> Response:
        """List the months that have a report."""
        page = self.paginate_queryset(self.get_queryset().only("month", "computed_at"))
        assert page is not None, "the view sets a pagination_class"
        rows = [
            {
                "month": f"{r.month:%Y-%m}",
                "computed_at": r.computed_at,
                "url": request.build_absolute_uri(f"{r.month:%Y-%m}/"),
            }
            for r in page
        ]
        return self.get_paginated_response(serializers.ReportSummarySerializer(rows, many=True).data)

    @extend_schema(responses={200: serializers.ReportSerializer}, parameters=[MONTH_PATH])
    def retrieve(self, request: Request, month: str) -> Response:
        """Return a month's comparison report (domain.md) with its freshness."""
        day = parse_month(month)
        report = report_for(day)
        if report is None:
            raise NotFound("No report has been computed for this month yet: POST recompute/ to build it.")
        state = month_status(day)
        return Response(
            {
                **report.payload,
                "month": f"{day:%Y-%m}",
                "computed_at": report.computed_at,
                "stale": state.stale,
                "errors": report.errors,
            }
        )


SCORECARD_ORDERINGS = ["cost", "attainment", "credits", "variance", "name"]


class VendorScorecardViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Vendor scorecards (domain.md): per vendor, the month and the 12 months ending it, in the base currency."""

    # Leadership reads the results: the view permission of reports is enough.
    required_permissions = {"GET": (VIEW,)}
    queryset = ComparisonReport.objects.none()
    pagination_class = None

    @extend_schema(
        responses={200: serializers.VendorScorecardSerializer(many=True)},
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter(
                "ordering",
                str,
                enum=[*SCORECARD_ORDERINGS, *(f"-{name}" for name in SCORECARD_ORDERINGS)],
                description="Sort by the month's figures; '-' for descending (default -cost: the costliest first). "
                "attainment is the resolution target met.",
            ),
        ],
    )
    def list(self, request: Request) -> Response:
        """List one scorecard per vendor with an engagement in the 12 months ending `month`."""
        raw = request.query_params.get("month")
        if not raw:
            raise ValidationError({"month": ["This parameter is required (YYYY-MM)."]})
        rows = vendor_scorecards(parse_month(raw))
        try:
            rows = sort_scorecards(rows, request.query_params.get("ordering") or "-cost")
        except ValueError as exc:
            raise ValidationError({"ordering": [str(exc)]}) from None
        return Response(rows)


class RecomputeViewSet(ApiViewMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Queue the recompute of a month (or one engagement-month) and follow its job."""

    queryset = RecomputeJob.objects.all()
    serializer_class = serializers.RecomputeJobSerializer

    @extend_schema(request=serializers.RecomputeRequestSerializer, responses={202: serializers.RecomputeJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue the recompute (in-process and finished already when no broker is configured); answer 202."""
        form = serializers.RecomputeRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        engagement = form.validated_data.get("engagement")
        job = recompute_month_request(
            form.validated_data["month"], engagement.pk if engagement else None, requested_by=request.user
        )
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
