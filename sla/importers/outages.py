"""Outage records to outages: monitors to monitored services by name, upserted through sla's services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from engagements.importers.mapping import Mapped, norm
from engagements.models import Engagement
from importers import OutageRecord
from kernel.batches import CREATED, RowProblem, UpsertOutcome, upsert_each
from sla.models import MonitoredService, Outage
from sla.services.monitoring import outage_create, outage_upsert


def outage_records_map(*, records: Sequence[OutageRecord], fmt: str, engagement: Engagement | None) -> Mapped:
    """Turn outage records into outage fields; the monitor must name one monitored service (of the upload's
    engagement when one is chosen)."""
    services = MonitoredService.objects.select_related("engagement")
    if engagement is not None:
        services = services.filter(engagement=engagement)
    by_name: dict[str, list[MonitoredService]] = defaultdict(list)
    for service in services:
        by_name[norm(service.name)].append(service)
    mapped = Mapped()
    for record in records:
        matches = by_name.get(norm(record.monitor), [])
        if not matches:
            where = f" of {engagement}" if engagement else ""
            mapped.problems.append(
                RowProblem(record.row, "monitor", f"No monitored service{where} is named '{record.monitor}'.")
            )
            mapped.unmatched["monitors"].add(record.monitor)
            continue
        if len(matches) > 1:
            names = ", ".join(sorted(s.engagement.name for s in matches))
            mapped.problems.append(
                RowProblem(
                    record.row, "monitor", f"Several engagements monitor '{record.monitor}' ({names}); choose one."
                )
            )
            continue
        fields = {
            "service": matches[0],
            "started_at": record.started_at,
            "ended_at": record.ended_at,
            "planned": record.planned,
            "reason": record.reason[:500],
            "source": fmt,
            "external_id": record.external_id[:200],
        }
        mapped.items.append((record.row, fields))
    return mapped


def _outage_write(fields: dict[str, Any]) -> tuple[Outage, str]:
    fields = dict(fields)
    if not fields.get("external_id"):
        fields.pop("external_id", None)
        return outage_create(**fields), CREATED
    source, external_id = fields.pop("source", ""), fields.pop("external_id")
    return outage_upsert(source=source, external_id=external_id, **fields)


def outages_write(*, items: Sequence[tuple[int, dict[str, Any]]], partial: bool = False) -> UpsertOutcome:
    """Upsert outages on (source, external_id) through sla's outage_upsert, row by row in savepoints."""
    keys = [(row, fields.get("source", ""), fields.get("external_id", "")) for row, fields in items]
    writes = [(row, lambda f=fields: _outage_write(f)) for row, fields in items]
    return upsert_each(items=writes, keys=keys, partial=partial)
