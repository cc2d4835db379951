"""Edge cases of the parsers that no sample file reaches: each names the row problem or file error it gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from imports.parsers import FileError, RowError, parse
from imports.parsers.text import decode

SAMPLES = Path(__file__).parent / "samples"
TOGGL_HEADER = (
    b"User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags\n"
)


def test_a_file_of_empty_cells_is_empty() -> None:
    with pytest.raises(FileError, match="the file is empty"):
        parse("timesheets", "generic", b",,,\n , ,\n")


def test_a_cell_past_the_csv_field_limit_is_a_file_error_naming_its_line() -> None:
    data = b'contractor,date,hours\nAnn,2024-04-01,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(FileError, match="line 2: the CSV cannot be read"):
        parse("timesheets", "generic", data)


def test_a_utf16_byte_order_mark_before_bytes_that_are_not_utf16_falls_back_to_one_byte_a_character() -> None:
    assert decode(b"\xff\xfe\x00\xd8") == "\xff\xfe\x00\xd8"


def test_a_negative_uptimerobot_duration_is_a_row_error() -> None:
    data = b"Event,Monitor,Monitor URL,Date-Time,Reason,Duration\nDown,Mail,https://m,2024-08-02 10:30:00,Timeout,-12\n"
    result = parse("outages", "uptimerobot", data)
    assert (result.records, result.errors) == ([], [RowError(2, "Duration", "Duration cannot be negative")])


def test_a_zendesk_reply_before_the_ticket_was_created_is_a_row_error() -> None:
    header, first, *_ = (SAMPLES / "zendesk.csv").read_bytes().split(b"\n")
    cells = first.split(b",")
    cells[header.split(b",").index(b"First reply time in minutes")] = b"-5"
    result = parse("tickets", "zendesk", header + b"\n" + b",".join(cells) + b"\n")
    assert result.records == []
    assert result.errors == [
        RowError(2, "First reply time in minutes", "First reply time in minutes: a reply cannot come before the ticket")
    ]


def test_a_harvest_row_without_first_or_last_name_is_a_row_error() -> None:
    data = b"Date,Client,Project,Task,Notes,Hours,First Name,Last Name\n2024-03-04,C,P,T,N,1.5,,\n"
    result = parse("timesheets", "harvest", data)
    assert result.errors == [RowError(2, "First Name", "First Name and Last Name are both missing")]


def test_a_toggl_entry_that_ends_before_it_starts_is_a_row_error() -> None:
    result = parse("timesheets", "toggl", TOGGL_HEADER + b"Ann,,,P,,,No,2024-03-04,10:00:00,2024-03-04,09:00:00,,\n")
    assert RowError(2, "End time", "the entry ends before it starts") in result.errors
    assert result.records == []


def test_a_toggl_entry_without_a_duration_lasts_from_its_start_to_its_end() -> None:
    result = parse("timesheets", "toggl", TOGGL_HEADER + b"Ann,,,P,,,No,2024-03-04,10:00:00,2024-03-04,11:30:00,,\n")
    [record] = result.records
    assert record.hours == Decimal("1.50")
    assert (record.started_at, record.ended_at) == (
        dt.datetime(2024, 3, 4, 10, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 4, 11, 30, tzinfo=dt.UTC),
    )
