"""Services for tickets and their pauses; every write refreshes the ticket's SLA clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError

from engagements.models import Engagement
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.models import PauseReason, Ticket, TicketPause
from sla.models.tickets import local_label
from sla.services.clocks import ticket_clock_refresh

# The fields a person or an import records; the clock columns are computed.
TICKET_FIELDS = (
    "engagement",
    "priority",
    "category",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "summary",
    "source",
    "external_id",
)
PAUSE_FIELDS = ("ticket", "started_at", "ended_at", "reason")


class PauseSpec(TypedDict):
    """One pause as the API and importers give it."""

    started_at: dt.datetime
    ended_at: dt.datetime | None
    reason: NotRequired[str]


def _end_running_pause_at_resolution(ticket: Ticket) -> None:
    """End a pause still running when its ticket is resolved: the wait is over once the ticket is."""
    if ticket.pk is None or ticket.resolved_at is None:
        return
    running = TicketPause.objects.filter(ticket_id=ticket.pk, ended_at__isnull=True).first()
    if running is not None and running.started_at < ticket.resolved_at:
        running.ticket = ticket
        running.ended_at = ticket.resolved_at
        validated_save(running)


@atomic_service
def ticket_save(*, ticket: Ticket) -> Ticket:
    """Validate and save a ticket built elsewhere (the admin's form), then refresh its clocks."""
    _end_running_pause_at_resolution(ticket)
    validated_save(ticket)
    return ticket_clock_refresh(ticket=ticket)


@atomic_service
def ticket_create(
    *,
    engagement: Engagement,
    priority: str,
    category: str,
    opened_at: dt.datetime,
    first_response_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
    summary: str = "",
    source: str = "",
    external_id: str = "",
    pauses: Sequence[PauseSpec] = (),
) -> Ticket:
    """Record a ticket (with its pauses) and compute its clocks."""
    ticket = Ticket(
        engagement=engagement,
        priority=priority,
        category=category,
        opened_at=opened_at,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        summary=summary,
        source=source,
        external_id=external_id,
    )
    ticket_save(ticket=ticket)
    if pauses:
        ticket_pauses_set(ticket=ticket, pauses=pauses)
    return ticket


@atomic_service
def ticket_update(*, ticket: Ticket, pauses: Sequence[PauseSpec] | None = None, **fields: Any) -> Ticket:
    """Change a ticket's recorded fields and, when given, replace its pauses.

    A pause still running ends when the ticket is resolved.
    """
    assign(ticket, fields, allowed=TICKET_FIELDS)
    ticket = ticket_save(ticket=ticket)
    if pauses is not None:
        ticket_pauses_set(ticket=ticket, pauses=pauses)
    return ticket


@atomic_service
def ticket_upsert(*, source: str, external_id: str, **fields: Any) -> tuple[Ticket, str]:
    """Create or update the ticket with this source and external id; return it and created/updated/unchanged."""
    if not external_id:
        raise ValidationError({"external_id": "An external id is needed to match a ticket on import."})
    pauses = fields.pop("pauses", None)
    ticket = Ticket.objects.filter(source=source, external_id=external_id).first()
    if ticket is None:
        return ticket_create(source=source, external_id=external_id, pauses=pauses or (), **fields), "created"
    changed = any(getattr(ticket, name) != value for name, value in fields.items())
    if changed:
        ticket_update(ticket=ticket, **fields)
    if pauses is not None and ticket_pauses_set(ticket=ticket, pauses=pauses):
        changed = True
    return ticket, "updated" if changed else "unchanged"


@atomic_service
def ticket_delete(*, ticket: Ticket) -> None:
    """Delete a ticket and its pauses (each deletion audited)."""
    TicketPause.objects.filter(ticket_id=ticket.pk).delete()
    validated_delete(ticket)


@atomic_service
def ticket_pause_save(*, pause: TicketPause) -> TicketPause:
    """Validate and save a pause built elsewhere (the admin's inline), then refresh its ticket's clocks."""
    validated_save(pause)
    ticket_clock_refresh(ticket=pause.ticket)
    return pause


@atomic_service
def ticket_pause_create(
    *,
    ticket: Ticket,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    reason: str = PauseReason.WAITING_ON_CUSTOMER,
) -> TicketPause:
    """Pause a ticket's resolution clock from a moment (to another, or until ended)."""
    return ticket_pause_save(pause=TicketPause(ticket=ticket, started_at=started_at, ended_at=ended_at, reason=reason))


@atomic_service
def ticket_pause_update(*, pause: TicketPause, **fields: Any) -> TicketPause:
    """Change a pause (e.g. end it) and refresh its ticket's clocks."""
    assign(pause, fields, allowed=PAUSE_FIELDS)
    return ticket_pause_save(pause=pause)


@atomic_service
def ticket_pause_delete(*, pause: TicketPause) -> None:
    """Delete a pause and refresh its ticket's clocks."""
    ticket = pause.ticket
    validated_delete(pause)
    ticket_clock_refresh(ticket=ticket)


def check_pauses_apart(ordered: Sequence[PauseSpec]) -> None:
    """Refuse a set of pauses in which one overlaps the next (touching is fine)."""
    for earlier, later in pairwise(ordered):
        end = earlier["ended_at"]
        if end is None or end > later["started_at"]:
            raise ValidationError(
                {
                    "pauses": f"The pause from {local_label(earlier['started_at'])} overlaps the next one "
                    f"(from {local_label(later['started_at'])})."
                }
            )


@atomic_service
def ticket_pauses_set(*, ticket: Ticket, pauses: Sequence[PauseSpec]) -> bool:
    """Make a ticket's pauses exactly these (matched on start); return whether anything changed."""
    wanted = {spec["started_at"]: spec for spec in pauses}
    if len(wanted) != len(pauses):
        raise ValidationError({"pauses": "Two pauses of this ticket start at the same moment."})
    check_pauses_apart(sorted(wanted.values(), key=lambda spec: spec["started_at"]))
    existing = {pause.started_at: pause for pause in TicketPause.objects.filter(ticket_id=ticket.pk)}
    stale = [pause.pk for start, pause in existing.items() if start not in wanted]
    changed = bool(stale)
    if stale:
        TicketPause.objects.filter(pk__in=stale).delete()
    # Ordered by start, so each pause is checked against the ones already in place.
    for start in sorted(wanted):
        spec = wanted[start]
        reason = spec.get("reason", PauseReason.WAITING_ON_CUSTOMER)
        pause = existing.get(start) or TicketPause(ticket=ticket, started_at=start)
        if pause.pk and (pause.ended_at, pause.reason) == (spec["ended_at"], reason):
            continue
        pause.ticket, pause.ended_at, pause.reason = ticket, spec["ended_at"], reason
        validated_save(pause)
        changed = True
    if changed:
        ticket_clock_refresh(ticket=ticket)
    return changed


TICKET = WriteServices(create=ticket_create, update=ticket_update, delete=ticket_delete, instance="ticket")
TICKET_PAUSE = WriteServices(
    create=ticket_pause_create, update=ticket_pause_update, delete=ticket_pause_delete, instance="pause"
)
