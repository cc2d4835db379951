"""The cost engine: each engagement-month's cost lines, exactly as domain.md defines them.

Every line (one entry x its rate) is rounded to cents half up on its own and
totals are sums of rounded lines. The database does the per-entry work: the
rate in effect on each entry's date is a correlated subquery, and each line is
computed in integers (hundredths of hours x hundredths of the rate = 1/10000
units; +50 and integer division by 100 rounds half up to cents, all values
being positive), so the SUMs are exact on PostgreSQL and on SQLite, whose SUM
of decimals is floating point. A fixed number of queries serves any number of
engagements and entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    Expression,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round

from billing.models import ContractorRate, FeeSchedule, InternalRate, OneTimeCharge
from engagements.models import DeliveryModel, Engagement, OverheadEntry, TimeEntry
from kernel.money import ZERO, cents_to_decimal, percent_of, prorate, ratio_pct
from kernel.months import month_bounds
from sla.selectors import credit_pct_for

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthCosts:
    """The cost figures of one engagement for one month, in the engagement's currency."""

    currency: str
    labor_cost: Decimal
    overhead_cost: Decimal
    fee_cost: Decimal
    one_time_cost: Decimal
    credit: Decimal
    total_cost: Decimal
    vendor_cost: Decimal
    overhead_ratio: Decimal | None
    hours: Decimal
    overhead_hours: Decimal
    active_days: int
    days_in_month: int
    credit_pct: Decimal
    missing_rates: list[str] = field(default_factory=list)

    @property
    def overhead_ratio_pct(self) -> Decimal | None:
        """The overhead ratio as a percentage to 3 places (14.784), or None."""
        return ratio_pct(self.overhead_ratio)

    @property
    def gross_vendor_cost(self) -> Decimal:
        """What the vendor bills before any service credit: labor + fee + one-time."""
        return self.labor_cost + self.fee_cost + self.one_time_cost


def hundredths(value: Any) -> Cast:
    """Return a two-place decimal expression as an exact integer of hundredths."""
    return Cast(Round(value * Value(100)), BigIntegerField())


def line_cents(hours: Any, rate: Any) -> Expression:
    """Return hours x rate in whole cents, rounded half up, computed in integers (NULL when rate is)."""
    return (hundredths(hours) * hundredths(rate) + Value(50)) / Value(100)


def _latest(queryset: Any, value: str) -> Subquery:
    """Return the value of the row in effect on the outer entry's date."""
    return Subquery(queryset.filter(effective_from__lte=OuterRef("date")).order_by("-effective_from").values(value)[:1])


def contractor_rate_in_effect() -> Subquery:
    """The outer time entry's contractor's bill rate in effect on its date."""
    return _latest(ContractorRate.objects.filter(contractor=OuterRef("contractor")), "hourly_rate")


def internal_rate_in_effect() -> Coalesce:
    """The outer overhead entry's person's rate in effect on its date, else the organisation default."""
    personal = _latest(InternalRate.objects.filter(person=OuterRef("person")), "hourly_cost")
    default = _latest(InternalRate.objects.defaults(), "hourly_cost")
    return Coalesce(personal, default)


def _sums(queryset: Any, group: str, rate: Any) -> dict[int, tuple[int, int]]:
    """Return {engagement: (cents, hundredths of hours)} of a month's entries."""
    rows = (
        queryset.order_by()
        .values(group_key=F(group))
        .annotate(cents=Sum(line_cents(F("hours"), rate)), hundredths=Sum(hundredths(F("hours"))))
    )
    return {row["group_key"]: (int(row["cents"] or 0), int(row["hundredths"] or 0)) for row in rows}


def _unpriced(queryset: Any, group: str, who: str) -> list[dict[str, Any]]:
    """Return, per engagement and contractor or person, the entries no rate prices."""
    return list(
        queryset.order_by()
        .values(group_key=F(group), who=F(who))
        .annotate(entries=Count("pk"), first=Min("date"), last=Max("date"), hundredths=Sum(hundredths(F("hours"))))
        .order_by("who")
    )


