"""Tickets and outages in bulk: the upserts on (source, external_id) behind the API's list POSTs and file imports.

A batch is validated and written as a whole with a constant number of
queries (beyond one per 500 rows for the lookups and bulk writes), like
time entries (engagements.services.ingest): the stored rows are found
through the (source, external_id) unique index, each row is checked with its
model's own field rules and `clean()` (no query), the closed months once per
distinct month, then the rows are bulk written through the write pipeline
(audit trail and month marks in bulk) and the tickets' SLA clocks computed
for the batch at once. All or nothing unless the caller asks for a partial
write; each problem names its row. A row without an external id is always
created.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone

from engagements.models import Engagement
from kernel.batches import (
    CHUNK,
    CREATED,
    UNCHANGED,
    UPDATED,
    BatchRejected,
    RowProblem,
    UpsertOutcome,
    duplicate_keys,
    problems_of,
    stored_by_keys,
)
from kernel.facts import RecordedFact
from kernel.months import month_of
from kernel.services import translate_database_error
from sla.models import MonitoredService, Outage, PauseReason, Ticket, TicketPause
from sla.selectors import policy_timelines_for
from sla.services.clocks import _refresh
from sla.services.monitoring import OUTAGE_FIELDS
from sla.services.tickets import TICKET_FIELDS, check_pauses_apart

Rows = Sequence[tuple[int, dict[str, Any]]]
Pause = tuple[dt.datetime, dt.datetime | None, str]


# --- shared steps ---------------------------------------------------------------------------------


def _same(stored: models.Model, name: str, value: Any) -> bool:
    """Return whether a stored row already has a value (a related object compared by id, with no query)."""
    field = stored._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(stored, field.attname) == getattr(value, "pk", value)
    return getattr(stored, name) == value


def _snapshot(obj: RecordedFact, engagement_id: int | None) -> dict[str, Any]:
    """Return an unsaved or changed row as the write pipeline sees it (its columns and its engagement)."""
    row = {name: getattr(obj, name) for name in type(obj).audited_attnames()}
    row["_engagement"] = engagement_id
    return row


def _check_closed_months(
    model: type[RecordedFact],
    changed: Sequence[tuple[int, RecordedFact]],
    old: dict[int, dict[str, Any]],
    engagement_of: Callable[[Any], int | None],
) -> list[RowProblem]:
    """Refuse rows that touch a closed month (one guard run per distinct month of the batch)."""
    rows_by_month: dict[dt.date, set[int]] = defaultdict(set)
    keys_by_month: dict[dt.date, set[tuple[int, dt.date]]] = defaultdict(set)
    for row, obj in changed:
        for key in model.guarded_keys(old.get(row), _snapshot(obj, engagement_of(obj))):
            keys_by_month[month_of(key[1])].add(key)
            rows_by_month[month_of(key[1])].add(row)
    problems = []
    for month, keys in sorted(keys_by_month.items()):
        try:
            model.check_guards(keys)
        except ValidationError as exc:
            problems += [
                RowProblem(row, None, message) for row in sorted(rows_by_month[month]) for message in exc.messages
            ]
    return problems


def _write(write: Callable[[], None]) -> None:
    """Run a batch's bulk writes; a database rule that fires (a race this batch lost) refuses the batch."""
    try:
        with transaction.atomic():
            write()
    except (IntegrityError, DatabaseError) as exc:
        error = translate_database_error(exc)
        if error is None:
            if isinstance(exc, IntegrityError):
                message = "Another request stored some of these rows meanwhile; send the batch again."
                raise BatchRejected([RowProblem(None, None, message)]) from exc
            raise
        raise BatchRejected(problems_of(None, error)) from exc
    except ValidationError as exc:
        raise BatchRejected(problems_of(None, exc)) from exc


def _validate(row: int, obj: models.Model, exclude: list[str]) -> list[RowProblem]:
    """Apply a model's field rules and clean() to one row, without queries."""
    try:
        obj.clean_fields(exclude=exclude)
        obj.clean()
    except ValidationError as exc:
        return problems_of(row, exc)
    return []


