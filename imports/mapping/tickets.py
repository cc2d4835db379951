"""Ticket records to ticket fields: the engagement by name (or the upload's)."""

from __future__ import annotations

from collections.abc import Sequence

from engagements.models import Engagement
from engagements.selectors import engagements_by_name
from imports.mapping import MOVE_HINT, Mapped, defaulted_warning
from imports.parsers import TicketRecord
from kernel.batches import RowProblem, stored_by_keys
from kernel.names import name_key
from sla.models import Ticket
from sla.models.tickets import check_opened_in


def _stored_engagements(fmt: str, records: Sequence[TicketRecord]) -> dict[str, tuple[int, str]]:
    """(engagement id, name) of the stored tickets sharing the records' ids (one unique-index probe per id).

    Through `stored_by_keys`, as for time entries: an `external_id IN (...)`
    filter was planned on `source` alone in a long import and read every row of the source per chunk.
    """
    stored = stored_by_keys(Ticket, [(fmt, r.external_id) for r in records])
    if not stored:
        return {}
    names = dict(Engagement.objects.filter(pk__in={t.engagement_id for t in stored.values()}).values_list("pk", "name"))
    return {external_id: (t.engagement_id, names[t.engagement_id]) for (_, external_id), t in stored.items()}


def _refusal(
    record: TicketRecord, target: Engagement, stored: dict[str, tuple[int, str]], move: bool
) -> RowProblem | None:
    """Why the ticket cannot go to `target`: opened before the engagement began, or stored under another."""
    # The model's own rule (and words), checked before the move question so the line names the real problem.
    opening = check_opened_in(target, record.opened_at)
    if opening:
        return RowProblem(record.row, "opened_at", opening["opened_at"])
    before = stored.get(record.external_id)
    if before is not None and before[0] != target.pk and not move:
        message = (
            f"This ticket was imported before under {before[1]}; importing it under {target.name} "
            f"would move it: {MOVE_HINT}."
        )
        return RowProblem(record.row, "engagement", message)
    return None


def ticket_records_map(
    *,
    records: Sequence[TicketRecord],
    fmt: str,
    engagement: Engagement | None,
    move: bool = False,
    by_name: dict[str, Engagement] | None = None,
) -> Mapped:
    """Turn ticket records into ticket fields; a hint (Jira project, Zendesk organisation) naming no engagement
    falls back to the upload's engagement, except in the generic format where the engagement column must match.

    A ticket opened before its engagement's start is refused, like a time entry
    dated before it; one stored under another engagement is refused unless `move`.
    """
    by_name = engagements_by_name() if by_name is None else by_name
    stored = _stored_engagements(fmt, records)
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
        if target is None:
            if engagement is None:
                mapped.problems.append(RowProblem(record.row, "engagement", "The row names no engagement; choose one."))
                continue
            if record.engagement_hint:
                defaulted.add(record.engagement_hint)
            target = engagement
        refusal = _refusal(record, target, stored, move)
        if refusal is not None:
            mapped.problems.append(refusal)
            continue
        before = stored.get(record.external_id)
        if before is not None and before[0] != target.pk:
            mapped.moved[record.row] = (before[1], target.name)
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
    mapped.defaulted = defaulted
    mapped.warnings += defaulted_warning("Names matching no engagement", engagement, defaulted)
    return mapped