def _missing_message(row: dict[str, Any], what: str) -> str:
    hours = cents_to_decimal(row["hundredths"])
    span = f"on {row['first']}" if row["first"] == row["last"] else f"from {row['first']} to {row['last']}"
    entries = "entry" if row["entries"] == 1 else "entries"
    count = f"{row['entries']} {entries} ({hours} h)"
    return f"{row['who']} has no {what} in effect for {count} {span}; left out of the cost."


def _labor(ids: list[int], first: dt.date, last: dt.date) -> tuple[dict[int, tuple[int, int]], list[dict[str, Any]]]:
    entries = TimeEntry.objects.filter(contractor__engagement_id__in=ids, date__gte=first, date__lte=last)
    sums = _sums(entries, "contractor__engagement_id", contractor_rate_in_effect())
    any_rate = ContractorRate.objects.filter(contractor=OuterRef("contractor"), effective_from__lte=OuterRef("date"))
    unpriced = _unpriced(entries.filter(~Exists(any_rate)), "contractor__engagement_id", "contractor__name")
    return sums, unpriced


def _overhead(ids: list[int], first: dt.date, last: dt.date) -> tuple[dict[int, tuple[int, int]], list[dict[str, Any]]]:
    entries = OverheadEntry.objects.filter(engagement_id__in=ids, date__gte=first, date__lte=last)
    sums = _sums(entries, "engagement_id", internal_rate_in_effect())
    personal = InternalRate.objects.filter(person=OuterRef("person"), effective_from__lte=OuterRef("date"))
    default = InternalRate.objects.defaults().filter(effective_from__lte=OuterRef("date"))
    unpriced = _unpriced(entries.filter(~Exists(personal), ~Exists(default)), "engagement_id", "person__name")
    return sums, unpriced


def _one_time(ids: list[int], first: dt.date, last: dt.date) -> dict[int, int]:
    rows = (
        OneTimeCharge.objects.filter(engagement_id__in=ids, date__gte=first, date__lte=last)
        .order_by()
        .values("engagement_id")
        .annotate(cents=Sum(hundredths(F("amount"))))
    )
    return {row["engagement_id"]: int(row["cents"] or 0) for row in rows}


