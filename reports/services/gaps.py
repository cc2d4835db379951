"""Data completeness of engagement-months (domain.md "Data completeness"): what lacks a cost or a target.

Computed with the snapshots, from the same facts, in a constant number of
queries per batch: hours no bill rate prices, overhead hours no internal rate
(nor the organisation default) prices, months a managed fee leaves unpriced,
and tickets or monitored services no SLA policy covers. Each gap is a JSON
dict stored on the snapshot (`data_quality`); the report adds the month, the
engagement's name and the exchange-rate gaps, which belong to the month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum

from billing.models import ContractorRate, InternalRate
from engagements.models import OverheadEntry, TimeEntry
from kernel.months import month_bounds, month_window
from sla.models import MonitoredService, SLAAssignment, Ticket

MISSING_BILL_RATE = "missing_bill_rate"
MISSING_INTERNAL_RATE = "missing_internal_rate"
MISSING_EXCHANGE_RATE = "missing_exchange_rate"
MISSING_MONTHLY_FEE = "missing_monthly_fee"
NO_SLA_POLICY = "no_sla_policy"
KINDS = (MISSING_BILL_RATE, MISSING_INTERNAL_RATE, MISSING_EXCHANGE_RATE, MISSING_MONTHLY_FEE, NO_SLA_POLICY)
# Where a gap is fixed, for the links of the pages (admin changelists).
FIX_AT = {
    MISSING_BILL_RATE: "Billing > Contractor rates",
    MISSING_INTERNAL_RATE: "Billing > Internal rates",
    MISSING_EXCHANGE_RATE: "Billing > Exchange rates",
    MISSING_MONTHLY_FEE: "Billing > Fee schedules",
    NO_SLA_POLICY: "SLA > Policy assignments",
}


def gap(
    kind: str,
    *,
    subject: str,
    subject_id: int | None = None,
    hours: Decimal | None = None,
    tickets: int | None = None,
    message: str,
) -> dict[str, Any]:
    """Return one gap as stored on a snapshot (the month and engagement are added when read)."""
    return {
        "kind": kind,
        "subject": subject,
        "subject_id": subject_id,
        "hours": None if hours is None else str(hours.quantize(Decimal("0.01"))),
        "tickets": tickets,
        "message": message,
    }


def _span(first: dt.date, last: dt.date) -> str:
    return f"on {first.isoformat()}" if first == last else f"from {first.isoformat()} to {last.isoformat()}"


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def _unpriced_time(ids: list[int], first: dt.date, last: dt.date) -> dict[int, list[dict[str, Any]]]:
    any_rate = ContractorRate.objects.filter(contractor=OuterRef("contractor"), effective_from__lte=OuterRef("date"))
    rows = (
        TimeEntry.objects.filter(contractor__engagement_id__in=ids, date__gte=first, date__lte=last)
        .filter(~Exists(any_rate))
        .order_by()
        .values("contractor_id", engagement_id=F("contractor__engagement_id"), name=F("contractor__name"))
        .annotate(n=Count("pk"), hours=Sum("hours"), first=Min("date"), last=Max("date"))
        .order_by("name", "contractor_id")
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        hours = Decimal(str(row["hours"])).quantize(Decimal("0.01"))
        found[row["engagement_id"]].append(
            gap(
                MISSING_BILL_RATE,
                subject=row["name"],
                subject_id=row["contractor_id"],
                hours=hours,
                message=f"{hours} h of {row['name']} ({_entries(row['n'])} {_span(row['first'], row['last'])}) "
                "have no bill rate in effect: not priced.",
            )
        )
    return found


def _unpriced_overhead(ids: list[int], first: dt.date, last: dt.date) -> dict[int, list[dict[str, Any]]]:
    personal = InternalRate.objects.filter(person=OuterRef("person"), effective_from__lte=OuterRef("date"))
    default = InternalRate.objects.defaults().filter(effective_from__lte=OuterRef("date"))
    rows = (
        OverheadEntry.objects.filter(engagement_id__in=ids, date__gte=first, date__lte=last)
        .filter(~Exists(personal), ~Exists(default))
        .order_by()
        .values("engagement_id", "person_id", name=F("person__name"))
        .annotate(n=Count("pk"), hours=Sum("hours"), first=Min("date"), last=Max("date"))
        .order_by("name", "person_id")
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        hours = Decimal(str(row["hours"])).quantize(Decimal("0.01"))
        found[row["engagement_id"]].append(
            gap(
                MISSING_INTERNAL_RATE,
                subject=row["name"],
                subject_id=row["person_id"],
                hours=hours,
                message=f"{hours} h of overhead by {row['name']} ({_entries(row['n'])} "
                f"{_span(row['first'], row['last'])}) have no internal rate in effect and no organisation "
                "default: not priced.",
            )
        )
    return found


def _uncovered(ids: list[int], month: dt.date) -> dict[int, list[dict[str, Any]]]:
    """Tickets of the month with no policy, and monitored services of an engagement without any policy by month end."""
    start, end = month_window(month)
    in_month = Q(opened_at__gte=start, opened_at__lt=end) | Q(resolved_at__gte=start, resolved_at__lt=end)
    tickets = dict(
        Ticket.objects.filter(engagement_id__in=ids, policy__isnull=True)
        .filter(in_month)
        .order_by()
        .values("engagement_id")
        .annotate(n=Count("pk"))
        .values_list("engagement_id", "n")
    )
    _, last = month_bounds(month)
    covered = set(
        SLAAssignment.objects.filter(engagement_id__in=ids, effective_from__lte=last).values_list(
            "engagement_id", flat=True
        )
    )
    services = dict(
        MonitoredService.objects.filter(engagement_id__in=ids)
        .exclude(engagement_id__in=covered)
        .order_by()
        .values("engagement_id")
        .annotate(n=Count("pk"))
        .values_list("engagement_id", "n")
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk in sorted(set(tickets) | set(services)):
        parts = []
        if tickets.get(pk):
            parts.append(f"{tickets[pk]} ticket{'s' if tickets[pk] != 1 else ''}")
        if services.get(pk):
            parts.append(f"{services[pk]} monitored service{'s' if services[pk] != 1 else ''}")
        found[pk].append(
            gap(
                NO_SLA_POLICY,
                subject="SLA policy",
                tickets=tickets.get(pk, 0),
                message=f"{' and '.join(parts)} without an SLA policy in effect: their SLA figures are empty, not met.",
            )
        )
    return found


def _unpriced_fees(costs: dict[int, dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Managed months a fee schedule does not cover, from the cost engine's own notes."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, row in costs.items():
        for text in row.get("missing_rates", []):
            if text.startswith("No monthly fee"):
                found[pk].append(gap(MISSING_MONTHLY_FEE, subject="Monthly fee", message=text))
    return found


def gaps_for(ids: list[int], month: dt.date, costs: dict[int, dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Return each engagement's gaps of a month (5 queries), in a stable order."""
    first, last = month_bounds(month)
    parts = (
        _unpriced_time(ids, first, last),
        _unpriced_overhead(ids, first, last),
        _unpriced_fees(costs),
        _uncovered(ids, month),
    )
    result: dict[int, list[dict[str, Any]]] = {}
    for pk in ids:
        result[pk] = [item for part in parts for item in part.get(pk, [])]
    return result


def breach_counts_for(ids: list[int], month: dt.date) -> dict[int, dict[str, int]]:
    """Return per engagement the tickets of the month that breached (each once), and the misses of each kind."""
    start, end = month_window(month)
    in_month = Q(opened_at__gte=start, opened_at__lt=end) | Q(resolved_at__gte=start, resolved_at__lt=end)
    rows = (
        Ticket.objects.filter(engagement_id__in=ids)
        .alive_in(month)
        .filter(in_month)
        .order_by()
        .values("engagement_id")
        .annotate(
            tickets=Count("pk", filter=Q(response_met=False) | Q(resolution_met=False)),
            response=Count("pk", filter=Q(response_met=False)),
            resolution=Count("pk", filter=Q(resolution_met=False)),
        )
    )
    return {
        row["engagement_id"]: {
            "breached_tickets": row["tickets"],
            "response_breaches": row["response"],
            "resolution_breaches": row["resolution"],
        }
        for row in rows
    }
