"""What each invoice should have billed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import F, Sum

from billing.models import CreditStatus, Invoice, ServiceCredit
from billing.selectors.costs import engagement_month_costs, hundredths
from kernel.money import cents_to_decimal


def _applied_credits(invoice_ids: list[int]) -> dict[int, Decimal]:
    # Sum integer cents: SQLite sums decimals as floats.
    rows = (
        ServiceCredit.objects.filter(applied_invoice_id__in=invoice_ids, status=CreditStatus.APPLIED)
        .order_by()
        .values("applied_invoice_id")
        .annotate(cents=Sum(hundredths(F("amount"))))
    )
    return {row["applied_invoice_id"]: cents_to_decimal(row["cents"] or 0) for row in rows}


def expected_invoice_amounts(invoices: Iterable[Invoice]) -> dict[int, Decimal | None]:
    """Return what each invoice should bill: labor + fee + one-time of its month, less credits applied to it."""
    # A month's SLA credit is deducted where the ledger applies it (usually a
    # later invoice): the cash view, not the month's vendor cost. None where a
    # rate is missing, since the expectation would be wrong.
    invoices = list(invoices)
    by_period: dict[dt.date, list[int]] = defaultdict(list)
    for invoice in invoices:
        by_period[invoice.period].append(invoice.engagement_id)
    costs = {
        (engagement_id, period): month_costs
        for period, engagement_ids in by_period.items()
        for engagement_id, month_costs in engagement_month_costs(engagement_ids, period).items()
    }
    credits = _applied_credits([invoice.pk for invoice in invoices])
    expected: dict[int, Decimal | None] = {}
    for invoice in invoices:
        month_costs = costs[(invoice.engagement_id, invoice.period)]
        if month_costs.missing_rates:
            expected[invoice.pk] = None
        else:
            expected[invoice.pk] = month_costs.gross_vendor_cost - credits.get(invoice.pk, Decimal("0"))
    return expected
