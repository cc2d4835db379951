"""Timesheet parsers: Harvest, Toggl Track, Clockify, Kimai and a generic layout.

Where the column names come from:
- Harvest, Toggl, Clockify: the tools' detailed-report CSVs as kept in the
  solidtime project's import fixtures (copied under tests/importers/samples/).
- Kimai: the export code and translations of the kimai/kimai repository
  (src/Export/ColumnConverter.php, translations/messages.{en,de}.xlf). Kimai 2
  writes Date, From, To, Duration (decimal hours), Name (display name), User,
  E-mail, Customer, Project, Activity, Description, Billable...; German:
  Datum, Von, Bis, Dauer, Name, Benutzer, E-Mail, Kunde, Projekt, Tätigkeit,
  Beschreibung, Abrechenbar. Kimai 1 English headers In/Out are accepted too.

Every entry must have 0 < hours <= 24. A duration cell wins over start/end
times (Clockify's "Duration (h)" over its "Duration (decimal)", which the
fixtures show can be stale); without one, hours are end minus start (so a
Clockify export without its duration columns still reads).

Kimai 2.0-2.26 wrote Duration in seconds (later versions in decimal hours): a
whole number above 24 is read as seconds, and where From and To are present
the duration must not exceed their span (a break may make it shorter).

A tracker's zero-length entry (a timer started and stopped at once) is skipped
with a note naming its line, not refused; a generic file's 0 hours stays an
error (a hand-made file means something else). The Billable column is never
stored, so any value there (e.g. "Nein", "いいえ") is accepted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import BinaryIO

from imports.parsers.base import Context
from imports.parsers.records import StableIds, TimeRecord
from imports.parsers.table import Col, Row, TableRecords
from imports.parsers.text import hours_between, local_to_utc, parse_bool, parse_decimal, round_hours

MAX_HOURS = Decimal(24)
SPAN_TOLERANCE = Decimal("0.02")  # hours: the export rounds each of From, To and Duration

HARVEST = {
    "date": Col(("Date",), required=True),
    "client": Col(("Client",)),
    "project": Col(("Project",), required=True),
    "task": Col(("Task",)),
    "notes": Col(("Notes",)),
    "hours": Col(("Hours",), required=True),
    "billable": Col(("Billable?", "Billable")),
    "first_name": Col(("First Name",), required=True),
    "last_name": Col(("Last Name",), required=True),
}

TOGGL = {
    "user": Col(("User", "Member"), required=True),
    "email": Col(("Email",)),
    "client": Col(("Client",)),
    "project": Col(("Project",)),
    "task": Col(("Task",)),
    "description": Col(("Description",)),
    "billable": Col(("Billable",)),
    "start_date": Col(("Start date",), required=True),
    "start_time": Col(("Start time",)),
    "end_date": Col(("End date",)),
    "end_time": Col(("End time",)),
    "duration": Col(("Duration",), required=True),
}

CLOCKIFY = {
    **{key: TOGGL[key] for key in ("email", "client", "project", "task", "description", "billable")},
    "user": Col(("User",), required=True),
    "start_date": Col(("Start Date",), required=True),
    "start_time": Col(("Start Time",)),
    "end_date": Col(("End Date",)),
    "end_time": Col(("End Time",)),
    "duration": Col(("Duration (h)",)),
    "duration_decimal": Col(("Duration (decimal)",)),
    "created": Col(("Date of creation",)),  # read only as date-order evidence
}

KIMAI = {
    "id": Col(("ID",)),
    "date": Col(("Date", "Datum"), required=True),
    "begin": Col(("From", "In", "Begin", "Von", "Beginn")),
    "end": Col(("To", "Out", "End", "Bis", "Ende")),
    "duration": Col(("Duration", "Dauer"), required=True),
    "name": Col(("Name",)),
    "user": Col(("User", "Username", "Benutzer", "Benutzername")),
    "email": Col(("E-mail", "Email", "E-Mail")),
    "customer": Col(("Customer", "Kunde")),
    "project": Col(("Project", "Projekt"), required=True),
    "activity": Col(("Activity", "Tätigkeit", "Aktivität")),
    "description": Col(("Description", "Beschreibung")),
    "billable": Col(("Billable", "Abrechenbar")),
}

GENERIC = {
    "external_id": Col(("external_id",)),
    "contractor": Col(("contractor",), required=True),
    "engagement": Col(("engagement",)),
    "date": Col(("date",), required=True),
    "hours": Col(("hours",), required=True),
    "description": Col(("description",)),
}


def parse_harvest(source: BinaryIO, context: Context) -> TableRecords[TimeRecord]:
    """Harvest "Detailed time report" CSV; the person is First Name + Last Name."""
    ids = StableIds("timesheets")

    def build(row: Row) -> TimeRecord | None:
        person = " ".join(p for p in (row.value("first_name"), row.value("last_name")) if p)
        if not person:
            row.fail("first_name", "First Name and Last Name are both missing")
        return _entry(
            row,
            ids,
            "hours",
            person=person,
            day=row.date("date", required=True),
            hours=row.hours("hours", required=True),
            project=row.value("project", True),
            client=row.value("client"),
            task=row.value("task"),
            description=row.text("notes"),
            billable=_billable(row),
        )

    return TableRecords(source, context, HARVEST, build, date_keys=["date"], notes=ids.warnings)


def parse_toggl(source: BinaryIO, context: Context) -> TableRecords[TimeRecord]:
    """Toggl Track "Detailed report" CSV (Duration as hh:mm:ss)."""
    ids = StableIds("timesheets")
    return TableRecords(
        source,
        context,
        TOGGL,
        lambda row: _tracked(row, ids, ("duration",)),
        date_keys=["start_date", "end_date"],
        notes=ids.warnings,
    )


def parse_clockify(source: BinaryIO, context: Context) -> TableRecords[TimeRecord]:
    """Clockify "Detailed report" CSV, short or long layout, with or without its duration columns.

    Clockify writes dates in the workspace's format, so 03/04/2024 needs
    day_first unless some date in the file proves the order.
    """
    ids = StableIds("timesheets")
    return TableRecords(
        source,
        context,
        CLOCKIFY,
        lambda row: _tracked(row, ids, ("duration", "duration_decimal")),
        date_keys=["start_date", "end_date", "created"],
        notes=ids.warnings,
    )


def parse_kimai(source: BinaryIO, context: Context) -> TableRecords[TimeRecord]:
    """Kimai timesheet export (English or German headers); its ID column if present."""
    ids = StableIds("timesheets")

    def build(row: Row) -> TimeRecord | None:
        day = row.date("date", required=True)
        started = _at(row, day, "begin")
        ended = _at(row, day, "end")
        if started and ended and ended < started:
            ended += timedelta(days=1)  # an entry past midnight ends on the next day
        person = row.value("name") or row.value("user")
        if not person:
            row.fail("user", "the user's name is missing")
        return _entry(
            row,
            ids,
            "duration",
            person=person,
            day=day,
            hours=_kimai_hours(row, started, ended),
            external_id=row.value("id"),
            email=row.value("email"),
            project=row.value("project", True),
            client=row.value("customer"),
            task=row.value("activity"),
            description=row.text("description"),
            billable=_billable(row),
            started=started,
            ended=ended,
        )

    return TableRecords(
        source, context, KIMAI, build, date_keys=["date"], one_of=[("name", "user")], notes=ids.warnings
    )


def parse_generic(source: BinaryIO, context: Context) -> TableRecords[TimeRecord]:
    """Generic timesheet CSV.

    Columns: external_id (optional; derived from the content when blank or
    absent), contractor (required), engagement (optional: the upload's
    engagement applies when blank), date (required; YYYY-MM-DD preferred,
    DD.MM.YYYY and DD/MM or MM/DD/YYYY accepted), hours (required; decimal
    with "." or ",", or h:mm), description (optional).
    """
    ids = StableIds("timesheets")

    def build(row: Row) -> TimeRecord | None:
        return _entry(
            row,
            ids,
            "hours",
            person=row.value("contractor", True),
            day=row.date("date", required=True),
            hours=row.hours("hours", required=True),
            external_id=row.value("external_id"),
            project=row.value("engagement"),
            description=row.text("description"),
            tracker=False,
        )

    return TableRecords(source, context, GENERIC, build, date_keys=["date"], notes=ids.warnings)


def _tracked(row: Row, ids: StableIds, duration_keys: tuple[str, ...]) -> TimeRecord | None:
    """An entry of a tracker that records start and end (Toggl, Clockify)."""
    day = row.date("start_date", required=True)
    started = _at(row, day, "start_time")
    ended = _at(row, row.date("end_date") or day, "end_time")
    if started and ended and ended < started:
        row.fail("end_time", "the entry ends before it starts")
    return _entry(
        row,
        ids,
        duration_keys[0],
        person=row.value("user", True),
        day=day,
        hours=_duration(row, duration_keys, started, ended),
        email=row.value("email"),
        project=row.value("project"),
        client=row.value("client"),
        task=row.value("task"),
        description=row.text("description"),
        billable=_billable(row),
        started=started,
        ended=ended,
    )


def _billable(row: Row) -> bool | None:
    """The Billable cell if it reads as yes or no; it is never stored, so other values are no error."""
    try:
        return parse_bool(row.text("billable"))
    except ValueError:
        return None


def _kimai_hours(row: Row, started: datetime | None, ended: datetime | None) -> Decimal | None:
    """Kimai's Duration: decimal hours, h:mm, or (Kimai 2.0-2.26) whole seconds; checked against From-To."""
    cell = row.text("duration")
    hours = _duration(row, ("duration",), started, ended)
    if hours is not None and hours > MAX_HOURS and ":" not in cell:
        seconds = parse_decimal(cell)  # read once already: cannot fail
        if seconds == seconds.to_integral_value():
            hours = round_hours(seconds / 3600)
    if hours is not None and started and ended and hours > hours_between(started, ended) + SPAN_TOLERANCE:
        span = hours_between(started, ended)
        row.fail(
            "duration",
            f"{row.columns.label('duration')} '{cell}' is longer than {row.columns.label('begin')} to "
            f"{row.columns.label('end')} ({span} h)",
        )
    return hours


