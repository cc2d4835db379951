"""What is charged and billed: one-time charges, vendor invoices, the service credit ledger."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from billing.models.base import BillingFact, first_of_month_constraint
from billing.querysets import ChargeQuerySet, InvoiceQuerySet, ServiceCreditQuerySet
from engagements.models import Engagement
from engagements.models.entries import check_date_in
from kernel.facts import MonthKey, source_external_id_unique
from kernel.months import last_day_of, month_of


def _amount(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class ChargeKind(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding fee"
    SETUP = "setup", "Setup"
    PLACEMENT = "placement", "Placement fee"
    SECURITY_AUDIT = "security_audit", "Security audit"
    HARDWARE = "hardware", "Hardware"
    OTHER = "other", "Other"


class OneTimeCharge(BillingFact):
    """A charge billed once (onboarding, setup, placement...), counted in the month of its date."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="one_time_charges")
    date = models.DateField()
    amount = _amount()
    kind = models.CharField(max_length=20, choices=ChargeKind.choices)
    description = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the row came from: api, import...")
    external_id = models.CharField(max_length=200, blank=True, help_text="The row's id in its source system.")

    objects: ClassVar = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "one-time charge"
        indexes = [models.Index(fields=["engagement", "date"], name="billing_charge_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message="The amount must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ChargeKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message="Pick one of the listed kinds of charge.",
            ),
            source_external_id_unique("A charge"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.date}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = "The amount must be more than 0."
        if self.engagement_id:
            errors |= check_date_in(self.engagement, self.date)
        if errors:
            raise ValidationError(errors)


class Reconciliation(models.TextChoices):
    UNRECONCILED = "unreconciled", "Unreconciled"
    MATCHED = "matched", "Matched"
    OVER = "over", "Billed over expected"
    UNDER = "under", "Billed under expected"


# Computed by the reconciliation, not entered: kept out of the audit trail and
# out of the changed-month marks (else reconciling would trigger a recompute).
COMPUTED_INVOICE_FIELDS = ("expected_amount", "variance", "reconciliation", "reconciled_at")


class Invoice(BillingFact):
    """What the vendor billed for one engagement-month, reconciled against the expected amount."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="invoices")
    period = models.DateField(help_text="First day of the month the invoice bills.")
    number = models.CharField(max_length=100, help_text="The vendor's invoice number.")
    amount = _amount()
    received = models.DateField(null=True, blank=True)
    expected_amount = _amount(null=True, blank=True, editable=False)
    variance = _amount(null=True, blank=True, editable=False, help_text="Billed minus expected.")
    reconciliation = models.CharField(
        max_length=20, choices=Reconciliation.choices, default=Reconciliation.UNRECONCILED, editable=False
    )
    reconciled_at = models.DateTimeField(null=True, blank=True, editable=False)

    month_fields = ("period",)
    objects: ClassVar = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "engagement"]
        constraints = [
            first_of_month_constraint("period"),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message="The amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(reconciliation__in=Reconciliation.values),
                name="%(app_label)s_%(class)s_reconciliation_valid",
                violation_error_message="Unknown reconciliation status.",
            ),
            models.UniqueConstraint(
                fields=["engagement", "number"],
                name="%(app_label)s_%(class)s_number_unique_per_engagement",
                violation_error_message="This engagement already has an invoice with this number.",
            ),
            models.UniqueConstraint(
                fields=["engagement", "period"],
                name="%(app_label)s_%(class)s_one_per_engagement_month",
                violation_error_message="This engagement already has an invoice for this month.",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number} ({self.period:%B %Y})" if self.period else f"Invoice {self.number}"

    @classmethod
    def audited_attnames(cls) -> list[str]:
        return [name for name in super().audited_attnames() if name not in COMPUTED_INVOICE_FIELDS]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.period:
            self.period = month_of(self.period)
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "The amount cannot be negative."
        if self.engagement_id and self.period:
            engagement = self.engagement
            if engagement.start_date > last_day_of(self.period) or (
                engagement.end_date and engagement.end_date < self.period
            ):
                errors["period"] = f"{engagement} is not active in {self.period:%B %Y}."
            if self.number and self._number_taken_at_vendor():
                errors["number"] = f"{engagement.vendor} already has an invoice numbered {self.number}."
        if errors:
            raise ValidationError(errors)

    def _number_taken_at_vendor(self) -> bool:
        # The database keeps numbers unique per engagement; a vendor numbers
        # its invoices once across all its clients' engagements.
        same = Invoice.objects.filter(engagement__vendor_id=self.engagement.vendor_id, number=self.number)
        return same.exclude(pk=self.pk).exists()


class InvoiceLine(BillingFact):
    """One line of a vendor invoice, as billed."""

    # Lines are part of their invoice: deleting the (guarded, audited) invoice removes them.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=500)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Negative for a credit line.")

    engagement_path = "invoice__engagement_id"
    month_fields = ()

    class Meta:
        ordering = ["invoice", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"

    @classmethod
    def snapshot_extras(cls) -> dict[str, Any]:
        return {"_period": F("invoice__period")}

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        engagement_id, period = row.get("_engagement"), row.get("_period")
        return {(engagement_id, period)} if engagement_id is not None and period else set()

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        ids = {obj.invoice_id for obj in objs}
        return set(Invoice.objects.filter(pk__in=ids).values_list("engagement_id", "period"))


class CreditStatus(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    CLAIMED = "claimed", "Claimed"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    APPLIED = "applied", "Applied to an invoice"


class ServiceCredit(BillingFact):
    """The credit a provider owes for one engagement-month's missed SLA, and how its claim went."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="service_credits")
    month = models.DateField(help_text="First day of the month whose SLA was missed.")
    uptime_pct = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Uptime to 3 places; empty without services."
    )
    credit_pct = models.DecimalField(max_digits=6, decimal_places=3)
    amount = _amount()
    status = models.CharField(max_length=10, choices=CreditStatus.choices, default=CreditStatus.ELIGIBLE)
    applied_invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="applied_credits"
    )
    note = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A credit's claim moves on long after its month closed; it touches the
    # month of the invoice it is deducted from, whose figures it changes.
    month_fields = ()
    objects: ClassVar = ServiceCreditQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "engagement"]
        constraints = [
            first_of_month_constraint("month"),
            models.UniqueConstraint(
                fields=["engagement", "month"],
                name="%(app_label)s_%(class)s_one_per_engagement_month",
                violation_error_message="This engagement already has a credit for this month.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CreditStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message="Unknown credit status.",
            ),
            models.CheckConstraint(
                condition=Q(credit_pct__gte=0, credit_pct__lte=100) & Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amounts_in_range",
                violation_error_message="The credit percent must be 0 to 100 and the amount not negative.",
            ),
            models.CheckConstraint(
                condition=Q(status=CreditStatus.APPLIED, applied_invoice__isnull=False)
                | (~Q(status=CreditStatus.APPLIED) & Q(applied_invoice__isnull=True)),
                name="%(app_label)s_%(class)s_applied_has_invoice",
                violation_error_message="A credit is applied exactly when it names the invoice it was deducted from.",
            ),
        ]

    def __str__(self) -> str:
        return f"Credit {self.amount} for {self.month:%B %Y}" if self.month else f"Credit {self.amount}"

    @classmethod
    def snapshot_extras(cls) -> dict[str, Any]:
        return {"_period": F("applied_invoice__period")}

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        return InvoiceLine.month_keys(row)

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        ids = {obj.applied_invoice_id for obj in objs} - {None}
        if not ids:
            return set()
        return set(Invoice.objects.filter(pk__in=ids).values_list("engagement_id", "period"))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.month:
            self.month = month_of(self.month)
        invoice = self.applied_invoice if self.applied_invoice_id else None
        if invoice is not None and invoice.engagement_id != self.engagement_id:
            errors["applied_invoice"] = "A credit can only be applied to an invoice of its own engagement."
        if (self.status == CreditStatus.APPLIED) != bool(self.applied_invoice_id):
            errors["applied_invoice"] = "A credit is applied exactly when it names the invoice it was deducted from."
        if self.credit_pct is not None and not Decimal("0") <= self.credit_pct <= Decimal("100"):
            errors["credit_pct"] = "The credit percent must be between 0 and 100."
        if errors:
            raise ValidationError(errors)