def _finish(
    rows: Sequence[int], result: dict[int, Any], statuses: dict[int, str], problems: list[RowProblem]
) -> UpsertOutcome:
    outcome = UpsertOutcome(problems=problems)
    bad = {p.row for p in problems}
    for row in rows:
        if row in result and row not in bad:
            outcome.add(row, result[row], statuses[row])
    return outcome


# --- tickets --------------------------------------------------------------------------------------


class _TicketBatch:
    """One batch of tickets: what each row asks, what is stored, and the pauses each ticket ends with."""

    def __init__(self, items: Rows) -> None:
        self.items = items
        self.keys = [(row, fields.get("source", ""), fields.get("external_id", "")) for row, fields in items]
        self.stored = stored_by_keys(Ticket, [(source, eid) for _, source, eid in self.keys])
        stored_ids = [ticket.pk for ticket in self.stored.values()]
        self.stored_pauses: dict[int, list[TicketPause]] = defaultdict(list)
        for chunk_start in range(0, len(stored_ids), CHUNK):
            chunk = stored_ids[chunk_start : chunk_start + CHUNK]
            for pause in TicketPause.objects.filter(ticket_id__in=chunk).order_by("started_at"):
                self.stored_pauses[pause.ticket_id].append(pause)
        self.statuses: dict[int, str] = {}
        self.result: dict[int, Ticket] = {}
        self.old: dict[int, dict[str, Any]] = {}
        self.changed: list[tuple[int, Ticket]] = []
        # Per changed ticket (by row): the pauses it ends with, when they change.
        self.pauses: dict[int, list[Pause]] = {}
        self.engagements: dict[int, Engagement] = {}

    def plan(self) -> list[RowProblem]:
        """Decide each row's status and check it; return the problems."""
        problems = duplicate_keys(self.keys)
        repeated = {p.row for p in problems}
        for row, given in self.items:
            if row in repeated:
                continue
            fields = dict(given)
            wanted = fields.pop("pauses", None)
            stored = self.stored.get((fields.get("source", ""), fields.get("external_id", "")))
            if stored is None or not fields.get("external_id"):
                problems += self._plan_create(row, fields, wanted)
            else:
                problems += self._plan_update(row, stored, fields, wanted)
        return problems

    def _plan_create(
        self, row: int, fields: dict[str, Any], wanted: Sequence[dict[str, Any]] | None
    ) -> list[RowProblem]:
        ticket = Ticket(**{name: value for name, value in fields.items() if name in TICKET_FIELDS})
        self.statuses[row], self.result[row] = CREATED, ticket
        self.changed.append((row, ticket))
        pauses = [_pause(spec) for spec in wanted or ()]
        if pauses:
            self.pauses[row] = pauses
        return _validate(row, ticket, ["engagement", "policy"]) or _check_pauses(row, ticket, pauses, "pauses")

    def _plan_update(
        self, row: int, stored: Ticket, fields: dict[str, Any], wanted: Sequence[dict[str, Any]] | None
    ) -> list[RowProblem]:
        before = _snapshot(stored, stored.engagement_id)
        current = [(p.started_at, p.ended_at, p.reason) for p in self.stored_pauses.get(stored.pk, [])]
        fields_changed = not all(_same(stored, name, value) for name, value in fields.items())
        if fields_changed:
            for name, value in fields.items():
                setattr(stored, name, value)
        if wanted is not None:
            pauses = sorted(_pause(spec) for spec in wanted)
        else:
            # A pause still running ends when the ticket is resolved (ticket_save does the same).
            resolved = stored.resolved_at
            pauses = [
                (start, resolved if end is None and resolved is not None and start < resolved else end, reason)
                for start, end, reason in current
            ]
        pauses_changed = sorted(pauses) != sorted(current)
        self.result[row] = stored
        if not fields_changed and not pauses_changed:
            self.statuses[row] = UNCHANGED
            return []
        self.statuses[row] = UPDATED
        self.old[row] = before
        self.changed.append((row, stored))
        if pauses_changed:
            self.pauses[row] = pauses
        # Validated as a new row would be: its stored pauses are checked below against the final times.
        probe = Ticket(
            **{f.attname: getattr(stored, f.attname) for f in Ticket._meta.concrete_fields if not f.primary_key}
        )
        # Its engagement too, for the opening's rule (no query: given with the row or loaded for the batch).
        probe.engagement = self._engagement_of(stored)
        field = "pauses" if wanted is not None else "resolved_at"
        return _validate(row, probe, ["engagement", "policy"]) or _check_pauses(row, stored, pauses, field)

    def _engagement_of(self, stored: Ticket) -> Engagement:
        """Return a stored ticket's engagement: the row's own if it names one, else one loaded for the batch."""
        if Ticket.engagement.is_cached(stored):
            engagement: Engagement = stored.engagement
            return engagement
        if stored.engagement_id not in self.engagements:
            # Once per batch: the engagements of every stored ticket whose row names none.
            wanted = {
                ticket.engagement_id for ticket in self.stored.values() if not Ticket.engagement.is_cached(ticket)
            }
            self.engagements.update(Engagement.objects.in_bulk(wanted))
        return self.engagements[stored.engagement_id]

    def write(self) -> None:
        creates = [ticket for row, ticket in self.changed if self.statuses[row] == CREATED]
        updates = [ticket for row, ticket in self.changed if self.statuses[row] == UPDATED]
        if creates:
            Ticket.objects.bulk_create(creates, batch_size=CHUNK)
        if updates:
            names = [name for name in TICKET_FIELDS if name not in ("source", "external_id")]
            Ticket.objects.bulk_update(updates, names, batch_size=CHUNK)
        self._write_pauses()

    def _write_pauses(self) -> None:
        """Make each changed ticket's pauses the planned ones: stale ones deleted, new ones created, others changed."""
        stale: list[int] = []
        new: list[TicketPause] = []
        changed: list[TicketPause] = []
        for row, ticket in self.changed:
            if row not in self.pauses:
                continue
            stored = {pause.started_at: pause for pause in self.stored_pauses.get(ticket.pk, [])}
            wanted = {start: (end, reason) for start, end, reason in self.pauses[row]}
            stale += [pause.pk for start, pause in stored.items() if start not in wanted]
            for start, (end, reason) in wanted.items():
                pause = stored.get(start)
                if pause is None:
                    new.append(TicketPause(ticket=ticket, started_at=start, ended_at=end, reason=reason))
                elif (pause.ended_at, pause.reason) != (end, reason):
                    pause.ended_at, pause.reason = end, reason
                    changed.append(pause)
        if stale:
            TicketPause.objects.filter(pk__in=stale).delete()
        if changed:
            TicketPause.objects.bulk_update(changed, ["ended_at", "reason"], batch_size=CHUNK)
        if new:
            TicketPause.objects.bulk_create(new, batch_size=CHUNK)

    def refresh_clocks(self) -> None:
        """Compute the changed tickets' clocks at once (policies loaded once for the batch's engagements)."""
        tickets = [ticket for _, ticket in self.changed]
        if not tickets:
            return
        pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
        for row, ticket in self.changed:
            if row in self.pauses:
                pauses[ticket.pk] = [(start, end) for start, end, _ in self.pauses[row]]
            else:
                pauses[ticket.pk] = [(p.started_at, p.ended_at) for p in self.stored_pauses.get(ticket.pk, [])]
        timelines = policy_timelines_for({ticket.engagement_id for ticket in tickets})
        _refresh(tickets, pauses, timelines, timezone.now())


