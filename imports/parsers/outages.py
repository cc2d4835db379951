"""Outage parsers: UptimeRobot monitor logs and a generic layout.

UptimeRobot (our choice: no public description of the dashboard's log export
was found): one row per event with columns Event ("Down", "Up", "Paused",
"Started"), Monitor (friendly name), Date-Time, Reason and Duration. Each Down
event is one outage; it ends at the monitor's next event when that is an Up,
else after its Duration, else it is still open (ended_at None). Paused and
Started events carry no downtime and are skipped with a note. Durations read
"1:02:03", "2 hrs, 5 mins" or "1h 30m"; a bare number is seconds, as in
UptimeRobot's API, unless the header says minutes (e.g. "Duration (mins)").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from imports.parsers.base import Context, ParseResult
from imports.parsers.records import OutageRecord, StableIds
from imports.parsers.table import Col, Row, parse_table

UPTIMEROBOT = {
    "event": Col(("Event", "Event Type", "Type"), required=True),
    "monitor": Col(("Monitor", "Monitor Name", "Friendly Name"), required=True),
    "at": Col(("Date-Time", "Date Time", "Datetime", "Date/Time", "Date"), required=True),
    "reason": Col(("Reason",)),
    "duration": Col(("Duration*",)),
}

GENERIC = {
    "external_id": Col(("external_id",)),
    "service": Col(("service",), required=True),
    "started_at": Col(("started_at",), required=True),
    "ended_at": Col(("ended_at",)),
    "planned": Col(("planned",)),
    "reason": Col(("reason",)),
}


@dataclass(frozen=True)
class _Event:
    """One Down or Up line of a monitor log."""

    row: int
    monitor: str
    down: bool
    at: datetime
    reason: str
    duration: timedelta | None


def parse_uptimerobot(data: bytes, context: Context) -> ParseResult[OutageRecord]:
    """UptimeRobot log export: outages from Down events (see the module docstring)."""
    ids = StableIds("outages")
    skipped: list[int] = []

    def build(row: Row) -> _Event | None:
        event = (row.value("event", True) or "").lower()
        if row.ok and not event.startswith(("down", "up")):
            skipped.append(row.number)  # paused/started: no downtime to record
            return None
        monitor, at = row.value("monitor", True), row.moment("at", required=True)
        duration = row.span("duration", bare_unit=_bare_unit(row))
        if duration is not None and duration < timedelta(0):
            row.fail("duration", "Duration cannot be negative")
        if monitor is None or at is None:
            return None
        return _Event(row.number, monitor, event.startswith("down"), at, row.text("reason"), duration)

    events = parse_table(data, context, UPTIMEROBOT, build, date_keys=["at"])
    outages = _pair(events.records, ids)
    notes = [f"skipped {len(skipped)} event(s) that are neither Down nor Up"] if skipped else []
    return ParseResult(outages, events.errors, events.file_sha256, events.warnings + notes + ids.warnings())


def parse_generic(data: bytes, context: Context) -> ParseResult[OutageRecord]:
    """Generic outage CSV.

    Columns: external_id (optional; derived from service and started_at when
    blank), service (required: the monitored service's name), started_at
    (required), ended_at (optional; blank = still open), planned (optional
    yes/no, blank = no), reason (optional). Timestamps are ISO 8601, e.g.
    2024-03-04T10:00:00+01:00; without an offset they are local time in the
    upload's zone.
    """
    ids = StableIds("outages")

    def build(row: Row) -> OutageRecord | None:
        service, started = row.value("service", True), row.moment("started_at", required=True)
        ended, planned = row.moment("ended_at"), row.flag("planned")
        if started and ended and ended < started:
            row.fail("ended_at", "the outage ends before it starts")
        if not row.ok or service is None or started is None:
            return None
        key = row.value("external_id") or ids.derive(row.number, service, started)
        duration = ended - started if ended else None
        return OutageRecord(row.number, service, started, ended, duration, row.text("reason"), key, bool(planned))

    result = parse_table(data, context, GENERIC, build, date_keys=["started_at", "ended_at"])
    result.warnings.extend(ids.warnings())
    return result


def _bare_unit(row: Row) -> int:
    """Seconds per unit of a bare Duration number, from the column's name."""
    label = (row.columns.label("duration") or "").lower()
    if "min" in label:
        return 60
    return 3600 if "hour" in label or "(h)" in label else 1


def _pair(events: list[_Event], ids: StableIds) -> list[OutageRecord]:
    """One outage per Down event, ended by the monitor's following Up if any."""
    by_monitor: dict[str, list[_Event]] = defaultdict(list)
    for event in events:
        by_monitor[" ".join(event.monitor.split()).casefold()].append(event)
    outages: list[OutageRecord] = []
    for log in by_monitor.values():
        log.sort(key=lambda e: (e.at, e.row))  # exports list newest first
        for index, event in enumerate(log):
            if event.down:
                following = log[index + 1] if index + 1 < len(log) else None
                outages.append(_outage(event, following if following and not following.down else None, ids))
    return sorted(outages, key=lambda outage: outage.row)


def _outage(down: _Event, up: _Event | None, ids: StableIds) -> OutageRecord:
    """The outage a Down event starts: closed by `up`, else by its duration, else open."""
    if up is not None:
        ended: datetime | None = up.at
    else:
        ended = down.at + down.duration if down.duration is not None else None
    key = ids.derive(down.row, down.monitor, down.at)
    return OutageRecord(down.row, down.monitor, down.at, ended, ended - down.at if ended else None, down.reason, key)
