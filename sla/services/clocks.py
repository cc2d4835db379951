"""SLA clocks of tickets: computed from the facts and stored on the ticket, one ticket or a month at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from engagements.services.marks import mark_months_changed
from kernel.facts import MonthKey
from kernel.months import current_month, month_of, months_between
from kernel.services import atomic_service
from sla.calendar import clocks as clock
from sla.calendar.coverage import CoverageCalendar
from sla.models import SLAPolicy, Ticket, TicketPause
from sla.selectors import PolicyTimelines, policy_timelines_for

_MICROS_PER_MINUTE = Decimal(60_000_000)
_CENT = Decimal("0.01")
# Changes to these move a month's ticket outcomes; slack and due times of a
# running ticket move with the clock and change no monthly figure.
_OUTCOME_FIELDS = ("policy_id", "response_met", "resolution_met", "response_elapsed", "resolution_elapsed")
# Tickets fetched and written per batch by the refresh of all running clocks.
RUNNING_BATCH = 5_000


def _minutes(span: dt.timedelta) -> Decimal:
    """Return a duration as minutes rounded to cents of a minute, half up."""
    return (Decimal(span // dt.timedelta(microseconds=1)) / _MICROS_PER_MINUTE).quantize(_CENT, ROUND_HALF_UP)


def clock_values(
    *,
    ticket: Ticket,
    pauses: Sequence[tuple[dt.datetime, dt.datetime | None]],
    policy: SLAPolicy | None,
    calendar: CoverageCalendar,
    now: dt.datetime,
) -> dict[str, Any]:
    """Return the clock columns of a ticket (keyed by attname) under a policy and its calendar."""
    # A running pause pauses the clock up to now (or the resolution); the
    # response clock stops at the first response, or at the resolution when
    # a ticket was resolved without one (it cannot run forever).
    pause_end = ticket.resolved_at or now
    paused = [(start, end or pause_end) for start, end in pauses]
    response_stop = ticket.first_response_at or ticket.resolved_at
    values: dict[str, Any] = dict.fromkeys((field.attname for field in Ticket.clock_fields()), None)
    values["policy_id"] = policy.pk if policy else None
    target = policy.target_for(ticket.priority) if policy else None
    if target is None:
        # No target: no verdict, but the business (or 24x7) time still feeds MTTR.
        values["response_elapsed"] = clock.business_elapsed(calendar, ticket.opened_at, response_stop or now)
        values["resolution_elapsed"] = clock.business_elapsed(calendar, ticket.opened_at, pause_end, paused)
        return values
    for name, stop, minutes, clock_pauses in (
        ("response", response_stop, target.response_minutes, ()),
        ("resolution", ticket.resolved_at, target.resolution_minutes, paused),
    ):
        budget = dt.timedelta(minutes=minutes)
        result = clock.evaluate(calendar, ticket.opened_at, stop, now, budget, clock_pauses)
        values[f"{name}_met"] = result.met
        values[f"{name}_elapsed"] = result.elapsed
        values[f"{name}_slack_minutes"] = _minutes(result.slack)
        if not calendar.never_open():
            values[f"{name}_due_at"] = clock.deadline(calendar, ticket.opened_at, budget, clock_pauses)
    return values


def _differs(ticket: Ticket, values: dict[str, Any], names: Iterable[str]) -> bool:
    return any(getattr(ticket, name) != values[name] for name in names)


def _outcome_months(ticket: Ticket) -> set[MonthKey]:
    """Return the months whose outcomes use a ticket's verdicts: the month it opened and the one it was resolved."""
    keys = {(ticket.engagement_id, month_of(ticket.opened_at))}
    if ticket.resolved_at:
        keys.add((ticket.engagement_id, month_of(ticket.resolved_at)))
    return keys


