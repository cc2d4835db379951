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
fixtures show can be stale); without one, hours are end minus start.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from imports.parsers.base import Context, ParseResult
from imports.parsers.records import StableIds, TimeRecord
from imports.parsers.table import Col, Row, parse_table
from imports.parsers.text import hours_between, local_to_utc

MAX_HOURS = Decimal(24)

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


def parse_harvest(data: bytes, context: Context) -> ParseResult[TimeRecord]:
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
            billable=row.flag("billable"),
        )

    return _finish(parse_table(data, context, HARVEST, build, date_keys=["date"]), ids)


def parse_toggl(data: bytes, context: Context) -> ParseResult[TimeRecord]:
    """Toggl Track "Detailed report" CSV (Duration as hh:mm:ss)."""
    ids = StableIds("timesheets")
    result = parse_table(
        data, context, TOGGL, lambda row: _tracked(row, ids, ("duration",)), date_keys=["start_date", "end_date"]
    )
    return _finish(result, ids)


def parse_clockify(data: bytes, context: Context) -> ParseResult[TimeRecord]:
    """Clockify "Detailed report" CSV, short or long layout.

    Clockify writes dates in the workspace's format, so 03/04/2024 needs
    day_first unless some date in the file proves the order.
    """
    ids = StableIds("timesheets")
    result = parse_table(
        data,
        context,
        CLOCKIFY,
        lambda row: _tracked(row, ids, ("duration", "duration_decimal")),
        date_keys=["start_date", "end_date", "created"],
        one_of=[("duration", "duration_decimal")],
    )
    return _finish(result, ids)


def parse_kimai(data: bytes, context: Context) -> ParseResult[TimeRecord]:
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
            hours=_duration(row, ("duration",), started, ended),
            external_id=row.value("id"),
            email=row.value("email"),
            project=row.value("project", True),
            client=row.value("customer"),
            task=row.value("activity"),
            description=row.text("description"),
            billable=row.flag("billable"),
            started=started,
            ended=ended,
        )

    result = parse_table(data, context, KIMAI, build, date_keys=["date"], one_of=[("name", "user")])
    return _finish(result, ids)


def parse_generic(data: bytes, context: Context) -> ParseResult[TimeRecord]:
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
        )

    return _finish(parse_table(data, context, GENERIC, build, date_keys=["date"]), ids)


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
        billable=row.flag("billable"),
        started=started,
        ended=ended,
    )


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
    row.fail(keys[0], f"{row.columns.label(keys[0])} is missing")
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
) -> TimeRecord | None:
    """Check the hours and build the record once the row has no errors."""
    if hours is not None and hours <= 0:
        row.fail(hours_key, f"hours must be greater than 0 (got {hours})")
    elif hours is not None and hours > MAX_HOURS:
        row.fail(hours_key, f"hours must be at most 24 per entry (got {hours})")
    if not row.ok or not person or day is None or hours is None:
        return None
    key = external_id or ids.derive(row.number, person, email, project, client, task, day, hours, description, started)
    return TimeRecord(
        row.number, person, email, project, client, task, day, hours, description, billable, key, started, ended
    )


def _finish(result: ParseResult[TimeRecord], ids: StableIds) -> ParseResult[TimeRecord]:
    """Add the id deriver's notes to the result."""
    result.warnings.extend(ids.warnings())
    return result