def _pause(spec: dict[str, Any]) -> Pause:
    return (spec["started_at"], spec.get("ended_at"), spec.get("reason") or PauseReason.WAITING_ON_CUSTOMER)


def _check_pauses(row: int, ticket: Ticket, pauses: Sequence[Pause], field: str) -> list[RowProblem]:
    """Check the pauses a ticket ends with: each inside the ticket's life, none overlapping, no start twice."""
    if not pauses:
        return []
    if len({start for start, _, _ in pauses}) != len(pauses):
        return [RowProblem(row, "pauses", "Two pauses of this ticket start at the same moment.")]
    try:
        check_pauses_apart(
            [{"started_at": start, "ended_at": end, "reason": reason} for start, end, reason in sorted(pauses)]
        )
    except ValidationError as exc:
        return problems_of(row, exc)
    for start, end, reason in pauses:
        pause = TicketPause(started_at=start, ended_at=end, reason=reason)
        try:
            pause.clean_fields(exclude=["ticket"])
        except ValidationError as exc:
            return problems_of(row, exc)
        errors = pause._check_inside_ticket(ticket)
        if errors:
            return [RowProblem(row, field, message) for message in errors.values()]
    return []


def tickets_upsert(*, items: Rows, partial: bool = False) -> UpsertOutcome:
    """Create or update tickets (row, fields) on (source, external_id) as one batch; all or nothing unless partial.

    `fields` are the ticket's recorded fields (the engagement as an object)
    and, optionally, `pauses` (dicts of started_at, ended_at, reason): when
    given they become the ticket's pauses exactly.
    """
    with transaction.atomic():
        batch = _TicketBatch(items)
        problems = batch.plan()
        if not problems:
            problems = _check_closed_months(Ticket, batch.changed, batch.old, lambda ticket: ticket.engagement_id)
        if problems and not partial:
            raise BatchRejected(problems)
        bad = {p.row for p in problems}
        batch.changed = [(row, ticket) for row, ticket in batch.changed if row not in bad]
        _write(batch.write)
        batch.refresh_clocks()
        return _finish([row for row, _ in items], batch.result, batch.statuses, problems)


