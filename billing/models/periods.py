"""Calendar months that can be closed, their reopenings, and monthly exchange rates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from billing.models.base import BillingFact, first_of_month_constraint
from billing.querysets import PeriodQuerySet
from engagements.models import Engagement
from kernel.currencies import ISO_4217_CODES
from kernel.facts import MonthKey
from kernel.months import month_of


class Period(BillingFact):
    """A calendar month of the organisation; once closed, the facts dated in it are locked."""

    month = models.DateField(unique=True, help_text="First day of the month.")
    closed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A period is not a fact dated in a month: closing it must not be refused by its own lock.
    engagement_path = None
    month_fields = ()
    objects: ClassVar = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]
        permissions = [
            ("close_period", "Can close a period"),
            ("reopen_period", "Can reopen a closed period"),
        ]
        constraints = [
            first_of_month_constraint("month"),
            models.CheckConstraint(
                condition=Q(closed=False) | Q(closed_at__isnull=False),
                name="%(app_label)s_%(class)s_closed_has_time",
                violation_error_message="A closed period records when it was closed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}" + (" (closed)" if self.closed else "")

    def clean(self) -> None:
        if self.month:
            self.month = month_of(self.month)


class PeriodReopening(BillingFact):
    """Who reopened a closed period, when, and why (the audit of an exceptional act)."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="reopenings")
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept beside the foreign key so the record survives the user's deletion.
    reopened_by_label = models.CharField(max_length=200)
    reopened_at = models.DateTimeField()
    reason = models.TextField()

    engagement_path = None
    month_fields = ()

    class Meta:
        ordering = ["-reopened_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="%(app_label)s_%(class)s_reason_required",
                violation_error_message="Say why the period is reopened.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period.month:%B %Y} reopened by {self.reopened_by_label} at {self.reopened_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        self.reason = (self.reason or "").strip()
        if not self.reason:
            raise ValidationError({"reason": "Say why the period is reopened."})


class ExchangeRate(BillingFact):
    """How many units of the base currency one unit of a currency was worth in a month."""

    month = models.DateField(help_text="First day of the month.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR.")
    rate_to_base = models.DecimalField(max_digits=18, decimal_places=8, help_text="Base currency per one unit.")

    engagement_path = None
    month_fields = ()

    class Meta:
        ordering = ["-month", "currency"]
        constraints = [
            first_of_month_constraint("month"),
            models.CheckConstraint(
                condition=Q(rate_to_base__gt=0),
                name="%(app_label)s_%(class)s_rate_positive",
                violation_error_message="The rate must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(currency__in=ISO_4217_CODES),
                name="%(app_label)s_%(class)s_currency_iso4217",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
            models.UniqueConstraint(
                fields=["month", "currency"],
                name="%(app_label)s_%(class)s_one_per_month_and_currency",
                violation_error_message="This month already has a rate for this currency.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m}: {self.rate_to_base} {settings.BASE_CURRENCY}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.month:
            self.month = month_of(self.month)
        if self.currency:
            self.currency = self.currency.strip().upper()
            if self.currency not in ISO_4217_CODES:
                errors["currency"] = f"{self.currency!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP)."
            elif self.currency == settings.BASE_CURRENCY:
                errors["currency"] = f"{self.currency} is the base currency: its rate is always 1."
        if self.rate_to_base is not None and self.rate_to_base <= 0:
            errors["rate_to_base"] = "The rate must be more than 0."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return the months of engagements billed in this currency (their converted figures move)."""
        month, currency = row.get("month"), row.get("currency")
        if not month or not currency:
            return set()
        ids = Engagement.objects.active_in(month).filter(currency=currency).values_list("pk", flat=True)
        return {(pk, month_of(month)) for pk in ids}

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        keys: set[MonthKey] = set()
        for obj in objs:
            keys |= cls.month_keys({"month": obj.month, "currency": obj.currency})
        return keys