def _write_clocks(tickets: Sequence[Ticket]) -> None:
    """Store the clock columns of tickets with one statement run for every row."""
    # One executemany, not bulk_update: Django caps an SQLite statement at 999
    # parameters, so bulk_update would split 10,000 tickets into ~80 queries.
    # The period-lock guards and the audit trail are not run: these columns
    # are derived from audited facts and change no fact of a closed month
    # (the months whose outcomes they move are marked by the caller).
    if not tickets:
        return
    connection = connections[Ticket.objects.db]
    fields = Ticket.clock_fields()
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(Ticket._meta.db_table)} SET {assignments} WHERE {quote(Ticket._meta.pk.column)} = %s"
    params = [
        [field.get_db_prep_save(getattr(ticket, field.attname), connection) for field in fields] + [ticket.pk]
        for ticket in tickets
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _refresh(
    tickets: Sequence[Ticket],
    pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]],
    timelines: PolicyTimelines,
    now: dt.datetime,
) -> int:
    """Recompute tickets' clocks in memory, write the changed ones and mark the months they move."""
    changed: list[Ticket] = []
    months: set[MonthKey] = set()
    for ticket in tickets:
        policy = timelines.policy_on(ticket.engagement_id, timezone.localdate(ticket.opened_at))
        values = clock_values(
            ticket=ticket,
            pauses=pauses.get(ticket.pk, []),
            policy=policy,
            calendar=timelines.calendar_of(policy),
            now=now,
        )
        if not _differs(ticket, values, values):
            continue
        if _differs(ticket, values, _OUTCOME_FIELDS):
            months |= _outcome_months(ticket)
        for name, value in values.items():
            setattr(ticket, name, value)
        changed.append(ticket)
    _write_clocks(changed)
    mark_months_changed(months, reason="SLA clocks changed")
    return len(changed)


@atomic_service
def ticket_clock_refresh(*, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Recompute and store one ticket's clocks under the policy in effect on its opened date."""
    pauses = list(TicketPause.objects.filter(ticket_id=ticket.pk).values_list("started_at", "ended_at"))
    timelines = policy_timelines_for([ticket.engagement_id])
    _refresh([ticket], {ticket.pk: pauses}, timelines, now or timezone.now())
    return ticket


def _refresh_queryset(tickets: QuerySet[Ticket], engagement_ids: list[int], now: dt.datetime) -> int:
    """Refresh the clocks of a ticket queryset with a constant number of queries."""
    rows = list(tickets)
    if not rows:
        return 0
    pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    # Filter pauses by the same conditions rather than a list of ids, so
    # 10,000 tickets do not become 10,000 query parameters.
    for ticket_id, started_at, ended_at in TicketPause.objects.filter(ticket__in=tickets).values_list(
        "ticket_id", "started_at", "ended_at"
    ):
        pauses[ticket_id].append((started_at, ended_at))
    return _refresh(rows, pauses, policy_timelines_for(engagement_ids), now)


@atomic_service
def ticket_clocks_refresh(*, engagement_ids: list[int], month: dt.date, now: dt.datetime | None = None) -> int:
    """Recompute the clocks of every ticket of engagements open at some moment of a month; return how many changed."""
    ids = list(engagement_ids)
    if not ids:
        return 0
    tickets = Ticket.objects.filter(engagement_id__in=ids).alive_in(month).order_by()
    return _refresh_queryset(tickets, ids, now or timezone.now())


def ticket_clocks_refresh_since(*, engagement_ids: list[int], since: dt.date, now: dt.datetime | None = None) -> int:
    """Recompute the clocks of engagements' tickets month by month from a date to the current month."""
    now = now or timezone.now()
    return sum(
        ticket_clocks_refresh(engagement_ids=engagement_ids, month=month, now=now)
        for month in months_between(since, max(current_month(), month_of(since)))
    )


def ticket_clocks_refresh_running(*, now: dt.datetime | None = None, batch_size: int = RUNNING_BATCH) -> int:
    """Recompute the clocks of every unresolved ticket (a breach happens with time, not with a write)."""
    now = now or timezone.now()
    changed, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = Ticket.objects.unresolved().filter(pk__gt=last_pk).order_by("pk")[:batch_size]
            pks = list(batch.values_list("pk", flat=True))
            if not pks:
                return changed
            tickets = Ticket.objects.filter(pk__gte=pks[0], pk__lte=pks[-1]).unresolved()
            engagement_ids = list(tickets.order_by().values_list("engagement_id", flat=True).distinct())
            changed += _refresh_queryset(tickets.order_by(), engagement_ids, now)
            last_pk = pks[-1]
