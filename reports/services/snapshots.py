"""Compute and store monthly snapshots: an idempotent upsert per engagement batch.

A batch of engagements costs a constant number of queries whatever its
size: every selector of sla and billing takes the whole list at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Now
from django.utils import timezone

from billing.selectors import engagement_month_costs, is_month_closed
from engagements.models import ChangedMonth, Engagement, Milestone
from engagements.services.marks import release_changed_month
from kernel.money import exact, ratio_pct, round_pct, to_cents
from kernel.months import first_of, month_bounds
from reports.models import FIGURE_FIELDS, MonthlySnapshot
from reports.services.gaps import breach_counts_for, gaps_for
from sla.selectors import downtime_hours_for, ticket_outcomes_for, uptime_for

# Bumped when the way figures are derived from the inputs changes, so that
# every snapshot is rewritten by the next run even though its facts are the same.
FIGURES_VERSION = 2
NO_BREACHES = {"breached_tickets": 0, "response_breaches": 0, "resolution_breaches": 0}
HOURS = Decimal("0.01")


@dataclass(frozen=True)
class BatchResult:
    """What one batch did: rows written (changed), rows confirmed unchanged, rows removed, marks cleared."""

    written: int = 0
    unchanged: int = 0
    removed: int = 0
    marks_cleared: int = 0


def _str(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _milestones(ids: list[int], month: dt.date) -> dict[int, tuple[int, int]]:
    """Return {engagement: (due in the month, delivered on time and accepted)} in one query."""
    first, last = month_bounds(month)
    on_time = Q(delivered_date__isnull=False, delivered_date__lte=F("due_date"), accepted=True)
    rows = (
        Milestone.objects.filter(engagement_id__in=ids, due_date__gte=first, due_date__lte=last)
        .order_by()
        .values("engagement_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=on_time))
    )
    return {row["engagement_id"]: (row["due"], row["on_time"]) for row in rows}


def collect_inputs(engagement_ids: Sequence[int], month: dt.date) -> dict[int, dict[str, Any]]:
    """Return, per engagement, everything its snapshot is computed from (the selectors' outputs), as JSON."""
    ids = list(engagement_ids)
    if not ids:
        return {}
    costs = engagement_month_costs(ids, month)
    uptimes = uptime_for(ids, month)
    outcomes = ticket_outcomes_for(ids, month)
    downtime = downtime_hours_for(ids, month)
    milestones = _milestones(ids, month)
    cost_inputs = {pk: {name: _str(value) for name, value in asdict(costs[pk]).items()} for pk in costs}
    gaps = gaps_for([pk for pk in ids if pk in costs], month, cost_inputs)
    breaches = breach_counts_for(ids, month)
    inputs = {}
    for pk in ids:
        if pk not in costs:
            continue
        inputs[pk] = {
            "version": FIGURES_VERSION,
            "costs": cost_inputs[pk],
            "breach_counts": breaches.get(pk, NO_BREACHES),
            "gaps": gaps[pk],
            "uptime_pct": _str(uptimes.get(pk)),
            "tickets": {name: _str(value) for name, value in asdict(outcomes[pk]).items()},
            "downtime": [[service_id, _str(hours), _str(impact)] for service_id, hours, impact in downtime.get(pk, [])],
            "milestones": list(milestones.get(pk, (0, 0))),
        }
    return inputs


def _dec(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


def _count_met(pct: Decimal | None, measured: int) -> int:
    if pct is None or not measured:
        return 0
    with exact():
        return int((pct * measured / 100).to_integral_value(rounding=ROUND_HALF_UP))


def figures_from(inputs: dict[str, Any]) -> dict[str, Any]:
    """Derive a snapshot's figures from its inputs (pure: the same inputs give the same figures)."""
    costs, tickets = inputs["costs"], inputs["tickets"]
    money = {
        name: Decimal(costs[name])
        for name in ("labor_cost", "overhead_cost", "fee_cost", "one_time_cost", "credit", "total_cost", "vendor_cost")
    }
    uptime = _dec(inputs["uptime_pct"])
    hours_down = sum((Decimal(hours) for _, hours, _ in inputs["downtime"]), Decimal(0))
    impact = sum(
        (to_cents(Decimal(hours) * Decimal(per_hour)) for _, hours, per_hour in inputs["downtime"] if per_hour),
        Decimal("0.00"),
    )
    response_pct, resolution_pct = _dec(tickets["response_met_pct"]), _dec(tickets["resolution_met_pct"])
    mttr = _dec(tickets["mttr_hours"])
    resolved = tickets["tickets_resolved"]
    with exact():
        per_ticket = to_cents(money["total_cost"] / resolved) if resolved else None
    due, on_time = inputs["milestones"]
    return {
        **money,
        "overhead_ratio": ratio_pct(_dec(costs["overhead_ratio"])),
        "hours": Decimal(costs["hours"]),
        "overhead_hours": Decimal(costs["overhead_hours"]),
        "active_days": costs["active_days"],
        "days_in_month": costs["days_in_month"],
        "credit_pct": round_pct(Decimal(costs["credit_pct"])),
        "uptime_pct": None if uptime is None else round_pct(uptime),
        "services_monitored": len(inputs["downtime"]) if uptime is not None else 0,
        "tickets_opened": tickets["tickets_opened"],
        "tickets_resolved": resolved,
        "backlog": tickets["backlog"],
        "response_met": _count_met(response_pct, tickets["response_measured"]),
        "response_measured": tickets["response_measured"],
        "response_met_pct": None if response_pct is None else round_pct(response_pct),
        "resolution_met": _count_met(resolution_pct, tickets["resolution_measured"]),
        "resolution_measured": tickets["resolution_measured"],
        "resolution_met_pct": None if resolution_pct is None else round_pct(resolution_pct),
        "mttr_hours": None if mttr is None else mttr.quantize(HOURS, rounding=ROUND_HALF_UP),
        "breaches": tickets["breaches"],
        **inputs.get("breach_counts", NO_BREACHES),
        "milestones_due": due,
        "milestones_on_time": on_time,
        "cost_per_resolved_ticket": per_ticket,
        "downtime_hours": hours_down.quantize(HOURS, rounding=ROUND_HALF_UP),
        "downtime_impact": impact,
        "missing_rates": costs["missing_rates"],
        "data_quality": inputs.get("gaps", []),
        "complete": not inputs.get("gaps"),
    }


def fingerprint(inputs: dict[str, Any]) -> str:
    """Return a stable digest of a snapshot's inputs."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _test_delay() -> None:
    # A test hook only: lets a test kill a worker while a batch's transaction is open.
    delay = float(getattr(settings, "REPORTS_SNAPSHOT_BATCH_DELAY", 0) or 0)
    if delay:
        time.sleep(delay)


_UPSERT_FIELDS = [
    *FIGURE_FIELDS,
    "data_quality",
    "complete",
    "currency",
    "inputs",
    "fingerprint",
    "computed_at",
    "verified_at",
]


def snapshots_compute(
    *,
    engagement_ids: Iterable[int],
    month: dt.date,
    marks: Sequence[ChangedMonth] | None = None,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Compute and upsert the snapshots of some engagements for a month, in one transaction.

    Idempotent: a snapshot whose inputs did not change keeps its row (only
    `verified_at` moves). A closed month's existing snapshots never move.
    The month's changed marks of these engagements (or the `marks` given,
    claimed by the caller) are read before the facts and released after:
    a mark set again meanwhile has a newer time and survives.
    """
    month = first_of(month)
    ids = sorted(set(engagement_ids))
    now = now or timezone.now()
    with transaction.atomic():
        if marks is None:
            marks = list(ChangedMonth.objects.filter(engagement_id__in=ids, month=month))
        active = set(Engagement.objects.active_in(month).filter(pk__in=ids).values_list("pk", flat=True))
        existing = dict(
            MonthlySnapshot.objects.filter(engagement_id__in=ids, month=month).values_list(
                "engagement_id", "fingerprint"
            )
        )
        closed = is_month_closed(month)
        removed = 0
        gone = [pk for pk in existing if pk not in active]
        if gone and not closed:
            removed, _ = MonthlySnapshot.objects.filter(engagement_id__in=gone, month=month).delete()
        # A closed month is final: only a snapshot that was never computed is.
        wanted = [pk for pk in ids if pk in active and not (closed and pk in existing)]
        inputs = collect_inputs(wanted, month)
        changed, unchanged = [], [pk for pk in ids if pk in active and closed and pk in existing]
        for pk, row in inputs.items():
            digest = fingerprint(row)
            if existing.get(pk) == digest:
                unchanged.append(pk)
                continue
            changed.append(
                MonthlySnapshot(
                    engagement_id=pk,
                    month=month,
                    currency=row["costs"]["currency"],
                    inputs=row,
                    fingerprint=digest,
                    computed_at=now,
                    verified_at=now,
                    **figures_from(row),
                )
            )
        if changed:
            MonthlySnapshot.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["engagement", "month"],
                update_fields=_UPSERT_FIELDS,
                batch_size=200,
            )
        checked = unchanged + [snapshot.engagement_id for snapshot in changed]
        if checked:
            # The database's clock, like the job's start time: workers' clocks may differ.
            MonthlySnapshot.objects.filter(engagement_id__in=checked, month=month).update(verified_at=Now())
        _test_delay()
        cleared = sum(1 for mark in marks if release_changed_month(mark))
    return BatchResult(written=len(changed), unchanged=len(unchanged), removed=removed, marks_cleared=cleared)


def snapshots_fresh_since(*, month: dt.date, engagement_ids: Sequence[int], since: dt.datetime) -> set[int]:
    """Return the engagements whose snapshot of the month was verified at or after an instant."""
    return set(
        MonthlySnapshot.objects.filter(
            month=first_of(month), engagement_id__in=list(engagement_ids), verified_at__gte=since
        ).values_list("engagement_id", flat=True)
    )


def group_marks_by_month(marks: Iterable[ChangedMonth]) -> dict[dt.date, list[ChangedMonth]]:
    """Return claimed marks grouped by month, oldest month first."""
    grouped: dict[dt.date, list[ChangedMonth]] = defaultdict(list)
    for mark in marks:
        grouped[mark.month].append(mark)
    return dict(sorted(grouped.items()))
