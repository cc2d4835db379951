"""Outage parsers: UptimeRobot monitor logs and a generic layout.

UptimeRobot (our choice: no public description of the dashboard's log export
was found): one row per event with columns Event ("Down", "Up", "Paused",
"Started"), Monitor (friendly name), Date-Time, Reason and Duration. Each Down
event is one outage; it ends at the monitor's next event when that is an Up,
else after its Duration, else it is still open (ended_at None). Paused and
Started events carry no downtime and are skipped with a note. Durations read
"1:02:03", "2 hrs, 5 mins" or "1h 30m"; a bare number is seconds, as in
UptimeRobot's API, unless the header says minutes (e.g. "Duration (mins)").
Pairing needs a monitor's whole log, so UptimeRobot events are held in memory
(one small record per Down or Up line); every other format streams.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from imports.parsers.base import Context, Parsed
from imports.parsers.records import OutageRecord, StableIds
from imports.parsers.table import Col, Row, TableRecords

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


class _Paired:
    """UptimeRobot's outages: events parsed as they come, paired once the log is read (see base.Records)."""

    def __init__(self, events: TableRecords[_Event], ids: StableIds) -> None:
        self.events, self.ids = events, ids
        self.warnings, self.total = events.warnings, events.total

    def __iter__(self) -> Iterator[Parsed[OutageRecord]]:
        downs_and_ups: list[_Event] = []
        for item in self.events:
            if item.record is None:
                yield Parsed[OutageRecord](item.row, None, item.errors, item.note)
            else:
                downs_and_ups.append(item.record)
        paired = {outage.row: outage for outage in _pair(downs_and_ups, self.ids)}
        for event in downs_and_ups:
            yield Parsed(event.row, paired.get(event.row))
        self.warnings += self.ids.warnings()


def parse_uptimerobot(source: BinaryIO, context: Context) -> _Paired:
    """UptimeRobot log export: outages from Down events (see the module docstring)."""
    ids = StableIds("outages")

    def build(row: Row) -> _Event | None:
        event = (row.value("event", True) or "").lower()
        if row.ok and not event.startswith(("down", "up")):
            row.skip("skipped an event that is neither Down nor Up (no downtime to record)")
            return None
        monitor, at = row.value("monitor", True), row.moment("at", required=True)
        duration = row.span("duration", bare_unit=_bare_unit(row))
        if duration is not None and duration < timedelta(0):
            row.fail("duration", "Duration cannot be negative")
        if monitor is None or at is None:
            return None
        return _Event(row.number, monitor, event.startswith("down"), at, row.text("reason"), duration)

    return _Paired(TableRecords(source, context, UPTIMEROBOT, build, date_keys=["at"]), ids)


def parse_generic(source: BinaryIO, context: Context) -> TableRecords[OutageRecord]:
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

    return TableRecords(source, context, GENERIC, build, date_keys=["started_at", "ended_at"], notes=ids.warnings)


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
