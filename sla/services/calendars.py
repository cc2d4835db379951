"""Services for coverage calendars: their zone, working hours and holidays.

A calendar is shared configuration: a change re-marks every month that its
policies govern and re-computes the clocks of their tickets (after commit, in
a task), so stored figures follow the configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError

from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.calendar.coverage import WorkingInterval, validate_working
from sla.models import CoverageCalendar, Holiday, WorkingHours
from sla.services.policies import policies_changed


class WorkingHoursSpec(TypedDict):
    """Opening hours on a weekday (0 = Monday); end None means midnight."""

    weekday: int
    start: dt.time
    end: dt.time | None


class HolidaySpec(TypedDict):
    """A closed local date."""

    date: dt.date
    name: NotRequired[str]


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _calendar_changed(calendar: CoverageCalendar) -> None:
    if calendar.pk is not None:
        policies_changed(calendar.policies.values_list("pk", flat=True), reason="Coverage calendar changed")


def check_working_hours(always_on: bool, working: Sequence[WorkingHoursSpec]) -> None:
    """Refuse hours that overlap or run backwards, and calendars that would never or ambiguously run."""
    if always_on and working:
        raise ValidationError(
            {"working_hours": "A 24x7 calendar ignores working hours: untick 24x7 or remove the hours."}
        )
    if not always_on and not working:
        raise ValidationError(
            {"working_hours": "Add working hours or tick 24x7: without either the SLA clock would never run."}
        )
    try:
        validate_working([WorkingInterval(row["weekday"], row["start"], row["end"]) for row in working])
    except ValueError as exc:
        raise ValidationError({"working_hours": _sentence(str(exc))}) from None


@atomic_service
def coverage_calendar_save(*, calendar: CoverageCalendar) -> CoverageCalendar:
    """Validate and save a calendar built elsewhere (the admin's form)."""
    validated_save(calendar)
    _calendar_changed(calendar)
    return calendar


@atomic_service
def coverage_calendar_create(
    *,
    name: str,
    time_zone: str,
    always_on: bool = False,
    working_hours: Sequence[WorkingHoursSpec] = (),
    holidays: Sequence[HolidaySpec] = (),
) -> CoverageCalendar:
    """Record a coverage calendar: 24x7, or working hours in a time zone, with holidays."""
    calendar = validated_save(CoverageCalendar(name=name, time_zone=time_zone, always_on=always_on))
    working_hours_set(calendar=calendar, working_hours=working_hours)
    holidays_set(calendar=calendar, holidays=holidays)
    return calendar


@atomic_service
def coverage_calendar_update(
    *,
    calendar: CoverageCalendar,
    working_hours: Sequence[WorkingHoursSpec] | None = None,
    holidays: Sequence[HolidaySpec] | None = None,
    **fields: Any,
) -> CoverageCalendar:
    """Change a calendar (name, zone, 24x7) and, when given, replace its working hours or holidays."""
    assign(calendar, fields, allowed=("name", "time_zone", "always_on"))
    coverage_calendar_save(calendar=calendar)
    if working_hours is not None or "always_on" in fields:
        current = working_hours if working_hours is not None else _working_specs(calendar)
        working_hours_set(calendar=calendar, working_hours=current)
    if holidays is not None:
        holidays_set(calendar=calendar, holidays=holidays)
    return calendar


def _working_specs(calendar: CoverageCalendar) -> list[WorkingHoursSpec]:
    return [
        WorkingHoursSpec(weekday=row.weekday, start=row.start, end=row.end)
        for row in WorkingHours.objects.filter(calendar=calendar)
    ]


@atomic_service
def working_hours_set(*, calendar: CoverageCalendar, working_hours: Sequence[WorkingHoursSpec]) -> bool:
    """Make a calendar's working hours exactly these; return whether anything changed."""
    check_working_hours(calendar.always_on, working_hours)
    wanted = {(row["weekday"], row["start"], row["end"]) for row in working_hours}
    existing = {(row.weekday, row.start, row.end): row for row in WorkingHours.objects.filter(calendar=calendar)}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    # Removals first, so each new row is checked against the final set only.
    if stale:
        WorkingHours.objects.filter(pk__in=stale).delete()
    added = sorted(wanted - set(existing))
    for weekday, start, end in added:
        validated_save(WorkingHours(calendar=calendar, weekday=weekday, start=start, end=end))
    changed = bool(stale or added)
    if changed:
        _calendar_changed(calendar)
    return changed


@atomic_service
def holidays_set(*, calendar: CoverageCalendar, holidays: Sequence[HolidaySpec]) -> bool:
    """Make a calendar's holidays exactly these (matched on date); return whether anything changed."""
    wanted = {row["date"]: row.get("name", "") for row in holidays}
    if len(wanted) != len(holidays):
        raise ValidationError({"holidays": "The same date is listed twice."})
    existing = {row.date: row for row in Holiday.objects.filter(calendar=calendar)}
    stale = [row.pk for day, row in existing.items() if day not in wanted]
    if stale:
        Holiday.objects.filter(pk__in=stale).delete()
    changed = bool(stale)
    for day, name in sorted(wanted.items()):
        row = existing.get(day)
        if row is not None and row.name == name:
            continue
        row = row or Holiday(calendar=calendar, date=day)
        row.name = name
        validated_save(row)
        # Only a new or removed date moves a clock; a renamed holiday does not.
        changed = changed or row.date not in existing
    if changed:
        _calendar_changed(calendar)
    return changed


@atomic_service
def coverage_calendar_delete(*, calendar: CoverageCalendar) -> None:
    """Delete a calendar with its hours and holidays; refused while a policy uses it."""
    if calendar.policies.exists():
        raise ValidationError(f"{calendar} cannot be deleted while SLA policies use it.")
    WorkingHours.objects.filter(calendar=calendar).delete()
    Holiday.objects.filter(calendar=calendar).delete()
    validated_delete(calendar)


CALENDAR = WriteServices(
    create=coverage_calendar_create,
    update=coverage_calendar_update,
    delete=coverage_calendar_delete,
    instance="calendar",
)
