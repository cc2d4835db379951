"""Vendor scorecards (domain.md "Vendor scorecard"): per vendor, the month and the 12 months ending it.

Six queries whatever the number of vendors and engagements: the snapshots
of the 12 months, their exchange rates, the service credits, the invoices,
the attestations and the vendors. Money is converted into the base currency
with each month's rate; a row whose currency lacks a rate is left out and the
vendor's figures are marked incomplete.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F

from billing.models import CreditStatus, ExchangeRate, Invoice, ServiceCredit
from engagements.models import ComplianceAttestation, Vendor
from kernel.money import exact, round_pct, to_cents
from kernel.months import add_months, first_of, last_day_of, month_iso
from reports.models import MonthlySnapshot

TRAILING = 12
EXPIRING_DAYS = 60
CLAIMED = (CreditStatus.CLAIMED, CreditStatus.GRANTED, CreditStatus.DENIED, CreditStatus.APPLIED)
RECEIVED = (CreditStatus.APPLIED,)
ZERO = Decimal("0.00")
ORDERINGS = {
    "cost": lambda row: Decimal(row["month"]["total_cost"]),
    "attainment": lambda row: Decimal(row["month"]["resolution_met_pct"] or -1),
    "credits": lambda row: Decimal(row["month"]["credits_due"]),
    "variance": lambda row: abs(Decimal(row["month"]["invoice_variance"])),
    "name": lambda row: row["name"].casefold(),
}


@dataclass
class Figures:
    """Running sums of one vendor over one period."""

    engagements: set[int] = field(default_factory=set)
    money: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    uptimes: list[Decimal] = field(default_factory=list)
    complete: bool = True

    def as_json(self) -> dict[str, Any]:
        def pct(part: str, whole: str) -> str | None:
            if not self.counts[whole]:
                return None
            with exact():
                return str(round_pct(Decimal(self.counts[part]) * 100 / self.counts[whole]))

        uptime = None
        if self.uptimes:
            with exact():
                uptime = str(round_pct(sum(self.uptimes, Decimal(0)) / len(self.uptimes)))
        return {
            "total_cost": str(self.money["total_cost"]),
            "engagements": len(self.engagements),
            "response_met_pct": pct("response_met", "response_measured"),
            "resolution_met_pct": pct("resolution_met", "resolution_measured"),
            "uptime_pct": uptime,
            # domain.md's name; `breached_tickets` is the same count under the name the report's figures use
            # (there `breaches` counts response and resolution misses apart).
            "breaches": self.counts["breached_tickets"],
            "breached_tickets": self.counts["breached_tickets"],
            "response_breaches": self.counts["response_breaches"],
            "resolution_breaches": self.counts["resolution_breaches"],
            "credits_due": str(self.money["credits_due"]),
            "credits_claimed": str(self.money["credits_claimed"]),
            "credits_received": str(self.money["credits_received"]),
            "invoice_variance": str(self.money["invoice_variance"]),
            "complete": self.complete,
        }


def _rates(months: list[dt.date], currencies: set[str]) -> dict[tuple[dt.date, str], Decimal]:
    base = settings.BASE_CURRENCY
    rows = ExchangeRate.objects.filter(month__in=months, currency__in=currencies - {base}).values_list(
        "month", "currency", "rate_to_base"
    )
    return {(month, currency): rate for month, currency, rate in rows}


class Converter:
    def __init__(self, rates: dict[tuple[dt.date, str], Decimal]) -> None:
        self.rates = rates

    def __call__(self, amount: Decimal, currency: str, month: dt.date) -> Decimal | None:
        if currency == settings.BASE_CURRENCY:
            return amount
        rate = self.rates.get((first_of(month), currency))
        return None if rate is None else to_cents(amount * rate)


def _attestations(vendor_ids: list[int], month: dt.date) -> dict[int, dict[str, int]]:
    end = last_day_of(month)
    horizon = end + dt.timedelta(days=EXPIRING_DAYS)
    found: dict[int, dict[str, int]] = defaultdict(lambda: {"valid": 0, "expiring": 0, "expired": 0})
    rows = ComplianceAttestation.objects.filter(vendor_id__in=vendor_ids, issued__lte=end).values_list(
        "vendor_id", "expires"
    )
    for vendor_id, expires in rows:
        state = "expired" if expires <= end else "expiring" if expires <= horizon else "valid"
        found[vendor_id][state] += 1
    return found


def vendor_scorecards(month: dt.date) -> list[dict[str, Any]]:
    """Return one scorecard per vendor with an engagement in the 12 months ending `month`, by name."""
    month = first_of(month)
    months = [add_months(month, -k) for k in range(TRAILING)]
    snapshots: list[dict[str, Any]] = [
        dict(row)
        for row in MonthlySnapshot.objects.filter(month__in=months).values(
            "engagement_id",
            "month",
            "currency",
            "total_cost",
            "credit",
            "uptime_pct",
            "response_met",
            "response_measured",
            "resolution_met",
            "resolution_measured",
            "breached_tickets",
            "response_breaches",
            "resolution_breaches",
            "complete",
            vendor_id=F("engagement__vendor_id"),
        )
    ]
    credits: list[dict[str, Any]] = list(
        ServiceCredit.objects.filter(month__in=months).values(
            "month", "amount", "status", currency=F("engagement__currency"), vendor_id=F("engagement__vendor_id")
        )
    )
    invoices: list[dict[str, Any]] = list(
        Invoice.objects.filter(period__in=months, variance__isnull=False).values(
            "period", "variance", currency=F("engagement__currency"), vendor_id=F("engagement__vendor_id")
        )
    )
    currencies = {row["currency"] for row in (*snapshots, *credits, *invoices)}
    convert = Converter(_rates(months, currencies))
    periods: dict[int, dict[str, Figures]] = defaultdict(lambda: {"month": Figures(), "trailing_12": Figures()})

    def scopes(vendor_id: int, when: dt.date) -> list[Figures]:
        card = periods[vendor_id]
        return [card["trailing_12"], card["month"]] if when == month else [card["trailing_12"]]

    for row in snapshots:
        cost, credit = (
            convert(row["total_cost"], row["currency"], row["month"]),
            convert(row["credit"], row["currency"], row["month"]),
        )
        for figures in scopes(row["vendor_id"], row["month"]):
            figures.engagements.add(row["engagement_id"])
            figures.complete &= row["complete"] and cost is not None
            if cost is not None and credit is not None:
                figures.money["total_cost"] += cost
                figures.money["credits_due"] += credit
            for name in (
                "response_met",
                "response_measured",
                "resolution_met",
                "resolution_measured",
                "breached_tickets",
                "response_breaches",
                "resolution_breaches",
            ):
                figures.counts[name] += row[name]
            if row["uptime_pct"] is not None:
                figures.uptimes.append(row["uptime_pct"])
    for claim in credits:
        amount = convert(claim["amount"], claim["currency"], claim["month"])
        for figures in scopes(claim["vendor_id"], claim["month"]):
            figures.complete &= amount is not None
            if amount is not None and claim["status"] in CLAIMED:
                figures.money["credits_claimed"] += amount
            if amount is not None and claim["status"] in RECEIVED:
                figures.money["credits_received"] += amount
    for invoice in invoices:
        amount = convert(invoice["variance"], invoice["currency"], invoice["period"])
        for figures in scopes(invoice["vendor_id"], invoice["period"]):
            figures.complete &= amount is not None
            if amount is not None:
                figures.money["invoice_variance"] += amount
    ids = sorted(periods)
    names = dict(Vendor.objects.filter(pk__in=ids).values_list("pk", "name"))
    attestations = _attestations(ids, month)
    rows = [
        {
            "vendor": pk,
            "name": names.get(pk, ""),
            "period": month_iso(month),
            "currency": settings.BASE_CURRENCY,
            "attestations": dict(attestations.get(pk, {"valid": 0, "expiring": 0, "expired": 0})),
            "month": periods[pk]["month"].as_json(),
            "trailing_12": periods[pk]["trailing_12"].as_json(),
        }
        for pk in ids
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["vendor"]))


def sort_scorecards(rows: list[dict[str, Any]], ordering: str) -> list[dict[str, Any]]:
    """Sort scorecards by cost, attainment, credits, variance or name ("-" first: descending), on the month."""
    name = ordering.lstrip("-")
    if name not in ORDERINGS:
        raise ValueError(f"ordering must be one of {', '.join(sorted(ORDERINGS))}, optionally with '-'.")
    key = ORDERINGS[name]
    return sorted(rows, key=key, reverse=ordering.startswith("-"))
