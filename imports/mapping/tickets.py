"""Ticket records to ticket fields: the engagement by name (or the upload's)."""

from __future__ import annotations

from collections.abc import Sequence

from engagements.models import Engagement
from engagements.selectors import engagements_by_name
from imports.mapping import Mapped
from imports.parsers import TicketRecord
from kernel.batches import RowProblem
from kernel.names import name_key


def ticket_records_map(*, records: Sequence[TicketRecord], fmt: str, engagement: Engagement | None) -> Mapped:
    """Turn ticket records into ticket fields; a hint (Jira project, Zendesk organisation) naming no engagement
    falls back to the upload's engagement, except in the generic format where the engagement column must match."""
    by_name = engagements_by_name()
    mapped = Mapped()
    defaulted: set[str] = set()
    for record in records:
        target = by_name.get(name_key(record.engagement_hint)) if record.engagement_hint else None
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
