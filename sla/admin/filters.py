"""List filters of the SLA admin."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kernel.months import current_month, month_iso, month_label, parse_month, recent_months
from sla.querysets import TicketQuerySet, TicketState

RECENT_MONTHS = 12


class TicketStateFilter(admin.SimpleListFilter):
    """Running, met, breached or measured against no target."""

    title = "SLA state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(TicketState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        state = self.value()
        if state is not None and state in TicketState.values:
            # The filter is only on the ticket changelist: its queryset is a TicketQuerySet.
            return cast(TicketQuerySet, queryset).in_state(state)
        return None


class OpenedMonthFilter(admin.SimpleListFilter):
    """Tickets opened in one of the recent organisation-local months."""

    title = "month opened"
    parameter_name = "month"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(month_iso(month), month_label(month)) for month in recent_months(current_month(), RECENT_MONTHS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        month = parse_month(self.value())
        return cast(TicketQuerySet, queryset).opened_in(month) if month else None


class OngoingFilter(admin.SimpleListFilter):
    """Outages still ongoing or over."""

    title = "ongoing"
    parameter_name = "ongoing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Ongoing"), ("no", "Over")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() in ("yes", "no"):
            return queryset.filter(ended_at__isnull=self.value() == "yes")
        return None
