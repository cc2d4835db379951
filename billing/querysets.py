"""QuerySets of billing, named after business states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from billing.models.base import BillingQuerySet
from kernel.months import first_of, month_bounds


class EffectiveDatedQuerySet(BillingQuerySet):
    """Effective-dated values (rates, fees): one per scope is in effect on a day."""

    # The column that groups rows whose dates supersede one another.
    scope_field = ""

    def in_effect_on(self, day: dt.date) -> QuerySet[Any]:
        """Rows in effect on a day: per scope, the latest effective on or before it."""
        latest = (
            self.model._base_manager.filter(**{self.scope_field: OuterRef(self.scope_field)}, effective_from__lte=day)
            .order_by("-effective_from")
            .values("pk")[:1]
        )
        return self.filter(effective_from__lte=day, pk=Subquery(latest))


class ContractorRateQuerySet(EffectiveDatedQuerySet):
    """Contractor bill rates."""

    scope_field = "contractor"


class FeeScheduleQuerySet(EffectiveDatedQuerySet):
    """Monthly fees of managed engagements."""

    scope_field = "engagement"


class InternalRateQuerySet(EffectiveDatedQuerySet):
    """Internal cost rates: per person, or the organisation default (no person)."""

    scope_field = "person"

    def defaults(self) -> InternalRateQuerySet:
        """The organisation-wide default rates."""
        return self.filter(person__isnull=True)

    def in_effect_on(self, day: dt.date) -> QuerySet[Any]:
        # A null person never equals OuterRef, so the default is looked up on its own.
        personal = super().in_effect_on(day).filter(person__isnull=False)
        default = self.defaults().filter(effective_from__lte=day).order_by("-effective_from").values("pk")[:1]
        return self.filter(Q(pk__in=personal.values("pk")) | Q(pk__in=Subquery(default)))


class ChargeQuerySet(BillingQuerySet):
    """One-time charges."""

    def in_month(self, month: dt.date) -> ChargeQuerySet:
        """Charges dated in the month containing a date (cash basis)."""
        first, last = month_bounds(month)
        return self.filter(date__gte=first, date__lte=last)


class ServiceCreditQuerySet(BillingQuerySet):
    """The service credit ledger."""

    def awaiting_claim(self) -> ServiceCreditQuerySet:
        """Credits the provider owes that nobody has claimed yet."""
        return self.filter(status="eligible")

    def awaiting_decision(self) -> ServiceCreditQuerySet:
        """Claims the provider has neither granted nor denied."""
        return self.filter(status="claimed")

    def granted_unapplied(self) -> ServiceCreditQuerySet:
        """Granted credits not yet deducted from an invoice."""
        return self.filter(status="granted")


class InvoiceQuerySet(BillingQuerySet):
    """Vendor invoices."""

    def for_period(self, month: dt.date) -> InvoiceQuerySet:
        """Invoices billing the month containing a date."""
        return self.filter(period=first_of(month))

    def mismatched(self) -> InvoiceQuerySet:
        """Invoices whose amount is over or under the expected amount beyond the tolerance."""
        return self.filter(reconciliation__in=["over", "under"])

    def unreconciled(self) -> InvoiceQuerySet:
        """Invoices without an expected amount to compare with yet."""
        return self.filter(reconciliation="unreconciled")


class PeriodQuerySet(BillingQuerySet):
    """Periods (calendar months)."""

    def closed(self) -> PeriodQuerySet:
        """Months that are closed: their facts are locked."""
        return self.filter(closed=True)
