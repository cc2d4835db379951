"""ModelAdmins of the SLA app; every save goes through the SLA services."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from engagements.admin.base import CappedCountPaginator, ServiceBackedAdmin
from engagements.admin.lists import ListTotalsMixin, engagement_filters, month_filter
from engagements.admin.pickers import register_picker_label
from sla.admin.filters import BreachedFilter, OngoingFilter, TicketStateFilter, ticket_month_filters
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
from sla.querysets import OutageQuerySet
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


def hours_minutes(minutes: Decimal | None) -> str:
    """Show business minutes as h:mm, negative once breached ("-81:50"); "-" when not measured."""
    if minutes is None:
        return "-"
    whole = int(abs(minutes).to_integral_value(ROUND_HALF_UP))
    return f"{'-' if minutes < 0 else ''}{whole // 60}:{whole % 60:02d}"


def elapsed(duration: dt.timedelta | None) -> str:
    """Show a business duration as h:mm."""
    return "-" if duration is None else hours_minutes(Decimal(duration.total_seconds()) / 60)


def time_left(ticket: Ticket) -> str:
    """Say what the ticket's clocks leave: time left on the next running target, or how far past a breached one."""
    if ticket.resolved_at is None:
        running = [
            slack
            for met, slack in (
                (ticket.response_met if ticket.first_response_at is None else True, ticket.response_slack_minutes),
                (ticket.resolution_met, ticket.resolution_slack_minutes),
            )
            if met is None and slack is not None
        ]
        if running:
            return f"{hours_minutes(min(running))} left"
    overdue = [s for s in (ticket.response_slack_minutes, ticket.resolution_slack_minutes) if s is not None and s < 0]
    return f"{hours_minutes(-min(overdue))} over" if overdue else ""


def local_stamp(instant: dt.datetime | None) -> str:
    """Show an instant in the organisation's zone, short ("2026-04-03 14:05")."""
    return "-" if instant is None else f"{timezone.localtime(instant):%Y-%m-%d %H:%M}"


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
    list_filter = [*engagement_filters("engagement")]
    search_fields = ["name", "engagement__name"]
    autocomplete_fields = ["engagement"]
    change_list_template = "admin/sla/monitoredservice/change_list.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(uptime_view(self))
        return [path("uptime/", view, name="sla_monitoredservice_uptime"), *super().get_urls()]


@admin.register(Outage)
class OutageAdmin(ListTotalsMixin, ServiceBackedAdmin):
    services = OUTAGE
    list_display = ["service", "engagement", "started_at", "ended_at", "duration", "planned", "reason", "source"]
    list_select_related = ["service__engagement"]
    list_filter = [
        *engagement_filters("service__engagement"),
        month_filter(lambda rows, month: cast(OutageQuerySet, rows).in_month(month)),
        "planned",
        OngoingFilter,
    ]
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
class TicketAdmin(ListTotalsMixin, ServiceBackedAdmin):
    services = TICKET
    # Narrow columns so that the SLA state and the time left stay on screen at 1400 px.
    list_display = ["ticket", "engagement", "priority_code", "opened_resolved", "sla_state", "slack"]
    list_select_related = ["engagement"]
    list_filter = [
        *engagement_filters("engagement"),
        TicketStateFilter,
        BreachedFilter,
        *ticket_month_filters(),
        "priority",
        "category",
    ]
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
                    ("response_due_at", "response_met", "response_slack", "response_elapsed_hm"),
                    ("resolution_due_at", "resolution_met", "resolution_slack", "resolution_elapsed_hm"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "policy",
        "sla_state",
        "response_due_at",
        "response_met",
        "response_slack",
        "response_elapsed_hm",
        "resolution_due_at",
        "resolution_met",
        "resolution_slack",
        "resolution_elapsed_hm",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("History", {"fields": ["audit_trail"], "classes": ["collapse"]}))
        return fieldsets

    @admin.display(description="Ticket", ordering="external_id")
    def ticket(self, obj: Ticket) -> str:
        # The id only (the summary on hover): the SLA columns must stay on screen at 1400 px.
        return format_html('<span title="{}">{}</span>', obj.summary, obj.external_id or f"#{obj.pk}")

    @admin.display(description="P", ordering="priority")
    def priority_code(self, obj: Ticket) -> str:
        return format_html('<span title="{}">{}</span>', obj.get_priority_display(), obj.priority)

    @admin.display(description="Opened / resolved", ordering="opened_at")
    def opened_resolved(self, obj: Ticket) -> str:
        return format_html(
            '<span style="white-space:nowrap">{}</span><br><span style="white-space:nowrap">{}</span>',
            local_stamp(obj.opened_at),
            local_stamp(obj.resolved_at) if obj.resolved_at else "open",
        )

    @admin.display(description="SLA state")
    def sla_state(self, obj: Ticket) -> str:
        state = obj.state
        note = time_left(obj)
        return format_html(
            '<strong style="color:{}">{}</strong>{}',
            STATE_COLOURS[state],
            state.label,
            format_html("<br><small>{}</small>", note) if note else "",
        )

    @admin.display(description="Slack h:mm", ordering="resolution_slack_minutes")
    def slack(self, obj: Ticket) -> str:
        # Two short lines instead of two columns: the list fits 1400 px with the sidebar open.
        return format_html(
            '<span style="white-space:nowrap" title="Response slack">resp. {}</span><br>'
            '<span style="white-space:nowrap" title="Resolution slack">resol. {}</span>',
            hours_minutes(obj.response_slack_minutes),
            hours_minutes(obj.resolution_slack_minutes),
        )

    @admin.display(description="Response slack (h:mm)", ordering="response_slack_minutes")
    def response_slack(self, obj: Ticket) -> str:
        return hours_minutes(obj.response_slack_minutes)

    @admin.display(description="Resolution slack (h:mm)", ordering="resolution_slack_minutes")
    def resolution_slack(self, obj: Ticket) -> str:
        return hours_minutes(obj.resolution_slack_minutes)

    @admin.display(description="Response elapsed (business h:mm)")
    def response_elapsed_hm(self, obj: Ticket) -> str:
        return elapsed(obj.response_elapsed)

    @admin.display(description="Resolution elapsed (business h:mm)")
    def resolution_elapsed_hm(self, obj: Ticket) -> str:
        return elapsed(obj.resolution_elapsed)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        pauses = formset.save(commit=False)
        for pause in formset.deleted_objects:
            ticket_pause_delete(pause=pause)
        # Earliest first, so each pause is checked against the ones already in place.
        for pause in sorted(pauses, key=lambda p: p.started_at):
            ticket_pause_save(pause=pause)


def _service_label(service: MonitoredService) -> str:
    engagement = service.engagement
    return f"{service.name} - {engagement.name} ({engagement.get_model_display().lower()})"


def _ticket_label(ticket: Ticket) -> str:
    return f"{ticket} - {ticket.engagement.name}"


# Service and ticket names repeat across engagements: pickers name the engagement too.
register_picker_label(MonitoredService, _service_label, "engagement")
register_picker_label(Ticket, _ticket_label, "engagement")
