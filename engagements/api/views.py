"""Views of the engagements resources: thin, every write through a service."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.api import filters, serializers
from engagements.importers.files import FileError, file_import
from engagements.importers.upserts import time_entries_upsert
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
from engagements.services.engagements import (
    contractor_create,
    contractor_update,
    engagement_create,
    engagement_update,
    milestone_create,
    person_create,
    service_area_create,
    vendor_create,
    vendor_update,
)
from engagements.services.entries import (
    overhead_entry_create,
    overhead_entry_delete,
    overhead_entry_update,
    time_entry_delete,
    time_entry_update,
)
from kernel.api import (
    ApiViewMixin,
    BatchUpsertMixin,
    LargeTablePagination,
    ReadOnlyViewSet,
    ServiceViewSet,
)
from kernel.batches import UpsertOutcome


class VendorViewSet(ServiceViewSet):
    queryset = Vendor.objects.all()
    serializer_class = serializers.VendorSerializer
    filterset_fields = ["kind"]
    create_service = staticmethod(vendor_create)
    update_service = staticmethod(vendor_update)
    instance_kwarg = "vendor"


class ServiceAreaViewSet(ServiceViewSet):
    queryset = ServiceArea.objects.all()
    serializer_class = serializers.ServiceAreaSerializer
    create_service = staticmethod(service_area_create)


class PersonViewSet(ServiceViewSet):
    queryset = Person.objects.all()
    serializer_class = serializers.PersonSerializer
    filterset_fields = ["email"]
    create_service = staticmethod(person_create)


# The API serves sla.api.views.EngagementViewSet, which extends this one with
# the SLA policy; no docstring, so the schema keeps its operations' description.
class EngagementViewSet(ServiceViewSet):
    queryset = Engagement.objects.all()
    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter
    leadership_may_read = True
    create_service = staticmethod(engagement_create)
    update_service = staticmethod(engagement_update)
    instance_kwarg = "engagement"


class ContractorViewSet(ServiceViewSet):
    queryset = Contractor.objects.all()
    serializer_class = serializers.ContractorSerializer
    filterset_class = filters.ContractorFilter
    create_service = staticmethod(contractor_create)
    update_service = staticmethod(contractor_update)
    instance_kwarg = "contractor"


class TimeEntryViewSet(BatchUpsertMixin, ServiceViewSet):
    """Time entries; a list POST upserts on (source, external_id) as one batch."""

    queryset = TimeEntry.objects.select_related("contractor")
    serializer_class = serializers.TimeEntrySerializer
    filterset_class = filters.TimeEntryFilter
    pagination_class = LargeTablePagination
    update_service = staticmethod(time_entry_update)
    delete_service = staticmethod(time_entry_delete)
    instance_kwarg = "entry"

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        entries = [TimeEntry(**data) for _, data in rows]
        return time_entries_upsert(entries=entries, rows=[index for index, _ in rows])


class OverheadEntryViewSet(ServiceViewSet):
    queryset = OverheadEntry.objects.all()
    serializer_class = serializers.OverheadEntrySerializer
    filterset_class = filters.OverheadEntryFilter
    pagination_class = LargeTablePagination
    create_service = staticmethod(overhead_entry_create)
    update_service = staticmethod(overhead_entry_update)
    delete_service = staticmethod(overhead_entry_delete)
    instance_kwarg = "entry"


class MilestoneViewSet(ServiceViewSet):
    queryset = Milestone.objects.all()
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    create_service = staticmethod(milestone_create)


class AuditLogViewSet(ReadOnlyViewSet):
    """The audit trail: who changed which record, when, from what to what."""

    queryset = AuditLog.objects.select_related("content_type")
    serializer_class = serializers.AuditLogSerializer
    filterset_class = filters.AuditLogFilter
    pagination_class = LargeTablePagination


class ImportView(ApiViewMixin, APIView):
    """Import a time tracker, help-desk or uptime monitor export."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={
            200: serializers.ImportReportSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Field errors, an unusable file, or the report of "
                "a file whose rejected rows kept it from being imported.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Import a file; a file with rejected rows imports nothing unless allow_partial (400 then)."""
        form = serializers.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            report = file_import(
                kind=form.validated_data["kind"],
                fmt=form.validated_data["format"],
                data=upload.read(),
                name=upload.name or "",
                engagement=form.validated_data.get("engagement"),
                day_first=form.validated_data.get("day_first"),
                tz=form.validated_data.get("tz"),
                dry_run=form.validated_data["dry_run"],
                allow_partial=form.validated_data["allow_partial"],
                user=request.user,
            )
        except FileError as exc:
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        refused = report.rejected and not report.dry_run and not report.written
        return Response(report.as_dict(), status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_200_OK)