# --- outages --------------------------------------------------------------------------------------


def outages_upsert(*, items: Rows, partial: bool = False) -> UpsertOutcome:
    """Create or update outages (row, fields) on (source, external_id) as one batch; all or nothing unless partial."""
    with transaction.atomic():
        keys = [(row, fields.get("source", ""), fields.get("external_id", "")) for row, fields in items]
        stored_by_key = stored_by_keys(Outage, [(source, eid) for _, source, eid in keys])
        # Each service's engagement, for the months the rows touch (one query; stored rows' services too).
        services = {getattr(f.get("service"), "pk", f.get("service")) for _, f in items}
        services |= {outage.service_id for outage in stored_by_key.values()}
        engagement_of_service = dict(
            MonitoredService.objects.filter(pk__in=services).values_list("pk", "engagement_id")
        )

        def engagement_of(outage: Outage) -> int | None:
            return engagement_of_service.get(outage.service_id)

        problems = duplicate_keys(keys)
        repeated = {p.row for p in problems}
        statuses: dict[int, str] = {}
        result: dict[int, Outage] = {}
        old: dict[int, dict[str, Any]] = {}
        changed: list[tuple[int, Outage]] = []
        for row, fields in items:
            if row in repeated:
                continue
            stored = stored_by_key.get((fields.get("source", ""), fields.get("external_id", "")))
            if stored is not None and fields.get("external_id"):
                if all(_same(stored, name, value) for name, value in fields.items()):
                    statuses[row], result[row] = UNCHANGED, stored
                    continue
                old[row] = _snapshot(stored, engagement_of(stored))
                for name, value in fields.items():
                    setattr(stored, name, value)
                outage, statuses[row] = stored, UPDATED
            else:
                outage, statuses[row] = Outage(**{k: v for k, v in fields.items() if k in OUTAGE_FIELDS}), CREATED
            result[row] = outage
            changed.append((row, outage))
            problems += _validate(row, outage, ["service"])
        if not problems:
            problems = _check_closed_months(Outage, changed, old, engagement_of)
        if problems and not partial:
            raise BatchRejected(problems)
        bad = {p.row for p in problems}
        changed = [(row, outage) for row, outage in changed if row not in bad]

        def write() -> None:
            creates = [outage for row, outage in changed if statuses[row] == CREATED]
            updates = [outage for row, outage in changed if statuses[row] == UPDATED]
            if creates:
                Outage.objects.bulk_create(creates, batch_size=CHUNK)
            if updates:
                names = [name for name in OUTAGE_FIELDS if name not in ("source", "external_id")]
                Outage.objects.bulk_update(updates, names, batch_size=CHUNK)

        _write(write)
        return _finish([row for row, _ in items], result, statuses, problems)
