"""Views of the SLA resources: thin, every write through sla's services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from engagements.api import views as engagement_api
from engagements.models import Engagement
from engagements.services.engagements import engagement_create
from kernel.api.batch import BatchUpsertMixin
from kernel.api.pagination import LargeTablePagination
from kernel.api.viewsets import ServiceViewSet
from kernel.batches import UpsertOutcome
from sla.api import filters, serializers
from sla.models import CoverageCalendar, MonitoredService, Outage, SLAPolicy, Ticket
from sla.selectors import engagements_with_policy
from sla.services.assignments import engagement_policy_set
from sla.services.calendars import CALENDAR
from sla.services.ingest import outages_upsert, tickets_upsert
from sla.services.monitoring import MONITORED_SERVICE, OUTAGE
from sla.services.policies import POLICY
from sla.services.tickets import TICKET


class CalendarViewSet(ServiceViewSet):
    queryset = CoverageCalendar.objects.prefetch_related("working_hours", "holidays")
    serializer_class = serializers.CalendarSerializer
    services = CALENDAR

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        # The model's default zone, which the create service wants spelled out.
        arguments = {"time_zone": "UTC", **validated} if self.action == "create" else dict(validated)
        if "holidays" in arguments:
            arguments["holidays"] = [{"date": day} for day in arguments["holidays"]]
        return arguments


class SLAPolicyViewSet(ServiceViewSet):
    queryset = SLAPolicy.objects.prefetch_related("credit_tiers", "targets")
    serializer_class = serializers.SLAPolicySerializer
    filterset_class = filters.SLAPolicyFilter
    services = POLICY

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        arguments = dict(validated)
        if "targets" in arguments:
            arguments["priority_targets"] = arguments.pop("targets")
        return arguments


class MonitoredServiceViewSet(ServiceViewSet):
    queryset = MonitoredService.objects.all()
    serializer_class = serializers.MonitoredServiceSerializer
    filterset_class = filters.MonitoredServiceFilter
    services = MONITORED_SERVICE


class OutageViewSet(BatchUpsertMixin, ServiceViewSet):
    """Outages; a list POST upserts on (source, external_id), all or nothing."""

    queryset = Outage.objects.select_related("service")
    serializer_class = serializers.OutageSerializer
    filterset_class = filters.OutageFilter
    pagination_class = LargeTablePagination
    services = OUTAGE

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        return outages_upsert(items=rows)


class TicketViewSet(BatchUpsertMixin, ServiceViewSet):
    """Tickets with their pauses; a list POST upserts on (source, external_id), all or nothing."""

    queryset = Ticket.objects.prefetch_related("pauses")
    serializer_class = serializers.TicketSerializer
    filterset_class = filters.TicketFilter
    pagination_class = LargeTablePagination
    services = TICKET

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        return tickets_upsert(items=rows)


# engagements/ with its SLA policy: served from sla, since engagements may not
# import sla. No docstring, so the schema keeps its operations' description.
class EngagementViewSet(engagement_api.EngagementViewSet):
    serializer_class = serializers.EngagementSerializer

    def get_queryset(self) -> QuerySet[Engagement]:
        return engagements_with_policy(super().get_queryset())

    def perform_create(self, serializer: Any) -> None:
        policy = serializer.validated_data.pop("sla_policy", None)
        with transaction.atomic():
            engagement = engagement_create(**serializer.validated_data)
            if policy is not None:
                engagement_policy_set(engagement=engagement, policy=policy, on=engagement.start_date)
        serializer.instance = self.refetch(engagement)

    def perform_update(self, serializer: Any) -> None:
        has_policy = "sla_policy" in serializer.validated_data
        policy = serializer.validated_data.pop("sla_policy", None)
        with transaction.atomic():
            super().perform_update(serializer)
            if has_policy:
                engagement_policy_set(engagement=serializer.instance, policy=policy)
        serializer.instance = self.refetch(serializer.instance)
