"""Monitored services and their outages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from engagements.models import FactParent
from kernel.facts import MonthKey, RecordedFact, source_external_id_unique
from kernel.months import current_month, month_of, months_between
from sla.querysets import OutageQuerySet

# The rule's message, written once: clean(), the database check and sla.apps use it.
OUTAGE_ENDS_AFTER_START_MESSAGE = "An outage must end after it starts."


class MonitoredService(FactParent):
    """Something whose uptime is tracked for an engagement (e.g. "Email", "VPN")."""

    month_fields = ()

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.PROTECT, related_name="monitored_services"
    )
    name = models.CharField(max_length=200)
    business_impact_per_hour = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What an hour of unplanned downtime costs the organisation, in the engagement's currency.",
    )

    class Meta:
        ordering = ["engagement", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"],
                name="%(app_label)s_%(class)s_name_unique_per_engagement",
                violation_error_message="This engagement already monitors a service with this name.",
            ),
            models.CheckConstraint(
                condition=Q(business_impact_per_hour__isnull=True) | Q(business_impact_per_hour__gte=0),
                name="%(app_label)s_%(class)s_impact_not_negative",
                violation_error_message="The business impact per hour cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return the current month: adding or changing a service changes uptime from now on."""
        engagement_id = row.get("_engagement")
        return set() if engagement_id is None else {(engagement_id, current_month())}

    def clean(self) -> None:
        if self.business_impact_per_hour is not None and self.business_impact_per_hour < 0:
            raise ValidationError({"business_impact_per_hour": "The business impact per hour cannot be negative."})
        # Moving it to another engagement moves its outages: not out of (or into) a closed month.
        errors = self.clean_move() if self.engagement_id else {}
        if errors:
            raise ValidationError(errors)


class Outage(RecordedFact):
    """An interval of downtime of a monitored service; planned maintenance does not count against uptime."""

    engagement_path = "service__engagement_id"
    month_fields = ("started_at", "ended_at")

    service = models.ForeignKey(MonitoredService, on_delete=models.PROTECT, related_name="outages")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty while the outage is ongoing.")
    planned = models.BooleanField(default=False, help_text="Announced maintenance: does not count against uptime.")
    reason = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the row came from: uptimerobot, api...")
    external_id = models.CharField(max_length=200, blank=True, help_text="The row's id in its source system.")

    objects: ClassVar = OutageQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["service", "started_at"], name="sla_outage_service_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=OUTAGE_ENDS_AFTER_START_MESSAGE,
            ),
            source_external_id_unique("An outage"),
        ]

    def __str__(self) -> str:
        return f"{self.service} down from {self.started_at:%Y-%m-%d %H:%M}" if self.started_at else "outage"

    @classmethod
    def engagement_ids_of(cls, objs: Sequence[Self]) -> list[int | None]:
        ids = {obj.service_id for obj in objs}
        engagement_of = dict(MonitoredService.objects.filter(pk__in=ids).values_list("pk", "engagement_id"))
        return [engagement_of.get(obj.service_id) for obj in objs]

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return every month the outage spans (an ongoing one up to the current month)."""
        engagement_id, started = row.get("_engagement"), row.get("started_at")
        if engagement_id is None or started is None:
            return set()
        last = month_of(row["ended_at"]) if row.get("ended_at") else max(current_month(), month_of(started))
        return {(engagement_id, month) for month in months_between(month_of(started), last)}

    def clean(self) -> None:
        if self.started_at and self.ended_at and self.ended_at <= self.started_at:
            raise ValidationError({"ended_at": OUTAGE_ENDS_AFTER_START_MESSAGE})
