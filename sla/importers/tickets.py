"""Ticket records to tickets: the engagement by name (or the upload's), upserted through sla's services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engagements.importers.mapping import Mapped, norm
from engagements.models import Engagement
from importers import TicketRecord
from kernel.batches import CREATED, RowProblem, UpsertOutcome, upsert_each
from sla.models import Ticket
from sla.services.tickets import ticket_create, ticket_upsert


def ticket_records_map(*, records: Sequence[TicketRecord], fmt: str, engagement: Engagement | None) -> Mapped:
    """Turn ticket records into ticket fields; a hint (Jira project, Zendesk organisation) naming no engagement
    falls back to the upload's engagement, except in the generic format where the engagement column must match."""
    by_name = {norm(e.name): e for e in Engagement.objects.only("id", "name")}
    mapped = Mapped()
    defaulted: set[str] = set()
    for record in records:
        target = by_name.get(norm(record.engagement_hint)) if record.engagement_hint else None
        if target is None and record.engagement_hint and (fmt == "generic" or engagement is None):
            mapped.problems.append(
                RowProblem(record.row, "engagement", f"No engagement is named '{record.engagement_hint}'.")
            )
            mapped.unmatched["engagements"].add(record.engagement_hint)
            continue
        if target is None and engagement is None:
            mapped.problems.append(RowProblem(record.row, "engagement", "The row names no engagement; choose one."))
            continue
        if target is None:
            if record.engagement_hint:
                defaulted.add(record.engagement_hint)
            target = engagement
        fields = {
            "engagement": target,
            "priority": record.priority,
            "category": record.category,
            "opened_at": record.opened_at,
            "first_response_at": record.first_response_at,
            "resolved_at": record.resolved_at,
            "summary": record.summary[:500],
            "source": fmt,
            "external_id": record.external_id[:200],
        }
        mapped.items.append((record.row, fields))
    if defaulted:
        mapped.warnings.append(f"Names matching no engagement went to {engagement}: {', '.join(sorted(defaulted))}.")
    return mapped


def _ticket_write(fields: dict[str, Any]) -> tuple[Ticket, str]:
    fields = dict(fields)
    if not fields.get("external_id"):
        fields.pop("external_id", None)
        return ticket_create(**fields), CREATED
    source, external_id = fields.pop("source", ""), fields.pop("external_id")
    return ticket_upsert(source=source, external_id=external_id, **fields)


def tickets_write(*, items: Sequence[tuple[int, dict[str, Any]]], partial: bool = False) -> UpsertOutcome:
    """Upsert tickets on (source, external_id) through sla's ticket_upsert, row by row in savepoints."""
    keys = [(row, fields.get("source", ""), fields.get("external_id", "")) for row, fields in items]
    writes = [(row, lambda f=fields: _ticket_write(f)) for row, fields in items]
    return upsert_each(items=writes, keys=keys, partial=partial)
