"""ModelAdmins of the SLA app; every save goes through the SLA services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import path
from django.utils.html import format_html

from engagements.admin.base import CappedCountPaginator, ServiceBackedAdmin
from sla.admin.filters import OngoingFilter, OpenedMonthFilter, TicketStateFilter
from sla.admin.inlines import (
    CreditTierInline,
    HolidayInline,
    PriorityTargetInline,
    TicketPauseInline,
    WorkingHoursInline,
    kept_rows,
)
from sla.admin.uptime import uptime_view
from sla.models import (
    CoverageCalendar,
    CreditTier,
    MonitoredService,
    Outage,
    PriorityTarget,
    SLAAssignment,
    SLAPolicy,
    Ticket,
    TicketState,
    WorkingHours,
)
from sla.services.assignments import ASSIGNMENT
from sla.services.calendars import (
    CALENDAR,
    HolidaySpec,
    WorkingHoursSpec,
    coverage_calendar_save,
    holidays_set,
    working_hours_set,
)
from sla.services.monitoring import MONITORED_SERVICE, OUTAGE
from sla.services.policies import (
    POLICY,
    CreditTierSpec,
    PriorityTargetSpec,
    credit_tiers_set,
    priority_targets_set,
    sla_policy_save,
)
from sla.services.tickets import TICKET, ticket_pause_delete, ticket_pause_save

STATE_COLOURS = {
    TicketState.RUNNING: "#447e9b",
    TicketState.MET: "#2e7d32",
    TicketState.BREACHED: "#ba2121",
    TicketState.NO_TARGET: "#666",
}


@admin.register(CoverageCalendar)
class CoverageCalendarAdmin(ServiceBackedAdmin):
    list_display = ["name", "time_zone", "always_on"]
    search_fields = ["name"]
    inlines = [WorkingHoursInline, HolidayInline]
    services = CALENDAR

    def save_model(self, request: HttpRequest, obj: CoverageCalendar, form: Any, change: bool) -> None:
        # The hours arrive with the inline after this save, so the calendar is
        # saved as built and its hours set as a whole in save_formset.
        coverage_calendar_save(calendar=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        formset.save(commit=False)  # fills new/changed/deleted_objects for the admin's history message
        rows = list(kept_rows(formset))
        if formset.model is WorkingHours:
            working_hours_set(
                calendar=formset.instance,
                working_hours=[WorkingHoursSpec(weekday=r["weekday"], start=r["start"], end=r["end"]) for r in rows],
            )
        else:
            holidays = [HolidaySpec(date=r["date"], name=r["name"]) for r in rows]
            holidays_set(calendar=formset.instance, holidays=holidays)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ServiceBackedAdmin):
    list_display = ["name", "calendar", "uptime_target", "max_credit_pct", "attainment_goal"]
    list_select_related = ["calendar"]
    search_fields = ["name"]
    autocomplete_fields = ["calendar"]
    inlines = [PriorityTargetInline, CreditTierInline]
    services = POLICY

    def save_model(self, request: HttpRequest, obj: SLAPolicy, form: Any, change: bool) -> None:
        # The tiers arrive with the inline after this save (its formset checked
        # them against the new target), so the policy is saved as built.
        sla_policy_save(policy=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        formset.save(commit=False)  # fills new/changed/deleted_objects for the admin's history message
        rows = list(kept_rows(formset))
        if formset.model is CreditTier:
            tiers = [CreditTierSpec(below_pct=r["below_pct"], credit_pct=r["credit_pct"]) for r in rows]
            credit_tiers_set(policy=formset.instance, tiers=tiers)
        elif formset.model is PriorityTarget:
            targets = [
                PriorityTargetSpec(
                    priority=r["priority"],
                    response_minutes=r["response_minutes"],
                    resolution_minutes=r["resolution_minutes"],
                )
                for r in rows
            ]
            priority_targets_set(policy=formset.instance, targets=targets)


@admin.register(SLAAssignment)
class SLAAssignmentAdmin(ServiceBackedAdmin):
    services = ASSIGNMENT
    list_display = ["engagement", "policy", "effective_from"]
    list_select_related = ["engagement", "policy"]
    list_filter = ["policy"]
    search_fields = ["engagement__name", "policy__name"]
    autocomplete_fields = ["engagement", "policy"]
    date_hierarchy = "effective_from"


@admin.register(MonitoredService)
class MonitoredServiceAdmin(ServiceBackedAdmin):
    services = MONITORED_SERVICE
    list_display = ["name", "engagement", "business_impact_per_hour"]
    list_select_related = ["engagement"]
    list_filter = ["engagement__model", "engagement__service_area"]
    search_fields = ["name", "engagement__name"]
    autocomplete_fields = ["engagement"]
    change_list_template = "admin/sla/monitoredservice/change_list.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(uptime_view(self))
        return [path("uptime/", view, name="sla_monitoredservice_uptime"), *super().get_urls()]


@admin.register(Outage)
class OutageAdmin(ServiceBackedAdmin):
    services = OUTAGE
    list_display = ["service", "engagement", "started_at", "ended_at", "duration", "planned", "reason", "source"]
    list_select_related = ["service__engagement"]
    list_filter = ["planned", OngoingFilter, "service__engagement"]
    search_fields = ["service__name", "service__engagement__name", "reason", "external_id"]
    autocomplete_fields = ["service"]
    date_hierarchy = "started_at"
    paginator = CappedCountPaginator
    list_per_page = 100

    @admin.display(description="Engagement", ordering="service__engagement__name")
    def engagement(self, obj: Outage) -> str:
        return obj.service.engagement.name

    @admin.display(description="Duration")
    def duration(self, obj: Outage) -> str:
        if obj.ended_at is None:
            return "ongoing"
        minutes = int((obj.ended_at - obj.started_at).total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"


@admin.register(Ticket)
class TicketAdmin(ServiceBackedAdmin):
    services = TICKET
    list_display = [
        "__str__",
        "engagement",
        "priority",
        "category",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "sla_state",
        "response_slack_minutes",
        "resolution_slack_minutes",
    ]
    list_select_related = ["engagement"]
    list_filter = ["engagement", "priority", TicketStateFilter, OpenedMonthFilter, "category"]
    search_fields = ["summary", "external_id"]
    autocomplete_fields = ["engagement"]
    paginator = CappedCountPaginator
    list_per_page = 100
    inlines = [TicketPauseInline]
    fieldsets = [
        (None, {"fields": ["engagement", "priority", "category", "summary"]}),
        ("Times", {"fields": ["opened_at", "first_response_at", "resolved_at"]}),
        ("Source", {"fields": ["source", "external_id"], "classes": ["collapse"]}),
        (
            "SLA clocks (computed)",
            {
                "fields": [
                    "policy",
                    "sla_state",
                    ("response_due_at", "response_met", "response_slack_minutes", "response_elapsed"),
                    ("resolution_due_at", "resolution_met", "resolution_slack_minutes", "resolution_elapsed"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "policy",
        "sla_state",
        "response_due_at",
        "response_met",
        "response_slack_minutes",
        "response_elapsed",
        "resolution_due_at",
        "resolution_met",
        "resolution_slack_minutes",
        "resolution_elapsed",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("History", {"fields": ["audit_trail"], "classes": ["collapse"]}))
        return fieldsets

    @admin.display(description="SLA state")
    def sla_state(self, obj: Ticket) -> str:
        state = obj.state
        return format_html('<strong style="color:{}">{}</strong>', STATE_COLOURS[state], state.label)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        pauses = formset.save(commit=False)
        for pause in formset.deleted_objects:
            ticket_pause_delete(pause=pause)
        # Earliest first, so each pause is checked against the ones already in place.
        for pause in sorted(pauses, key=lambda p: p.started_at):
            ticket_pause_save(pause=pause)
