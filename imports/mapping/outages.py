"""Outage records to outage fields: monitors to monitored services by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from engagements.models import Engagement
from imports.mapping import Mapped
from imports.parsers import OutageRecord
from kernel.batches import RowProblem
from kernel.names import name_key
from sla.models import MonitoredService


def outage_records_map(
    *, records: Sequence[OutageRecord], fmt: str, engagement: Engagement | None, **_: object
) -> Mapped:
    """Turn outage records into outage fields; the monitor must name one monitored service (of the upload's
    engagement when one is chosen)."""
    services = MonitoredService.objects.select_related("engagement")
    if engagement is not None:
        services = services.filter(engagement=engagement)
    by_name: dict[str, list[MonitoredService]] = defaultdict(list)
    for service in services:
        by_name[name_key(service.name)].append(service)
    mapped = Mapped()
    for record in records:
        matches = by_name.get(name_key(record.monitor), [])
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