def _fees(ids: list[int], first: dt.date, last: dt.date) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Return each engagement's fees in effect at some point of the month, oldest first."""
    in_effect_at_start = (
        FeeSchedule.objects.filter(engagement=OuterRef("engagement"), effective_from__lte=first)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    rows = (
        FeeSchedule.objects.filter(engagement_id__in=ids, effective_from__lte=last)
        .filter(Q(effective_from__gt=first) | Q(pk=Subquery(in_effect_at_start)))
        .order_by("engagement_id", "effective_from")
        .values_list("engagement_id", "effective_from", "monthly_fee")
    )
    fees: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for engagement_id, effective_from, monthly_fee in rows:
        fees[engagement_id].append((effective_from, monthly_fee))
    return fees


def _active_range(engagement: dict[str, Any], first: dt.date, last: dt.date) -> tuple[dt.date, dt.date] | None:
    start = max(first, engagement["start_date"])
    end = min(last, engagement["end_date"] or last)
    return (start, end) if start <= end else None


def fee_parts(
    fees: list[tuple[dt.date, Decimal]], active: tuple[dt.date, dt.date] | None, days_in_month: int
) -> tuple[list[Decimal], list[tuple[dt.date, dt.date]]]:
    """Prorate each fee over its own active days (each part rounded); return parts and unpriced spans."""
    if active is None:
        return [], []
    parts, covered_from = [], None
    for i, (effective_from, monthly_fee) in enumerate(fees):
        until = fees[i + 1][0] - ONE_DAY if i + 1 < len(fees) else active[1]
        start, end = max(effective_from, active[0]), min(until, active[1])
        if start <= end:
            parts.append(prorate(monthly_fee, (end - start).days + 1, days_in_month))
            covered_from = start if covered_from is None else covered_from
    if covered_from is None:
        return parts, [active]
    return parts, ([(active[0], covered_from - ONE_DAY)] if covered_from > active[0] else [])


def _credit_pcts(ids: list[int], month: dt.date) -> dict[int, Decimal]:
    return credit_pct_for(ids, month) if ids else {}


def engagement_month_costs(engagement_ids: list[int], month: dt.date) -> dict[int, MonthCosts]:
    """Return the month's cost figures of each engagement, to the cent, in a fixed number of queries."""
    first, last = month_bounds(month)
    days_in_month = last.day
    engagements = list(
        Engagement.objects.filter(pk__in=engagement_ids)
        .order_by()
        .values("pk", "currency", "start_date", "end_date", "model")
    )
    ids = [e["pk"] for e in engagements]
    labor, unpriced_time = _labor(ids, first, last)
    overhead, unpriced_overhead = _overhead(ids, first, last)
    one_time, fees = _one_time(ids, first, last), _fees(ids, first, last)
    managed = [e["pk"] for e in engagements if e["model"] == DeliveryModel.MANAGED]
    credit_pcts = _credit_pcts(managed, first)
    missing: dict[int, list[str]] = defaultdict(list)
    for row in unpriced_time:
        missing[row["group_key"]].append(_missing_message(row, "bill rate"))
    for row in unpriced_overhead:
        missing[row["group_key"]].append(_missing_message(row, "internal rate (nor an organisation default)"))
    result = {}
    for engagement in engagements:
        pk = engagement["pk"]
        active = _active_range(engagement, first, last)
        parts, unpriced = fee_parts(fees.get(pk, []), active, days_in_month)
        if engagement["model"] == DeliveryModel.MANAGED:
            missing[pk] += [f"No monthly fee in effect from {a} to {b}; left out of the cost." for a, b in unpriced]
        result[pk] = _assemble(
            currency=engagement["currency"],
            labor=labor.get(pk, (0, 0)),
            overhead=overhead.get(pk, (0, 0)),
            fee_cost=sum(parts, ZERO),
            one_time_cents=one_time.get(pk, 0),
            credit_pct=credit_pcts.get(pk, ZERO),
            active_days=(active[1] - active[0]).days + 1 if active else 0,
            days_in_month=days_in_month,
            missing_rates=missing.get(pk, []),
        )
    return result


def _assemble(
    *,
    currency: str,
    labor: tuple[int, int],
    overhead: tuple[int, int],
    fee_cost: Decimal,
    one_time_cents: int,
    credit_pct: Decimal,
    active_days: int,
    days_in_month: int,
    missing_rates: list[str],
) -> MonthCosts:
    """Build the figures from the rounded lines: totals are sums, never re-rounded."""
    labor_cost, overhead_cost = cents_to_decimal(labor[0]), cents_to_decimal(overhead[0])
    one_time_cost = cents_to_decimal(one_time_cents)
    credit = percent_of(fee_cost, credit_pct)
    total = labor_cost + overhead_cost + fee_cost + one_time_cost - credit
    vendor_cost = total - overhead_cost
    return MonthCosts(
        currency=currency,
        labor_cost=labor_cost,
        overhead_cost=overhead_cost,
        fee_cost=fee_cost,
        one_time_cost=one_time_cost,
        credit=credit,
        total_cost=total,
        vendor_cost=vendor_cost,
        overhead_ratio=overhead_cost / vendor_cost if vendor_cost else None,
        hours=cents_to_decimal(labor[1]),
        overhead_hours=cents_to_decimal(overhead[1]),
        active_days=active_days,
        days_in_month=days_in_month,
        credit_pct=credit_pct,
        missing_rates=missing_rates,
    )
