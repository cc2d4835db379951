"""Services for the service credit ledger: assessment from the SLA engine, then the claim's course."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from billing.models import CreditStatus, Invoice, Period, ServiceCredit
from billing.selectors import engagement_month_costs, is_month_closed
from billing.services.invoices import invoice_reconcile
from engagements.models import DeliveryModel, Engagement
from kernel.money import round_pct
from kernel.months import first_of, month_label
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.selectors import uptime_for


@atomic_service
def service_credits_assess(*, month: dt.date) -> list[ServiceCredit]:
    """Record the credit each managed engagement is owed for a month's missed SLA; return those recorded."""
    # Credits still only eligible follow the latest figures; one whose claim
    # has started keeps the figures it was claimed with.
    month = first_of(month)
    if is_month_closed(month):
        raise ValidationError(f"{month_label(month)} is closed: its service credits were assessed when it closed.")
    ids = list(Engagement.objects.active_in(month).filter(model=DeliveryModel.MANAGED).values_list("pk", flat=True))
    costs, uptimes = engagement_month_costs(ids, month), uptime_for(ids, month)
    existing = {c.engagement_id: c for c in ServiceCredit.objects.filter(engagement_id__in=ids, month=month)}
    assessed = []
    for pk in ids:
        credit, figures = existing.get(pk), costs[pk]
        if credit is not None and credit.status != CreditStatus.ELIGIBLE:
            continue
        if figures.credit <= 0:
            if credit is not None:
                validated_delete(credit)
            continue
        credit = credit or ServiceCredit(engagement_id=pk, month=month)
        uptime = uptimes.get(pk)
        credit.uptime_pct = None if uptime is None else round_pct(uptime)
        credit.credit_pct, credit.amount = figures.credit_pct, figures.credit
        assessed.append(validated_save(credit))
    return assessed


def _move(credit: ServiceCredit, *, expected: str, to: str, verb: str) -> None:
    if credit.status != expected:
        raise ValidationError(
            f"Only {CreditStatus(expected).label.lower()} credits can be {verb}; this one is "
            f"{credit.get_status_display().lower()}."
        )
    credit.status = to


@atomic_service
def service_credit_claim(*, credit: ServiceCredit, user: User | None = None, note: str = "") -> ServiceCredit:
    """Record that the credit was claimed from the provider."""
    _move(credit, expected=CreditStatus.ELIGIBLE, to=CreditStatus.CLAIMED, verb="claimed")
    credit.note, credit.updated_by = note or credit.note, user
    return validated_save(credit)


@atomic_service
def service_credit_grant(
    *, credit: ServiceCredit, user: User | None = None, amount: Decimal | None = None, note: str = ""
) -> ServiceCredit:
    """Record that the provider granted the claim (possibly for another amount)."""
    _move(credit, expected=CreditStatus.CLAIMED, to=CreditStatus.GRANTED, verb="granted")
    if amount is not None:
        credit.amount = amount
    credit.note, credit.updated_by = note or credit.note, user
    return validated_save(credit)


@atomic_service
def service_credit_deny(*, credit: ServiceCredit, user: User | None = None, note: str = "") -> ServiceCredit:
    """Record that the provider denied the claim."""
    _move(credit, expected=CreditStatus.CLAIMED, to=CreditStatus.DENIED, verb="denied")
    credit.note, credit.updated_by = note or credit.note, user
    return validated_save(credit)


@atomic_service
def service_credit_apply(*, credit: ServiceCredit, invoice: Invoice, user: User | None = None) -> ServiceCredit:
    """Deduct a granted credit from an invoice of its engagement, and reconcile that invoice again."""
    if invoice.period < credit.month:
        month = month_label(credit.month)
        message = f"A credit for {month} can only be applied to that month's invoice or a later one."
        raise ValidationError({"applied_invoice": message})
    _move(credit, expected=CreditStatus.GRANTED, to=CreditStatus.APPLIED, verb="applied")
    credit.applied_invoice, credit.updated_by = invoice, user
    validated_save(credit)
    invoice_reconcile(invoice=invoice)
    return credit


def next_invoice_for(credit: ServiceCredit) -> Invoice | None:
    """Return the first invoice of the credit's engagement from its month on, in an open period."""
    closed = Period.objects.closed().values("month")
    return (
        Invoice.objects.filter(engagement_id=credit.engagement_id, period__gte=credit.month)
        .exclude(period__in=closed)
        .order_by("period")
        .first()
    )


@atomic_service
def service_credit_update(*, credit: ServiceCredit, **fields: Any) -> ServiceCredit:
    """Change a credit's note (its figures come from the engine, its status from the claim services)."""
    assign(credit, fields, allowed=("note",))
    return validated_save(credit)


def service_credit_delete(*, credit: ServiceCredit) -> None:
    """Delete a credit (the next assessment of an open month records it again if still owed)."""
    validated_delete(credit)


# Credits are assessed by service_credits_assess, never entered one by one.
SERVICE_CREDIT = WriteServices(
    create=None, update=service_credit_update, delete=service_credit_delete, instance="credit"
)
