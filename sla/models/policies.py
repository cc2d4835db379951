"""SLA policies (targets, credit tiers) and their effective-dated assignment to engagements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from kernel.facts import MonthKey, RecordedFact
from kernel.months import current_month, month_of, months_between
from sla.models.calendars import CoverageCalendar

HUNDRED = Decimal("100")


def pct_field(**kwargs: Any) -> models.DecimalField:
    """Return a percentage column: up to 100.000, three decimal places."""
    return models.DecimalField(max_digits=6, decimal_places=3, **kwargs)


def pct_between_0_and_100(field: str, message: str, *, zero_allowed: bool = False) -> models.CheckConstraint:
    """Return the constraint keeping a percentage column in (0, 100] (or [0, 100])."""
    low = Q(**{f"{field}__gte": 0}) if zero_allowed else Q(**{f"{field}__gt": 0})
    return models.CheckConstraint(
        condition=low & Q(**{f"{field}__lte": 100}),
        name=f"%(app_label)s_%(class)s_{field}_range",
        violation_error_message=message,
    )


def pct_errors(values: dict[str, tuple[Decimal | None, str, bool]]) -> dict[str, str]:
    """Return the field messages of percentages outside (0, 100] (or [0, 100] where zero is allowed)."""
    errors = {}
    for field, (value, message, zero_allowed) in values.items():
        if value is None:
            continue
        too_low = value < 0 if zero_allowed else value <= 0
        if too_low or value > HUNDRED:
            errors[field] = message
    return errors


UPTIME_TARGET_MESSAGE = "The uptime target must be more than 0% and at most 100%."
MAX_CREDIT_MESSAGE = "The maximum credit must be between 0% and 100%."
ATTAINMENT_GOAL_MESSAGE = "The attainment goal must be more than 0% and at most 100%."
BELOW_PCT_MESSAGE = "A tier's uptime threshold must be more than 0% and at most 100%."
CREDIT_PCT_MESSAGE = "A tier's credit must be more than 0% and at most 100%."


class Priority(models.TextChoices):
    P1 = "P1", "P1 (critical)"
    P2 = "P2", "P2 (high)"
    P3 = "P3", "P3 (medium)"
    P4 = "P4", "P4 (low)"


class SLAPolicy(RecordedFact):
    """An SLA (or an internal OLA): uptime target, coverage calendar, ticket targets and credit tiers."""

    engagement_path = None
    month_fields = ()

    name = models.CharField(max_length=200, unique=True)
    calendar = models.ForeignKey(
        CoverageCalendar,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="When the ticket clocks run.",
    )
    uptime_target = pct_field(help_text="Monthly uptime promised, in percent, e.g. 99.900.")
    max_credit_pct = pct_field(
        default=Decimal("100.000"), help_text="Cap on the service credit, in percent of the month's fee."
    )
    attainment_goal = pct_field(
        default=Decimal("95.000"),
        help_text="Share of tickets meeting their targets from which the service counts as delivering (time to value).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            pct_between_0_and_100("uptime_target", UPTIME_TARGET_MESSAGE),
            pct_between_0_and_100("max_credit_pct", MAX_CREDIT_MESSAGE, zero_allowed=True),
            pct_between_0_and_100("attainment_goal", ATTAINMENT_GOAL_MESSAGE),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = pct_errors(
            {
                "uptime_target": (self.uptime_target, UPTIME_TARGET_MESSAGE, False),
                "max_credit_pct": (self.max_credit_pct, MAX_CREDIT_MESSAGE, True),
                "attainment_goal": (self.attainment_goal, ATTAINMENT_GOAL_MESSAGE, False),
            }
        )
        if errors:
            raise ValidationError(errors)

    def target_for(self, priority: str) -> PriorityTarget | None:
        """Return the target of a priority (uses prefetched targets when present)."""
        return next((target for target in self.targets.all() if target.priority == priority), None)


class CreditTier(RecordedFact):
    """The credit owed when uptime is below a threshold (and not below a lower tier's)."""

    engagement_path = None
    month_fields = ()

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="credit_tiers")
    below_pct = pct_field(verbose_name="uptime below (%)")
    credit_pct = pct_field(verbose_name="credit (%)")

    class Meta:
        ordering = ["policy", "-below_pct"]
        constraints = [
            pct_between_0_and_100("below_pct", BELOW_PCT_MESSAGE),
            pct_between_0_and_100("credit_pct", CREDIT_PCT_MESSAGE),
            models.UniqueConstraint(
                fields=["policy", "below_pct"],
                name="%(app_label)s_%(class)s_one_per_threshold",
                violation_error_message="Two tiers of this policy have the same uptime threshold.",
            ),
        ]

    def __str__(self) -> str:
        return f"below {self.below_pct}%: {self.credit_pct}% credit"

    def clean(self) -> None:
        # Rules across tiers (descending, under the target) are checked on the
        # whole set by the service, which sees every tier of the policy at once.
        errors = pct_errors(
            {
                "below_pct": (self.below_pct, BELOW_PCT_MESSAGE, False),
                "credit_pct": (self.credit_pct, CREDIT_PCT_MESSAGE, False),
            }
        )
        if errors:
            raise ValidationError(errors)


class PriorityTarget(RecordedFact):
    """Response and resolution targets of one priority, in minutes of the policy's calendar."""

    engagement_path = None
    month_fields = ()

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    response_minutes = models.IntegerField(help_text="Business minutes from opening to first response.")
    resolution_minutes = models.IntegerField(help_text="Business minutes from opening to resolution.")

    class Meta:
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority"],
                name="%(app_label)s_%(class)s_one_per_priority",
                violation_error_message="This policy already has a target for this priority.",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values),
                name="%(app_label)s_%(class)s_priority_valid",
                violation_error_message="The priority must be P1, P2, P3 or P4.",
            ),
            models.CheckConstraint(
                condition=Q(response_minutes__gt=0),
                name="%(app_label)s_%(class)s_response_positive",
                violation_error_message="The response target must be at least 1 minute.",
            ),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gt=0),
                name="%(app_label)s_%(class)s_resolution_positive",
                violation_error_message="The resolution target must be at least 1 minute.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}: respond {self.response_minutes} min, resolve {self.resolution_minutes} min"

    def clean(self) -> None:
        errors = {}
        if self.response_minutes is not None and self.response_minutes <= 0:
            errors["response_minutes"] = "The response target must be at least 1 minute."
        if self.resolution_minutes is not None and self.resolution_minutes <= 0:
            errors["resolution_minutes"] = "The resolution target must be at least 1 minute."
        if errors:
            raise ValidationError(errors)


class SLAAssignment(RecordedFact):
    """A policy applying to an engagement from a date on, until the engagement's next assignment."""

    month_fields = ("effective_from",)

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.PROTECT, related_name="sla_assignments")
    policy = models.ForeignKey(SLAPolicy, on_delete=models.PROTECT, related_name="assignments")
    effective_from = models.DateField(help_text="The policy applies to tickets opened and months from this date on.")

    class Meta:
        ordering = ["engagement", "-effective_from"]
        verbose_name = "SLA assignment"
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "effective_from"],
                name="%(app_label)s_%(class)s_one_per_day",
                violation_error_message="This engagement already has a policy taking effect on this date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} from {self.effective_from}"

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return every month from effective_from through the current one: the policy governs them all."""
        engagement_id, start = row.get("_engagement"), row.get("effective_from")
        if engagement_id is None or start is None:
            return set()
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        return {(engagement_id, month) for month in months_between(month_of(start), current_month())}
