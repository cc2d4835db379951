"""Views of the engagements resources: thin, every write through a service."""

from __future__ import annotations

from typing import Any

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
from engagements.services.ingest import time_entries_upsert
from kernel.api import (
    VIEW,
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
    # Leadership reads engagements: the view permission is enough (no API_READ_PERMISSION).
    required_permissions = {"GET": (VIEW,)}
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
