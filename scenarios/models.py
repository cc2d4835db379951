"""Saved scenarios: what if a service area moved to a managed service, to staff augmentation, or to a hybrid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from billing.models.base import first_of_month_constraint
from kernel.months import add_months, current_month, first_of
from scenarios.projection import HORIZON, HYBRID, MANAGED, MAX_ONBOARDING_MONTHS, STAFF_AUG

PCT_MESSAGE = "Enter a percentage from 0 to 100."
AMOUNT_MESSAGE = "Enter an amount of 0 or more."
ONBOARDING_MESSAGE = f"Enter an onboarding length of 0 to {MAX_ONBOARDING_MONTHS} months."
CLOSED_MESSAGE = "{month} is closed: start the scenario in an open month."
RANGE_MESSAGE = (
    "Start the scenario between {first} and {last}: it is projected from the figures of the six months before it, "
    "and its hindsight covers at most 24 months."
)


class Plan(models.TextChoices):
    STAFF_AUG = STAFF_AUG, "Staff augmentation"
    MANAGED = MANAGED, "Managed service"
    HYBRID = HYBRID, "Hybrid"


def _pct(label: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(0, PCT_MESSAGE), MaxValueValidator(100, PCT_MESSAGE)],
        **kwargs,
    )


def _amount(label: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, validators=[MinValueValidator(0, AMOUNT_MESSAGE)], **kwargs
    )


def _check(condition: Q, rule: str, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{rule}", violation_error_message=message
    )


def _in_pct(field: str) -> Q:
    return Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class Scenario(models.Model):
    """One service area projected over 24 months under three plans, from realized data and a quote.

    `realized` keeps what the projection drew from the data when the scenario
    was saved (hours history, mean rate, overhead ratios), so that its figures
    and its hindsight stay those of the decision, whatever is recomputed later.
    """

    service_area = models.ForeignKey("engagements.ServiceArea", on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=200)
    start_month = models.DateField(help_text="First month of the new plan (the first day of the month).")
    managed_fee = _amount("Quoted managed fee per month")
    onboarding_charges = _amount("Onboarding charges", default=Decimal("0.00"))
    onboarding_months = models.PositiveSmallIntegerField(
        "Onboarding length (months)",
        default=2,
        validators=[MaxValueValidator(MAX_ONBOARDING_MONTHS, ONBOARDING_MESSAGE)],
        help_text="The current plan keeps running during these months, and the onboarding charges are spread over them.",
    )
    credit_pct = _pct("Expected service credits (% of the fee)", default=Decimal("0.000"))
    managed_overhead_pct = _pct(
        "Managed overhead ratio (%)",
        null=True,
        blank=True,
        help_text="Leave empty to use the organisation's realized managed overhead ratio.",
    )
    hours_kept_pct = _pct("Staff-aug hours kept in the hybrid (%)", default=Decimal("30.000"))
    one_time_costs = _amount(
        "Extra one-time costs (staff aug)", default=Decimal("0.00"), help_text="Placement or hiring fees, in month 1."
    )
    chosen_plan = models.CharField(
        max_length=10,
        choices=Plan.choices,
        default=Plan.MANAGED,
        help_text="The plan the sentence speaks of and the hindsight follows.",
    )
    realized = models.JSONField(default=dict, blank=True, help_text="What was drawn from the data when saved.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="scenarios"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_area__name", "-updated_at", "-id"]
        indexes = [models.Index(fields=["service_area", "start_month"], name="scenarios_area_start")]
        constraints = [
            first_of_month_constraint("start_month"),
            _check(Q(managed_fee__gte=0), "managed_fee_not_negative", AMOUNT_MESSAGE),
            _check(Q(onboarding_charges__gte=0), "onboarding_charges_not_negative", AMOUNT_MESSAGE),
            _check(Q(one_time_costs__gte=0), "one_time_costs_not_negative", AMOUNT_MESSAGE),
            _check(Q(onboarding_months__lte=MAX_ONBOARDING_MONTHS), "onboarding_months_range", ONBOARDING_MESSAGE),
            _check(_in_pct("credit_pct"), "credit_pct_range", PCT_MESSAGE),
            _check(_in_pct("hours_kept_pct"), "hours_kept_pct_range", PCT_MESSAGE),
            _check(
                Q(managed_overhead_pct__isnull=True) | _in_pct("managed_overhead_pct"),
                "managed_overhead_pct_range",
                PCT_MESSAGE,
            ),
            _check(Q(chosen_plan__in=Plan.values), "chosen_plan_valid", "Choose staff aug, managed or hybrid."),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_month:
            self.start_month = first_of(self.start_month)
        # Imported here: billing's selectors load its models, which this module's import must not need.
        from billing.selectors import is_month_closed

        if self.start_month and is_month_closed(self.start_month):
            raise ValidationError({"start_month": CLOSED_MESSAGE.format(month=f"{self.start_month:%B %Y}")})
        if self.start_month:
            self._check_start_in_range(self.start_month)

    @staticmethod
    def _check_start_in_range(start: dt.date) -> None:
        """Refuse a start the data cannot speak for: later than 24 months ahead, or earlier than 24 months back.

        The projection learns from the six months before the start (at the
        latest last month), and hindsight covers at most 24 months.
        """
        now = current_month()
        first, last = add_months(now, -HORIZON), add_months(now, HORIZON)
        if not first <= start <= last:
            raise ValidationError({"start_month": RANGE_MESSAGE.format(first=f"{first:%B %Y}", last=f"{last:%B %Y}")})
