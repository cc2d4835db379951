"""Invoices reconciled against the engine: expected amount, variance and status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Invoice, Reconciliation
from billing.services import (
    RECONCILIATION_TOLERANCE,
    invoice_create,
    invoices_reconcile_month,
    reconciliation_status,
)
from engagements.services.entries import time_entry_create
from reports.demo.worked_example import WorkedExample
from tests.billing.conftest import APRIL, d
from tests.factories import ContractorFactory, EngagementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("billed", "variance", "status"),
    [
        ("3700.00", "47.50", Reconciliation.OVER),
        ("3652.50", "0.00", Reconciliation.MATCHED),
        ("3651.60", "-0.90", Reconciliation.MATCHED),
        ("3500.00", "-152.50", Reconciliation.UNDER),
    ],
)
def test_an_invoice_shows_its_variance_from_the_expected_amount(
    worked_example: WorkedExample, billed, variance, status
) -> None:
    invoice = invoice_create(
        engagement=worked_example.augmented, period=d(17), number="ACME-0412", amount=Decimal(billed)
    )
    assert invoice.period == APRIL
    assert invoice.expected_amount == Decimal("3652.50")  # labor 3,152.50 + placement fee 500.00
    assert (invoice.variance, invoice.reconciliation) == (Decimal(variance), status)
    assert invoice.reconciled_at is not None


def test_the_tolerance_is_a_match_either_way() -> None:
    assert reconciliation_status(RECONCILIATION_TOLERANCE) == Reconciliation.MATCHED
    assert reconciliation_status(-RECONCILIATION_TOLERANCE - Decimal("0.01")) == Reconciliation.UNDER
    assert reconciliation_status(None) == Reconciliation.UNRECONCILED


def test_a_managed_invoice_expects_the_fee_and_charges_before_any_credit(worked_example: WorkedExample) -> None:
    invoice = invoice_create(engagement=worked_example.msp, period=APRIL, number="NW-1", amount=Decimal("6500.00"))
    assert (invoice.expected_amount, invoice.reconciliation) == (Decimal("6500.00"), Reconciliation.MATCHED)


def test_an_invoice_can_carry_its_lines(worked_example: WorkedExample) -> None:
    invoice = invoice_create(
        engagement=worked_example.augmented,
        period=APRIL,
        number="ACME-0412",
        amount=Decimal("3652.50"),
        lines=[("Hours", Decimal("3152.50")), ("Placement fee", Decimal("500.00"))],
    )
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Hours", Decimal("3152.50")),
        ("Placement fee", Decimal("500.00")),
    ]


def test_an_invoice_is_unreconciled_while_a_rate_is_missing() -> None:
    contractor = ContractorFactory()
    time_entry_create(contractor=contractor, date=d(2), hours=Decimal("8"))
    invoice = invoice_create(engagement=contractor.engagement, period=APRIL, number="X-1", amount=Decimal("800.00"))
    assert (invoice.expected_amount, invoice.variance, invoice.reconciliation) == (
        None,
        None,
        Reconciliation.UNRECONCILED,
    )
    assert list(Invoice.objects.unreconciled()) == [invoice]


def test_reconciling_a_month_again_follows_later_changes(worked_example: WorkedExample) -> None:
    invoice = invoice_create(engagement=worked_example.augmented, period=APRIL, number="A-1", amount=Decimal("3720.00"))
    assert invoice.reconciliation == Reconciliation.OVER
    time_entry_create(contractor=worked_example.contractor_b, date=d(11), hours=Decimal("1"))  # +70.00
    assert invoices_reconcile_month(month=APRIL) == 1
    invoice.refresh_from_db()
    assert (invoice.expected_amount, invoice.variance, invoice.reconciliation) == (
        Decimal("3722.50"),
        Decimal("-2.50"),
        Reconciliation.UNDER,
    )


def test_a_vendor_numbers_its_invoices_once_across_its_engagements() -> None:
    first = EngagementFactory()
    second = EngagementFactory(vendor=first.vendor)
    invoice_create(engagement=first, period=APRIL, number="INV-7", amount=Decimal("1.00"))
    with pytest.raises(ValidationError) as caught:
        invoice_create(engagement=second, period=APRIL, number="INV-7", amount=Decimal("1.00"))
    assert caught.value.message_dict["number"] == [f"{first.vendor} already has an invoice numbered INV-7."]


def test_an_engagement_has_one_invoice_per_month_within_its_dates() -> None:
    engagement = EngagementFactory(start_date=d(1, 4))
    invoice_create(engagement=engagement, period=APRIL, number="1", amount=Decimal("1.00"))
    with pytest.raises(ValidationError, match="already has an invoice for this month"):
        invoice_create(engagement=engagement, period=d(30), number="2", amount=Decimal("1.00"))
    with pytest.raises(ValidationError) as caught:
        invoice_create(engagement=engagement, period=d(1, 3), number="3", amount=Decimal("1.00"))
    assert caught.value.message_dict["period"] == [f"{engagement} is not active in March 2026."]
