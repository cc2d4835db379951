"""List filters of the SLA admin."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sla.months import current_month, parse_month
from sla.querysets import TicketQuerySet, TicketState

RECENT_MONTHS = 12


def recent_months(count: int = RECENT_MONTHS) -> list[dt.date]:
    """Return the first days of the current and previous months, newest first."""
    months, month = [], current_month()
    for _ in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


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
        return [(f"{month:%Y-%m}", f"{month:%B %Y}") for month in recent_months()]

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
