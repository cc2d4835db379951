"""List filters of the SLA admin."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from engagements.admin.lists import month_filter
from sla.querysets import TicketQuerySet, TicketState


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


def _tickets(queryset: QuerySet) -> TicketQuerySet:
    # These filters are only on the ticket changelist: its queryset is a TicketQuerySet.
    return cast(TicketQuerySet, queryset)


def _opened_or_resolved(rows: QuerySet, month: dt.date) -> TicketQuerySet:
    return _tickets(rows).opened_in(month) | _tickets(rows).resolved_in(month)


def ticket_month_filters() -> list[type[admin.SimpleListFilter]]:
    """The month filters of the ticket list (drill-down parameters: docs/operations.md)."""
    return [
        # Opened or resolved in the month: the tickets the month's outcomes count.
        month_filter(_opened_or_resolved, "month opened or resolved"),
        month_filter(lambda rows, month: _tickets(rows).opened_in(month), "month opened", "opened_month"),
        month_filter(lambda rows, month: _tickets(rows).resolved_in(month), "month resolved", "resolved_month"),
        # The report's "SLA breaches": breached tickets opened or resolved in the month.
        month_filter(
            lambda rows, month: _opened_or_resolved(rows, month).breached(),
            "month breached (opened or resolved in it)",
            "breached_month",
        ),
    ]


class BreachedFilter(admin.SimpleListFilter):
    """Tickets that missed their response or resolution target (a breach stays after resolution)."""

    title = "breached"
    parameter_name = "breached"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Breached"), ("no", "Not breached")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "yes":
            return _tickets(queryset).breached()
        if self.value() == "no":
            return queryset.exclude(Q(response_met=False) | Q(resolution_met=False))
        return None


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
