"""Views of the engagements resources: thin, every write through a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from engagements.api import filters, serializers
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
from engagements.selectors import entry_warnings
from engagements.services.engagements import CONTRACTOR, ENGAGEMENT, MILESTONE, PERSON, SERVICE_AREA, VENDOR
from engagements.services.entries import OVERHEAD_ENTRY, TIME_ENTRY
from engagements.services.ingest import EntryRow, time_entries_upsert
from kernel.api.batch import BatchUpsertMixin
from kernel.api.pagination import LargeTablePagination
from kernel.api.permissions import VIEW
from kernel.api.viewsets import ReadOnlyViewSet, ServiceViewSet
from kernel.batches import UpsertOutcome


class VendorViewSet(ServiceViewSet):
    queryset = Vendor.objects.all()
    serializer_class = serializers.VendorSerializer
    filterset_fields = ["kind"]
    services = VENDOR


class ServiceAreaViewSet(ServiceViewSet):
    queryset = ServiceArea.objects.all()
    serializer_class = serializers.ServiceAreaSerializer
    services = SERVICE_AREA


class PersonViewSet(ServiceViewSet):
    queryset = Person.objects.all()
    serializer_class = serializers.PersonSerializer
    filterset_fields = ["email"]
    services = PERSON


# The API serves sla.api.views.EngagementViewSet, which extends this one with
# the SLA policy; no docstring, so the schema keeps its operations' description.
class EngagementViewSet(ServiceViewSet):
    queryset = Engagement.objects.all()
    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter
    # Leadership reads engagements: the view permission is enough (no API_READ_PERMISSION).
    required_permissions = {"GET": (VIEW,)}
    services = ENGAGEMENT


class ContractorViewSet(ServiceViewSet):
    queryset = Contractor.objects.all()
    serializer_class = serializers.ContractorSerializer
    filterset_class = filters.ContractorFilter
    services = CONTRACTOR


class TimeEntryViewSet(BatchUpsertMixin, ServiceViewSet):
    """Time entries; a list POST upserts on (source, external_id) as one batch."""

    queryset = TimeEntry.objects.select_related("contractor")
    serializer_class = serializers.TimeEntrySerializer
    filterset_class = filters.TimeEntryFilter
    pagination_class = LargeTablePagination
    services = TIME_ENTRY
    # The rows a list POST wrote or found unchanged (set by upsert, read by with_warnings).
    written: list[Any] | None = None

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        entries = [
            EntryRow(
                contractor_id=data["contractor"].pk,
                date=data["date"],
                hours=data["hours"],
                description=data.get("description", ""),
                source=data.get("source", ""),
                external_id=data.get("external_id", ""),
            )
            for _, data in rows
        ]
        contractors = {data["contractor"].pk: data["contractor"] for _, data in rows}
        outcome = time_entries_upsert(entries=entries, rows=[index for index, _ in rows], contractors=contractors)
        # What with_warnings reads: the stored rows' contractors and days, without reading them back.
        self.written = outcome.objects
        return outcome

    def row_instance(self, obj: Any) -> TimeEntry:
        """A single POST answers with the stored row (a batch wrote plain values)."""
        return obj if isinstance(obj, TimeEntry) else self.get_queryset().get(pk=obj.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.with_warnings(super().create(request, *args, **kwargs))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.with_warnings(super().update(request, *args, **kwargs))

    def with_warnings(self, response: Response) -> Response:
        """Add `warnings` to a successful write's answer: rows whose days no bill rate covers, or dated after today."""
        data = response.data
        if response.status_code >= 300 or not isinstance(data, dict):
            return response
        written = getattr(self, "written", None)
        if written is not None:  # a list POST: the rows it wrote or found unchanged
            rows: Any = written
        else:  # one row: its answer says who and when
            rows = [{"contractor_id": data["contractor"], "date": dt.date.fromisoformat(data["date"])}]
        data["warnings"] = entry_warnings(rows)
        return response


class OverheadEntryViewSet(ServiceViewSet):
    queryset = OverheadEntry.objects.all()
    serializer_class = serializers.OverheadEntrySerializer
    filterset_class = filters.OverheadEntryFilter
    pagination_class = LargeTablePagination
    services = OVERHEAD_ENTRY


class MilestoneViewSet(ServiceViewSet):
    queryset = Milestone.objects.all()
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    services = MILESTONE


class AuditLogViewSet(ReadOnlyViewSet):
    """The audit trail: who changed which record, when, from what to what."""

    queryset = AuditLog.objects.select_related("content_type")
    serializer_class = serializers.AuditLogSerializer
    filterset_class = filters.AuditLogFilter
    pagination_class = LargeTablePagination
