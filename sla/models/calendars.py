"""Coverage calendars: when SLA clocks run (24x7, or working hours in a zone minus holidays)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from kernel.facts import RecordedFact
from kernel.months import zone
from sla.calendar import coverage

# The rule's message, written once: clean(), the database check and sla.apps use it.
WORKING_HOURS_END_MESSAGE = "Working hours must end after they start (leave the end empty for midnight)."


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def unknown_zone_message(name: str) -> str:
    """Return the message shown for a time zone name that is not an IANA zone."""
    return f"{name!r} is not a known time zone: use an IANA name such as America/New_York, Europe/Berlin or UTC."


class CoverageCalendar(RecordedFact):
    """When an SLA clock runs: 24x7, or weekly working hours in an IANA time zone minus holidays."""

    # Shared configuration: it belongs to no engagement and no month.
    engagement_path = None
    month_fields = ()

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="IANA time zone name, e.g. America/New_York, Europe/Berlin or UTC."
    )
    always_on = models.BooleanField(
        "24x7", default=False, help_text="The clock always runs; working hours and holidays are then ignored."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone:
            self.time_zone = self.time_zone.strip()
            try:
                zone(self.time_zone)
            except ValueError:
                raise ValidationError({"time_zone": unknown_zone_message(self.time_zone)}) from None

    def as_calendar(self) -> coverage.CoverageCalendar:
        """Return the pure-maths calendar (uses prefetched working hours and holidays when present)."""
        working = tuple(row.as_interval() for row in self.working_hours.all())
        holidays = frozenset(row.date for row in self.holidays.all())
        return coverage.CoverageCalendar(self.time_zone, self.always_on, working, holidays)


class WorkingHours(RecordedFact):
    """Opening hours on one weekday in the calendar's zone; several per day allowed (a lunch break)."""

    engagement_path = None
    month_fields = ()

    calendar = models.ForeignKey(CoverageCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(null=True, blank=True, help_text="Leave empty for midnight (24:00).")

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = "working hours"
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6),
                name="%(app_label)s_%(class)s_weekday_valid",
                violation_error_message="The weekday must be 0 (Monday) to 6 (Sunday).",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=WORKING_HOURS_END_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        if self.start is None or self.weekday is None:
            return "working hours"
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        return f"{Weekday(self.weekday).label} {self.start:%H:%M}-{end}"

    def as_interval(self) -> coverage.WorkingInterval:
        """Return the pure-maths working interval."""
        return coverage.WorkingInterval(self.weekday, self.start, self.end)

    def clean(self) -> None:
        if self.start is None or self.weekday is None:
            return
        if self.end is not None and self.end <= self.start:
            raise ValidationError({"end": WORKING_HOURS_END_MESSAGE})
        # Overlaps are a rule of the whole set: sla.services.policies.working_hours_set
        # (and the admin's inline) check every row of the calendar at once.


class Holiday(RecordedFact):
    """A local date on which a working-hours calendar is closed all day."""

    engagement_path = None
    month_fields = ()

    calendar = models.ForeignKey(CoverageCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="%(app_label)s_%(class)s_one_per_date",
                violation_error_message="This calendar already has a holiday on this date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()
