"""QuerySets of the SLA app, named after business states (months are organisation-local)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from kernel.facts import FactQuerySet
from kernel.months import Interval, month_window


class TicketState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    NO_TARGET = "no_target", "No target"


def _during(field: str, window: Interval) -> Q:
    return Q(**{f"{field}__gte": window[0], f"{field}__lt": window[1]})


class TicketQuerySet(FactQuerySet):
    """Ticket queries."""

    def opened_in(self, month: dt.date) -> TicketQuerySet:
        """Tickets opened in the organisation-local month containing a date."""
        return self.filter(_during("opened_at", month_window(month)))

    def resolved_in(self, month: dt.date) -> TicketQuerySet:
        """Tickets resolved in the organisation-local month containing a date."""
        return self.filter(_during("resolved_at", month_window(month)))

    def open_at(self, instant: dt.datetime) -> TicketQuerySet:
        """Tickets opened at or before an instant and not yet resolved at it."""
        return self.filter(Q(opened_at__lte=instant), Q(resolved_at__isnull=True) | Q(resolved_at__gt=instant))

    def backlog_of(self, month: dt.date) -> TicketQuerySet:
        """Tickets still open at the end of the month (opened before it ends, resolved after, or never)."""
        end = month_window(month)[1]
        return self.filter(Q(opened_at__lt=end), Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))

    def alive_in(self, month: dt.date) -> TicketQuerySet:
        """Tickets open at some moment of the month: opened before it ends, not resolved before it starts."""
        start, end = month_window(month)
        return self.filter(Q(opened_at__lt=end), Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))

    def unresolved(self) -> TicketQuerySet:
        """Tickets not resolved yet."""
        return self.filter(resolved_at__isnull=True)

    def breached(self) -> TicketQuerySet:
        """Tickets that missed their response or resolution target (a breach stays after resolution)."""
        return self.filter(Q(response_met=False) | Q(resolution_met=False))

    def met(self) -> TicketQuerySet:
        """Resolved tickets that met their resolution target and did not miss their response target."""
        return self.filter(resolution_met=True).exclude(response_met=False)

    def running(self) -> TicketQuerySet:
        """Unresolved tickets whose clocks have not breached yet."""
        return self.unresolved().exclude(Q(response_met=False) | Q(resolution_met=False))

    def without_target(self) -> TicketQuerySet:
        """Resolved tickets that were measured against no target (no policy or no target for the priority)."""
        return self.filter(resolved_at__isnull=False, resolution_met__isnull=True).exclude(response_met=False)

    def in_state(self, state: str) -> TicketQuerySet:
        """Tickets in one SLA state: running, met, breached or no target."""
        by_state = {
            TicketState.RUNNING: self.running,
            TicketState.MET: self.met,
            TicketState.BREACHED: self.breached,
            TicketState.NO_TARGET: self.without_target,
        }
        return by_state[TicketState(state)]()


class OutageQuerySet(FactQuerySet):
    """Outage queries."""

    def unplanned(self) -> OutageQuerySet:
        """Outages that count against uptime."""
        return self.filter(planned=False)

    def ongoing(self) -> OutageQuerySet:
        """Outages not over yet."""
        return self.filter(ended_at__isnull=True)

    def overlapping(self, window: Interval) -> OutageQuerySet:
        """Outages with some downtime inside [start, end) (an ongoing one runs on)."""
        start, end = window
        return self.filter(Q(started_at__lt=end), Q(ended_at__isnull=True) | Q(ended_at__gt=start))

    def in_month(self, month: dt.date) -> OutageQuerySet:
        """Outages with some downtime in the organisation-local month containing a date."""
        return self.overlapping(month_window(month))
