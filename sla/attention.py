"""What needs a person's attention in the SLA records: long-open outages, tickets about to breach, a month's loose ends.

Reads for the operations home and the month-close checks, each a constant number of queries whatever the volume.
The tickets' clocks are computed as of now with the same maths as the stored ones (sla.services.clocks),
so a ticket shows here before the next scheduled clock refresh has run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from kernel.months import month_window
from sla.models import Outage, Ticket, TicketPause
from sla.selectors import policy_timelines_for
from sla.services.clocks import clock_values

# An outage still open after this long was probably never closed in the records.
OUTAGE_OPEN_TOO_LONG = dt.timedelta(days=1)
# A running clock with less than this share of its target left is about to breach.
NEAR_BREACH_SHARE = Decimal("0.25")


def outages_open_since(before: dt.datetime) -> QuerySet[Outage]:
    """Outages still ongoing that started before an instant, oldest first, with their service and engagement."""
    return (
        Outage.objects.filter(ended_at__isnull=True, started_at__lt=before)
        .select_related("service__engagement")
        .order_by("started_at", "pk")
    )


def long_open_outages(now: dt.datetime | None = None) -> QuerySet[Outage]:
    """Outages ongoing for more than a day (OUTAGE_OPEN_TOO_LONG)."""
    return outages_open_since((now or timezone.now()) - OUTAGE_OPEN_TOO_LONG)


@dataclass(frozen=True)
class NearBreach:
    """A running ticket clock with under a quarter of its target left (or already past it since the last refresh)."""

    ticket: Ticket
    clock: str  # "response" or "resolution"
    target_minutes: int
    left_minutes: Decimal  # business minutes; negative once past the target

    @property
    def left_share(self) -> Decimal:
        return self.left_minutes / self.target_minutes


def tickets_near_breach(now: dt.datetime | None = None, share: Decimal = NEAR_BREACH_SHARE) -> list[NearBreach]:
    """Unresolved, not yet breached tickets whose running clock has less than `share` of its target left.

    The clock that still runs is the response clock until a first response, then the resolution clock; the
    tightest one counts. Least time left first. Five queries for the policies plus two, whatever the count.
    """
    now = now or timezone.now()
    tickets = list(
        Ticket.objects.unresolved()
        .exclude(Q(response_met=False) | Q(resolution_met=False))
        .filter(opened_at__lte=now)
        .select_related("engagement")
        .order_by("opened_at", "pk")
    )
    if not tickets:
        return []
    pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for ticket_id, started_at, ended_at in TicketPause.objects.filter(ticket__in=[t.pk for t in tickets]).values_list(
        "ticket_id", "started_at", "ended_at"
    ):
        pauses[ticket_id].append((started_at, ended_at))
    timelines = policy_timelines_for({ticket.engagement_id for ticket in tickets})
    found = []
    for ticket in tickets:
        policy = timelines.policy_on(ticket.engagement_id, timezone.localdate(ticket.opened_at))
        target = policy.target_for(ticket.priority) if policy else None
        if policy is None or target is None:
            continue
        values = clock_values(
            ticket=ticket, pauses=pauses[ticket.pk], policy=policy, calendar=timelines.calendar_of(policy), now=now
        )
        running = [("resolution", target.resolution_minutes)]
        if ticket.first_response_at is None:
            running.insert(0, ("response", target.response_minutes))
        candidates = [
            NearBreach(ticket, clock, minutes, values[f"{clock}_slack_minutes"])
            for clock, minutes in running
            if values[f"{clock}_slack_minutes"] is not None
        ]
        tightest = min(candidates, key=lambda c: c.left_share, default=None)
        if tightest is not None and tightest.left_share < share:
            found.append(tightest)
    return sorted(found, key=lambda c: (c.left_minutes, c.ticket.pk))


def open_outages_in(month: dt.date) -> QuerySet[Outage]:
    """Outages that started before the month ended and are still ongoing (the month's downtime is not final)."""
    return outages_open_since(month_window(month)[1])


def unresolved_tickets_of(month: dt.date) -> QuerySet[Ticket]:
    """Tickets opened before the month ended and not resolved yet (their outcome for the month may still move)."""
    return (
        Ticket.objects.unresolved()
        .filter(opened_at__lt=month_window(month)[1])
        .select_related("engagement")
        .order_by("opened_at", "pk")
    )
