"""Services for vendor invoices and their reconciliation against the expected amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Reconciliation
from billing.selectors import expected_invoice_amounts
from engagements.models import Engagement
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save

# Vendors round lines their own way: a difference up to this is a match.
RECONCILIATION_TOLERANCE = Decimal("1.00")
# What people record on an invoice; the reconciliation columns are computed.
INVOICE_FIELDS = ("engagement", "period", "number", "amount", "received")
INVOICE_LINE_FIELDS = ("description", "amount")


def reconciliation_status(variance: Decimal | None) -> str:
    """Classify a variance (billed minus expected) against the tolerance."""
    if variance is None:
        return Reconciliation.UNRECONCILED
    if abs(variance) <= RECONCILIATION_TOLERANCE:
        return Reconciliation.MATCHED
    return Reconciliation.OVER if variance > 0 else Reconciliation.UNDER


@atomic_service
def invoice_create(
    *,
    engagement: Engagement,
    period: dt.date,
    number: str,
    amount: Decimal,
    received: dt.date | None = None,
    lines: list[tuple[str, Decimal]] | None = None,
) -> Invoice:
    """Record a vendor invoice for an engagement-month (with optional lines) and reconcile it."""
    invoice = validated_save(
        Invoice(engagement=engagement, period=period, number=number.strip(), amount=amount, received=received)
    )
    for description, line_amount in lines or []:
        invoice_line_create(invoice=invoice, description=description, amount=line_amount)
    return invoice_reconcile(invoice=invoice)


@atomic_service
def invoice_update(*, invoice: Invoice, **fields: Any) -> Invoice:
    """Change an invoice and reconcile it again."""
    assign(invoice, fields, allowed=INVOICE_FIELDS)
    validated_save(invoice)
    return invoice_reconcile(invoice=invoice)


def invoice_delete(*, invoice: Invoice) -> None:
    """Delete an invoice and its lines."""
    validated_delete(invoice)


@atomic_service
def invoice_line_create(*, invoice: Invoice, description: str, amount: Decimal) -> InvoiceLine:
    """Add a line to an invoice (the admin reconciles the invoice once all its lines are saved)."""
    return validated_save(InvoiceLine(invoice=invoice, description=description, amount=amount))


@atomic_service
def invoice_line_update(*, line: InvoiceLine, **fields: Any) -> InvoiceLine:
    """Change an invoice line."""
    assign(line, fields, allowed=INVOICE_LINE_FIELDS)
    return validated_save(line)


def invoice_line_delete(*, line: InvoiceLine) -> None:
    """Delete an invoice line."""
    validated_delete(line)


@atomic_service
def invoice_reconcile(*, invoice: Invoice) -> Invoice:
    """Compare an invoice with what the engine expects; store expected amount, variance and status."""
    invoices_reconcile(invoices=[invoice])
    invoice.refresh_from_db()
    return invoice


@atomic_service
def invoices_reconcile(*, invoices: list[Invoice]) -> int:
    """Reconcile several invoices (a constant number of queries per billed month); return how many."""
    expected = expected_invoice_amounts(invoices)
    now = timezone.now()
    for invoice in invoices:
        amount = expected[invoice.pk]
        variance = None if amount is None else invoice.amount - amount
        # The guarded update refuses closed months; these columns are not audited.
        Invoice.objects.filter(pk=invoice.pk).update(
            expected_amount=amount,
            variance=variance,
            reconciliation=reconciliation_status(variance),
            reconciled_at=now,
        )
    return len(invoices)


def invoices_reconcile_month(*, month: dt.date) -> int:
    """Reconcile every invoice of a month (after its figures changed); return how many."""
    return invoices_reconcile(invoices=list(Invoice.objects.for_period(month)))


INVOICE = WriteServices(create=invoice_create, update=invoice_update, delete=invoice_delete, instance="invoice")
INVOICE_LINE = WriteServices(
    create=invoice_line_create, update=invoice_line_update, delete=invoice_line_delete, instance="line"
)
