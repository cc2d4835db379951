"""Services for time and overhead entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import Contractor, Engagement, OverheadEntry, Person, TimeEntry
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save

TIME_ENTRY_FIELDS = ("contractor", "date", "hours", "description", "source", "external_id")
OVERHEAD_ENTRY_FIELDS = ("engagement", "person", "date", "hours", "activity", "description", "source", "external_id")


class OverheadEntryChanges(TypedDict, total=False):
    """The fields of an overhead entry that overhead_entry_update changes (any subset)."""

    engagement: Engagement
    person: Person
    date: dt.date
    hours: Decimal
    activity: str
    description: str
    source: str
    external_id: str


@atomic_service
def time_entry_create(
    *,
    contractor: Contractor,
    date: dt.date,
    hours: Decimal,
    description: str = "",
    source: str = "",
    external_id: str = "",
) -> TimeEntry:
    """Record hours a contractor worked on a date."""
    entry = TimeEntry(
        contractor=contractor,
        date=date,
        hours=hours,
        description=description,
        source=source,
        external_id=external_id,
    )
    return validated_save(entry)


@atomic_service
def time_entry_update(*, entry: TimeEntry, **fields: object) -> TimeEntry:
    """Change a time entry."""
    assign(entry, fields, allowed=TIME_ENTRY_FIELDS)
    return validated_save(entry)


def time_entry_delete(*, entry: TimeEntry) -> None:
    """Delete a time entry."""
    validated_delete(entry)


@atomic_service
def time_entries_record_week(
    *, contractor: Contractor, hours_by_day: dict[dt.date, Decimal | None], description: str = ""
) -> dict[str, int]:
    """Set a contractor's hours for several days at once (the weekly timesheet).

    A day's hours replace that day's manually entered hours; imported rows
    (with a source) are left alone. An empty or zero cell clears the day.
    All days succeed or none do; errors name the day.
    """
    counts = {"created": 0, "updated": 0, "deleted": 0}
    errors: dict[str, list[str]] = {}
    for day, hours in sorted(hours_by_day.items()):
        try:
            # A savepoint per day: this loop catches a refused day and goes on.
            with transaction.atomic():
                _record_day(contractor, day, hours, description, counts)
        except ValidationError as exc:
            errors[day.isoformat()] = [m for messages in exc.message_dict.values() for m in messages]
    if errors:
        raise ValidationError(errors)
    return counts


def _record_day(
    contractor: Contractor, day: dt.date, hours: Decimal | None, description: str, counts: dict[str, int]
) -> None:
    """Make a contractor's manually entered hours on a day `hours` (none or zero: clear the day)."""
    manual = TimeEntry.objects.filter(contractor=contractor, date=day, source="").order_by("pk")
    existing = manual.first()
    if not hours:
        if existing is not None:
            manual.delete()
            counts["deleted"] += 1
    elif existing is None:
        time_entry_create(contractor=contractor, date=day, hours=hours, description=description)
        counts["created"] += 1
    elif existing.hours != hours:
        manual.exclude(pk=existing.pk).delete()
        time_entry_update(entry=existing, hours=hours)
        counts["updated"] += 1


@atomic_service
def overhead_entry_create(
    *,
    engagement: Engagement,
    person: Person,
    date: dt.date,
    hours: Decimal,
    activity: str,
    description: str = "",
    source: str = "",
    external_id: str = "",
) -> OverheadEntry:
    """Record hours an internal person spent on an engagement."""
    entry = OverheadEntry(
        engagement=engagement,
        person=person,
        date=date,
        hours=hours,
        activity=activity,
        description=description,
        source=source,
        external_id=external_id,
    )
    return validated_save(entry)


@atomic_service
def overhead_entry_update(*, entry: OverheadEntry, **fields: Unpack[OverheadEntryChanges]) -> OverheadEntry:
    """Change an overhead entry."""
    assign(entry, fields, allowed=OVERHEAD_ENTRY_FIELDS)
    return validated_save(entry)


def overhead_entry_delete(*, entry: OverheadEntry) -> None:
    """Delete an overhead entry."""
    validated_delete(entry)


TIME_ENTRY = WriteServices(
    create=time_entry_create, update=time_entry_update, delete=time_entry_delete, instance="entry"
)
OVERHEAD_ENTRY = WriteServices(
    create=overhead_entry_create, update=overhead_entry_update, delete=overhead_entry_delete, instance="entry"
)
