"""Facts dated on a day: hours worked, overhead hours, milestones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum

from engagements.models.core import Contractor, Engagement, Person
from engagements.querysets import DatedQuerySet
from kernel.facts import RecordedFact, source_external_id_unique

MAX_HOURS_PER_DAY = Decimal("24")
# Each rule's message, written once: the model's check, the database's own
# constraint or trigger (registered in EngagementsConfig.ready) and the bulk
# importers all say it in these words.
HOURS_RANGE_MESSAGE = "Hours must be more than 0 and at most 24."
DATE_IN_ENGAGEMENT_MESSAGE = "The date must be within the engagement's dates."
DAILY_HOURS_MESSAGE = "A contractor's hours on one day total at most 24."
# The daily rule as the detailed messages (with the hours already recorded) end it.
DAY_HOLDS = "a day holds at most 24 h"


def _hours_field() -> models.DecimalField:
    return models.DecimalField(max_digits=5, decimal_places=2)


def _hours_constraints() -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(hours__gt=0) & Q(hours__lte=24),
            name="%(app_label)s_%(class)s_hours_between_0_and_24",
            violation_error_message=HOURS_RANGE_MESSAGE,
        )
    ]


def check_hours(hours: Decimal | None) -> dict[str, str]:
    """Return the field error of hours outside (0, 24], for models and bulk importers alike."""
    if hours is not None and not (Decimal("0") < hours <= MAX_HOURS_PER_DAY):
        return {"hours": HOURS_RANGE_MESSAGE}
    return {}


def check_date_in(engagement: Engagement, day: dt.date | None) -> dict[str, str]:
    """Return the field error of a date outside the engagement's dates, for models and bulk importers alike."""
    if day is not None and not engagement.covers(day):
        end = engagement.end_date.isoformat() if engagement.end_date else "open-ended"
        dates = f"({engagement.start_date.isoformat()} to {end})"
        return {"date": DATE_IN_ENGAGEMENT_MESSAGE.removesuffix(".") + f" {dates}."}
    return {}


class TimeEntry(RecordedFact):
    """Hours a contractor worked on a date."""

    # No index of its own: the (contractor, date) index below serves every lookup by contractor, and a
    # second one tempted PostgreSQL's trigger into reading all of a contractor's history for one day.
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="time_entries", db_index=False)
    date = models.DateField()
    hours = _hours_field()
    description = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the row came from: harvest, toggl, api...")
    external_id = models.CharField(max_length=200, blank=True, help_text="The row's id in its source system.")

    engagement_path = "contractor__engagement_id"
    objects: ClassVar = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["contractor", "date"], name="engagements_time_day")]
        constraints = [
            *_hours_constraints(),
            source_external_id_unique("A time entry"),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h on {self.date}"

    @classmethod
    def engagement_ids_of(cls, objs: Sequence[Self]) -> list[int | None]:
        ids = {obj.contractor_id for obj in objs}
        engagement_of = dict(Contractor.objects.filter(pk__in=ids).values_list("pk", "engagement_id"))
        return [engagement_of.get(obj.contractor_id) for obj in objs]

    def clean(self) -> None:
        errors = check_hours(self.hours)
        if self.contractor_id and self.date:
            errors |= check_date_in(self.contractor.engagement, self.date)
            if not errors and self.hours is not None:
                errors |= self._check_daily_total()
        if errors:
            raise ValidationError(errors)

    def _check_daily_total(self) -> dict[str, str]:
        others = (
            TimeEntry.objects.filter(contractor_id=self.contractor_id, date=self.date)
            .exclude(pk=self.pk)
            .aggregate(total=Sum("hours"))["total"]
        )
        # SQLite sums decimals as floats; hours have 2 places, so round back.
        already = Decimal(str(others or 0)).quantize(Decimal("0.01"))
        if already + self.hours > MAX_HOURS_PER_DAY:
            return {
                "hours": f"{self.contractor.name} already has {already} h on {self.date}; "
                f"{DAY_HOLDS}, so at most {MAX_HOURS_PER_DAY - already} h more."
            }
        return {}


class Activity(models.TextChoices):
    SUPERVISION = "supervision", "Supervision"
    ONBOARDING = "onboarding", "Onboarding"
    TRAINING = "training", "Training"
    QA_REVIEW = "qa_review", "QA review"
    REWORK = "rework", "Rework"
    VENDOR_MANAGEMENT = "vendor_management", "Vendor management"
    COORDINATION = "coordination", "Coordination"


class OverheadEntry(RecordedFact):
    """Hours an internal person spent managing an engagement (the management tax)."""

    # No index of its own: the (engagement, date) index below serves lookups by engagement.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="overhead_entries", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="overhead_entries")
    date = models.DateField()
    hours = _hours_field()
    activity = models.CharField(max_length=20, choices=Activity.choices)
    description = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=50, blank=True)
    external_id = models.CharField(max_length=200, blank=True)

    objects: ClassVar = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "overhead entries"
        indexes = [models.Index(fields=["engagement", "date"], name="engagements_overhead_day")]
        constraints = [
            *_hours_constraints(),
            models.CheckConstraint(
                condition=Q(activity__in=Activity.values),
                name="%(app_label)s_%(class)s_activity_valid",
                violation_error_message="Pick one of the listed activities.",
            ),
            source_external_id_unique("An overhead entry"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.hours} h {self.get_activity_display()} on {self.date}"

    def clean(self) -> None:
        errors = check_hours(self.hours)
        if self.engagement_id and self.date:
            errors |= check_date_in(self.engagement, self.date)
        if errors:
            raise ValidationError(errors)


class Milestone(RecordedFact):
    """A deliverable with a due date, a delivered date and whether it was accepted."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    delivered_date = models.DateField(null=True, blank=True)
    accepted = models.BooleanField(default=False)

    month_fields = ("due_date", "delivered_date")

    class Meta:
        ordering = ["due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted=False) | Q(delivered_date__isnull=False),
                name="%(app_label)s_%(class)s_accepted_needs_delivery",
                violation_error_message="A milestone can only be accepted once it has been delivered.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.accepted and not self.delivered_date:
            raise ValidationError({"accepted": "A milestone can only be accepted once it has been delivered."})
