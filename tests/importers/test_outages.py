"""Outage formats: UptimeRobot monitor logs and the generic layout."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from imports.parsers import ParseResult, parse

Parse = Callable[..., ParseResult[Any]]


def test_uptimerobot_down_is_closed_by_the_next_up_event(parse_sample: Parse) -> None:
    mail = parse_sample("outages", "uptimerobot", "uptimerobot.csv").records[0]
    assert (mail.row, mail.monitor, mail.reason) == (3, "Mail gateway", "Connection Timeout")
    assert mail.started_at == datetime(2024, 8, 2, 10, 30, tzinfo=UTC)
    assert mail.ended_at == datetime(2024, 8, 2, 10, 42, tzinfo=UTC)
    assert mail.duration == timedelta(minutes=12)


def test_uptimerobot_down_without_up_ends_after_its_duration(parse_sample: Parse) -> None:
    vpn = parse_sample("outages", "uptimerobot", "uptimerobot.csv").records[1]
    assert vpn.ended_at == datetime(2024, 8, 1, 23, 30, tzinfo=UTC)
    assert vpn.duration == timedelta(hours=1, minutes=30)


def test_uptimerobot_down_without_end_is_an_open_outage(parse_sample: Parse) -> None:
    intranet = parse_sample("outages", "uptimerobot", "uptimerobot.csv").records[2]
    assert (intranet.monitor, intranet.ended_at, intranet.duration) == ("Intranet", None, None)


def test_uptimerobot_skips_paused_and_started_events_with_a_note(parse_sample: Parse) -> None:
    result = parse_sample("outages", "uptimerobot", "uptimerobot.csv")
    assert len(result.records) == 3 and result.errors == []
    assert [w for w in result.warnings if "neither Down nor Up" in w] == [
        "line 5: skipped an event that is neither Down nor Up (no downtime to record)",
        "line 6: skipped an event that is neither Down nor Up (no downtime to record)",
    ]


def test_an_open_outage_keeps_its_id_once_it_has_ended() -> None:
    header = b"Event,Monitor,Date-Time,Reason,Duration\n"
    down = b"Down,VPN,2024-08-01 22:00:00,Timeout,\n"
    still_open = parse("outages", "uptimerobot", header + down).records[0]
    closed = parse("outages", "uptimerobot", header + b"Up,VPN,2024-08-01 23:00:00,OK,\n" + down).records[0]
    assert still_open.ended_at is None and closed.ended_at == datetime(2024, 8, 1, 23, 0, tzinfo=UTC)
    assert still_open.external_id == closed.external_id


def test_uptimerobot_bare_durations_follow_a_minutes_header() -> None:
    data = b"Event,Monitor,Date-Time,Reason,Duration (mins)\nDown,VPN,2024-08-01 22:00:00,Timeout,90\n"
    assert parse("outages", "uptimerobot", data).records[0].duration == timedelta(minutes=90)


def test_uptimerobot_malformed_rows_become_row_errors(parse_sample: Parse) -> None:
    result = parse_sample("outages", "uptimerobot", "uptimerobot_malformed.csv")
    assert [o.row for o in result.records] == [2]
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "Date-Time"),
        (4, "Monitor"),
        (5, "Duration"),
        (6, "Event"),
    ]


def test_generic_outages_read_planned_flags_and_open_ends(parse_sample: Parse) -> None:
    result = parse_sample("outages", "generic", "generic_outages.csv", tz="Europe/Berlin")
    assert result.errors == []
    storage, maintenance, vpn = result.records
    assert (storage.external_id, storage.planned, storage.duration) == ("OUT-1", False, timedelta(hours=1))
    assert maintenance.planned is True
    assert maintenance.started_at == datetime(2024, 4, 21, 0, 0, tzinfo=UTC)  # 02:00 CEST
    assert (vpn.ended_at, vpn.duration) == (None, None)
    assert vpn.external_id.startswith("sha256:")


def test_generic_outages_malformed_rows_become_row_errors(parse_sample: Parse) -> None:
    result = parse_sample("outages", "generic", "generic_outages_malformed.csv")
    assert [o.external_id for o in result.records] == ["OUT-1"]
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "ended_at"),
        (4, "service"),
        (5, "planned"),
        (6, "ended_at"),
    ]