def _at(row: Row, day: date | None, time_key: str) -> datetime | None:
    """`day` at the time in column `time_key`, as UTC; None if either is missing."""
    clock = row.time(time_key)
    return local_to_utc(day, clock, row.context.tz) if day and clock else None


def _duration(row: Row, keys: tuple[str, ...], started: datetime | None, ended: datetime | None) -> Decimal | None:
    """Hours from the first filled duration column, else from start and end."""
    for key in keys:
        if row.text(key):
            return row.hours(key)
    if started and ended:
        return hours_between(started, ended)
    if any(key in row.columns.index for key in keys):
        row.fail(keys[0], f"{row.columns.label(keys[0])} is missing")
    else:
        row.fail(None, "the row has no duration and no start and end times to compute it from")
    return None


def _entry(
    row: Row,
    ids: StableIds,
    hours_key: str,
    *,
    person: str | None,
    day: date | None,
    hours: Decimal | None,
    external_id: str | None = None,
    email: str | None = None,
    project: str | None = None,
    client: str | None = None,
    task: str | None = None,
    description: str = "",
    billable: bool | None = None,
    started: datetime | None = None,
    ended: datetime | None = None,
    tracker: bool = True,
) -> TimeRecord | None:
    """Check the hours and build the record once the row has no errors."""
    if hours is not None and hours == 0 and tracker and row.ok:
        row.skip(f"skipped a zero-length entry ({row.columns.label(hours_key) or 'no duration'} is 0)")
        return None
    if hours is not None and hours <= 0:
        row.fail(hours_key, f"hours must be greater than 0 (got {hours})")
    elif hours is not None and hours > MAX_HOURS:
        row.fail(hours_key, f"hours must be at most 24 per entry (got {hours})")
    if not row.ok or not person or day is None or hours is None:
        return None
    key, legacy = external_id, None
    if not key:
        # The id hashes what identifies the entry, not the person's email, the
        # client or the task: a column an export may or may not carry must not
        # make the same entry new (see imports.parsers.records).
        key = ids.derive(row.number, person, None, project, None, None, day, hours, description, started)
        if email or client or task:
            legacy = ids.legacy(person, email, project, client, task, day, hours, description, started)
    return TimeRecord(
        row.number, person, email, project, client, task, day, hours, description, billable, key, started, ended, legacy
    )
