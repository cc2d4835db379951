"""Admin of the reports app: snapshots, reports and jobs are read-only; checklists are edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from engagements.admin.base import ReadOnlyAdmin
from reports.models import (
    ComparisonReport,
    DecisionChecklist,
    MonthlySnapshot,
    RecomputeJob,
)
from reports.services.checklists import checklist_save
from reports.services.jobs import recompute_month_request


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "month",
        "currency",
        "total_cost",
        "vendor_cost",
        "overhead_ratio",
        "uptime_pct",
        "tickets_resolved",
        "computed_at",
    )
    list_filter = ("month", "engagement__model", "engagement__service_area")
    list_select_related = ("engagement",)
    search_fields = ("engagement__name",)
    date_hierarchy = "month"


@admin.register(ComparisonReport)
class ComparisonReportAdmin(ReadOnlyAdmin):
    list_display = ("month", "currency", "computed_at", "verified_at", "emailed_at", "page")
    exclude = ("payload",)
    actions = ["recompute"]

    @admin.display(description="Report")
    def page(self, obj: ComparisonReport) -> str:
        return format_html('<a href="{}">Open</a>', reverse("reports:month", kwargs={"month": f"{obj.month:%Y-%m}"}))

    @admin.action(description="Recompute the selected months")
    def recompute(self, request: HttpRequest, queryset: QuerySet[ComparisonReport]) -> None:
        for report in queryset:
            recompute_month_request(report.month, requested_by=request.user)
        self.message_user(request, f"Recompute requested for {queryset.count()} month(s).", messages.SUCCESS)


@admin.register(RecomputeJob)
class RecomputeJobAdmin(ReadOnlyAdmin):
    list_display = (
        "month",
        "engagement",
        "kind",
        "state",
        "done",
        "total",
        "requested_by",
        "requested_at",
        "finished_at",
    )
    list_filter = ("state", "kind")
    list_select_related = ("engagement", "requested_by")


@admin.register(DecisionChecklist)
class DecisionChecklistAdmin(admin.ModelAdmin):
    list_display = (
        "service_area",
        "short_term",
        "offload_downtime_risk",
        "predictable_cost",
        "internal_manager",
        "specific_skill_short",
        "updated_at",
    )
    list_select_related = ("service_area",)
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request: HttpRequest, obj: DecisionChecklist, form: Any, change: bool) -> None:
        checklist_save(checklist=obj, user=request.user)
