"""The service credit ledger: assessed from the SLA engine, then claimed, granted or denied, applied."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import CreditStatus, Reconciliation, ServiceCredit
from billing.services import (
    invoice_create,
    period_close,
    service_credit_apply,
    service_credit_claim,
    service_credit_deny,
    service_credit_grant,
    service_credits_assess,
)
from reports.demo.worked_example import WorkedExample
from tests.billing.conftest import APRIL, d, local

pytestmark = pytest.mark.django_db


def test_assessing_april_records_the_managed_engagements_credit(worked_example: WorkedExample) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    assert (credit.engagement, credit.month, credit.status) == (worked_example.msp, APRIL, CreditStatus.ELIGIBLE)
    assert (credit.uptime_pct, credit.credit_pct, credit.amount) == (
        Decimal("99.688"),
        Decimal("10"),
        Decimal("400.00"),
    )


def test_closing_a_month_assesses_its_credits(worked_example: WorkedExample, superuser) -> None:
    period_close(month=APRIL, user=superuser)
    assert ServiceCredit.objects.get().amount == Decimal("400.00")
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        service_credits_assess(month=APRIL)


def test_a_granted_credit_is_deducted_from_the_next_invoice(worked_example: WorkedExample, superuser) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    service_credit_claim(credit=credit, user=superuser, note="Ticket #88 with Northwind")
    service_credit_grant(credit=credit, user=superuser)
    may = invoice_create(engagement=worked_example.msp, period=d(1, 5), number="NW-2", amount=Decimal("5600.00"))
    assert (may.expected_amount, may.reconciliation) == (Decimal("6000.00"), Reconciliation.UNDER)
    service_credit_apply(credit=credit, invoice=may, user=superuser)
    may.refresh_from_db()
    assert (may.expected_amount, may.variance, may.reconciliation) == (
        Decimal("5600.00"),
        Decimal("0.00"),
        Reconciliation.MATCHED,
    )
    credit.refresh_from_db()
    assert (credit.status, credit.applied_invoice, credit.updated_by) == (CreditStatus.APPLIED, may, superuser)


def test_a_claim_must_follow_its_course(worked_example: WorkedExample) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    with pytest.raises(ValidationError, match="Only claimed credits can be granted; this one is eligible."):
        service_credit_grant(credit=credit)
    service_credit_claim(credit=credit)
    service_credit_deny(credit=credit, note="Outage was a customer change")
    with pytest.raises(ValidationError, match="Only granted credits can be applied; this one is denied."):
        invoice = invoice_create(engagement=worked_example.msp, period=APRIL, number="N-1", amount=Decimal("1"))
        service_credit_apply(credit=credit, invoice=invoice)


def test_a_credit_is_not_applied_to_an_earlier_months_invoice(worked_example: WorkedExample) -> None:
    from sla.models import MonitoredService
    from sla.services.monitoring import outage_create

    email = MonitoredService.objects.get(engagement=worked_example.msp)
    outage_create(service=email, started_at=local(5, 9, month=5), ended_at=local(5, 11, month=5))
    (may_credit,) = service_credits_assess(month=d(1, 5))
    assert may_credit.amount == Decimal("600.00")  # 10% of May's 6,000.00
    service_credit_claim(credit=may_credit)
    service_credit_grant(credit=may_credit)
    april = invoice_create(engagement=worked_example.msp, period=APRIL, number="N-1", amount=Decimal("1"))
    with pytest.raises(ValidationError, match="only be applied to that month's invoice or a later one"):
        service_credit_apply(credit=may_credit, invoice=april)


def test_assessing_again_leaves_claims_in_progress_alone(worked_example: WorkedExample) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    service_credit_claim(credit=credit)
    ServiceCredit.objects.filter(pk=credit.pk).update(note="kept")
    assert service_credits_assess(month=APRIL) == []
    credit.refresh_from_db()
    assert (credit.status, credit.amount, credit.note) == (CreditStatus.CLAIMED, Decimal("400.00"), "kept")


def test_a_credit_cannot_be_applied_to_an_invoice_of_a_closed_month(worked_example: WorkedExample, superuser) -> None:
    april = invoice_create(engagement=worked_example.msp, period=APRIL, number="N-1", amount=Decimal("6500.00"))
    period_close(month=APRIL, user=superuser)
    credit = ServiceCredit.objects.get()
    service_credit_claim(credit=credit)
    service_credit_grant(credit=credit)
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        service_credit_apply(credit=credit, invoice=april)
