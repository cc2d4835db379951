"""Issue 12: real export files that were refused or misread, each as a file of that shape (parsers only).

Only the API that existed before issue 12 is used (parse, parse_date), so each test runs, and fails, on the
code before the fix.
"""

from __future__ import annotations

import gzip
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from imports.parsers import FileError, RowError, parse
from imports.parsers.text import parse_date

CLOCKIFY_NO_DURATION = (
    "Project,Description,User,Email,Start Date,Start Time,End Date,End Time,Client\n"
    "Help desk,Triage,Peter Tester,peter.test@email.test,2024-03-04,09:00,2024-03-04,10:30,Acme\n"
    "Help desk,Calls,Peter Tester,peter.test@email.test,2024-03-04,11:00,2024-03-04,11:45\n"  # no Client cell
)


# 1. Clockify without its duration columns; a missing trailing optional cell


def test_clockify_without_duration_columns_computes_hours_from_start_and_end() -> None:
    result = parse("timesheets", "clockify", CLOCKIFY_NO_DURATION.encode())
    assert result.errors == []
    assert [(r.row, r.hours, r.client) for r in result.records] == [
        (2, Decimal("1.50"), "Acme"),
        (3, Decimal("0.75"), None),
    ]


def test_clockify_without_duration_or_times_names_what_is_missing() -> None:
    data = b"Project,User,Start Date,Start Time,End Date,End Time\nHelp desk,Peter Tester,2024-03-04,,,\n"
    (error,) = parse("timesheets", "clockify", data).errors
    assert error == RowError(2, None, "the row has no duration and no start and end times to compute it from")


def test_a_row_cut_short_before_a_required_column_is_still_rejected() -> None:
    data = b"Project,Start Date,User\nHelp desk,2024-03-04\n"
    (error,) = parse("timesheets", "clockify", data).errors
    assert error.field == "User" and "cut short" in error.message


# 2. Billable in another language


@pytest.mark.parametrize("billable", ["いいえ", "はい", "Nein", "Non", "Sí", "maybe"])
def test_any_billable_value_is_accepted_as_billable_is_never_stored(billable: str) -> None:
    data = f"User,Start date,Start time,Duration,Billable\nChen Li,2024-04-02,09:00,01:00:00,{billable}\n"
    result = parse("timesheets", "toggl", data.encode())
    assert result.errors == [] and len(result.records) == 1


# 3. UTF-8 with one stray byte


def test_utf8_with_one_stray_byte_keeps_its_accents_and_names_the_line() -> None:
    data = "contractor,date,hours,description\nAnn,2024-04-01,1,café\nBen,2024-04-01,1,bad ".encode() + b"\xff\n"
    result = parse("timesheets", "generic", data)
    assert [r.description for r in result.records] == ["café", "bad \ufffd"]
    assert any(w.startswith("line(s) 3: some bytes are not valid UTF-8") for w in result.warnings)


def test_many_stray_bytes_are_counted_beyond_the_lines_named() -> None:
    body = "".join(f"Ann,2024-04-{d:02d},1,caf\u00e9 " for d in range(1, 2)) + "\n"
    body += "".join(f"Ann,2024-04-{d:02d},1,x\udcff\n" for d in range(2, 10))
    data = ("contractor,date,hours,description\n" + body).encode("utf-8", "surrogateescape")
    warning = next(w for w in parse("timesheets", "generic", data).warnings if "not valid" in w)
    assert warning.startswith("line(s) 3, 4, 5, 6, 7 and 3 more:")


def test_a_cp1252_file_reads_as_cp1252_throughout() -> None:
    data = "contractor,date,hours,description\nAnn,2024-04-01,1,Tätigkeit – €\n".encode("cp1252")
    result = parse("timesheets", "generic", data)
    assert result.records[0].description == "Tätigkeit – €" and result.warnings == []


# 4. Kimai 2.0-2.26: Duration in seconds


KIMAI = "Date,From,To,Duration,Name,Project\n"


def test_kimai_duration_in_seconds_is_recognised_and_matches_from_to() -> None:
    data = (
        KIMAI + "2024-03-05,09:00,12:45,13500,Jonas Weber,Network\n2024-03-05,13:00,13:30,1800.00,Jonas Weber,Network\n"
    )
    result = parse("timesheets", "kimai", data.encode())
    assert result.errors == []
    assert [r.hours for r in result.records] == [Decimal("3.75"), Decimal("0.50")]


def test_kimai_duration_longer_than_from_to_is_refused() -> None:
    data = KIMAI + "2024-03-05,09:00,10:00,7200,Jonas Weber,Network\n"
    (error,) = parse("timesheets", "kimai", data.encode()).errors
    assert error == RowError(2, "Duration", "Duration '7200' is longer than From to To (1.00 h)")


def test_kimai_duration_shorter_than_from_to_is_a_break_and_accepted() -> None:
    data = KIMAI + "2024-03-05,09:00,12:00,2.5,Jonas Weber,Network\n"
    assert parse("timesheets", "kimai", data.encode()).records[0].hours == Decimal("2.50")


def test_kimai_seconds_without_from_and_to_still_read_as_seconds() -> None:
    data = b"Date,Duration,Name,Project\n2024-03-05,5400,Jonas Weber,Network\n2024-03-05,30.5,Jonas Weber,Network\n"
    result = parse("timesheets", "kimai", data)
    assert [r.hours for r in result.records] == [Decimal("1.50")]
    assert result.errors[0].message == "hours must be at most 24 per entry (got 30.50)"


# 5. A file cut off inside a quoted field


def test_a_file_cut_off_inside_a_quoted_value_rejects_the_partial_row() -> None:
    data = b'contractor,date,hours,description\nAnn,2024-04-01,1,"done"\nBen,2024-04-01,2,"half a sen'
    result = parse("timesheets", "generic", data)
    assert [r.row for r in result.records] == [2]
    (error,) = result.errors
    assert error.row == 3 and "ends inside a quoted value" in error.message and "cut off" in error.message


# 6. Binary files


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not a CSV export"),
        (
            gzip.compress(b"contractor,date,hours\n", mtime=0),
            "this is a gzip archive, not a CSV export: unpack it first",
        ),
        (b"%PDF-1.7\n", "this is a PDF document, not a CSV export"),
        (random.Random(12).randbytes(4096), "this file holds binary data, not CSV text: export the data as CSV"),
        (
            b"contractor,date\x01\x02\x03\x04,hours\n" * 10,
            "this file holds binary data, not CSV text: export the data as CSV",
        ),
    ],
    # Named ids: the bytes would make unreadable ids, and xdist workers must collect the same ones.
    ids=["png", "gzip", "pdf", "random-bytes", "control-bytes"],
)
def test_binary_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(FileError) as raised:
        parse("timesheets", "generic", data)
    assert str(raised.value) == message


def test_control_bytes_in_a_cell_are_never_echoed() -> None:
    data = b"contractor,date,hours\nAnn,\x1b[2J2024-04-01\x07,1\nAnn,2024-04-02,1\n"
    (error,) = parse("timesheets", "generic", data).errors
    assert "\x1b" not in error.message and "\x07" not in error.message
    assert "\\x1b[2J2024-04-01\\x07" in error.message


def test_control_bytes_in_a_header_are_never_echoed() -> None:
    with pytest.raises(FileError) as raised:
        parse("timesheets", "generic", b"contractor,\x1b]0;pwned\x07,hours\nAnn,x,1\n")
    assert "\x1b" not in str(raised.value) and "\\x1b]0;pwned\\x07" in str(raised.value)


# 7. Zendesk without Subject


def test_zendesk_without_subject_is_accepted() -> None:
    data = b"Id,Priority,Ticket type,Created at\n101,Urgent,Incident,2024-05-02 09:00\n"
    result = parse("tickets", "zendesk", data)
    assert result.errors == []
    assert (result.records[0].external_id, result.records[0].summary) == ("101", "")


# Decisions: first response after resolution; localized month names


def test_a_first_response_after_resolution_is_refused() -> None:
    data = (
        b"external_id,priority,category,opened_at,first_response_at,resolved_at\n"
        b"T-1,P2,incident,2024-05-02T09:00:00Z,2024-05-02T12:00:00Z,2024-05-02T11:00:00Z\n"
    )
    assert parse("tickets", "generic", data).errors == [
        RowError(2, "first_response_at", "the first response is after the ticket was resolved")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11/Mai/24", date(2024, 5, 11)),
        ("3/Okt/24", date(2024, 10, 3)),
        ("1/Dez/23", date(2023, 12, 1)),
        ("11/févr./24", date(2024, 2, 11)),
        ("11/août/24", date(2024, 8, 11)),
        ("5/ene/24", date(2024, 1, 5)),
        ("5/dic/24", date(2024, 12, 5)),
        ("5/giu/24", date(2024, 6, 5)),
        ("5/mrt/24", date(2024, 3, 5)),
        ("5/mei/24", date(2024, 5, 5)),
        ("5/out/24", date(2024, 10, 5)),
        ("5/März/24", date(2024, 3, 5)),
        ("5. Mai 2024", date(2024, 5, 5)),
    ],
)
def test_jira_dates_with_localized_month_names(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_a_jira_export_in_german_parses() -> None:
    data = (
        b"Summary,Issue key,Issue Type,Priority,Created,Resolved\n"
        b"VPN down,OPS-1,Incident,High,11/Mai/24 3:26 PM,12/Mai/24 9:00 AM\n"
    )
    (ticket,) = parse("tickets", "jira", data, tz="UTC").records
    assert ticket.opened_at == datetime(2024, 5, 11, 15, 26, tzinfo=UTC)


# Decision: ids derived from identifying columns only


def test_an_extra_activity_column_does_not_change_a_kimai_rows_id() -> None:
    without = b"Date,From,To,Duration,Name,Project,Description\n2024-03-04,10:00,11:00,1,Peter,P,Work\n"
    with_activity = (
        b"Date,From,To,Duration,Name,Project,Activity,Description\n2024-03-04,10:00,11:00,1,Peter,P,Dev,Work\n"
    )
    first, second = (parse("timesheets", "kimai", d).records[0] for d in (without, with_activity))
    assert first.external_id == second.external_id
    assert (first.legacy_id, second.legacy_id) == (None, "sha256:f09314ef0e59a878a4637c84fb9697e9")


def test_optional_email_and_client_columns_do_not_change_a_clockify_rows_id() -> None:
    header = "Project,Description,User,Start Date,Start Time,End Date,End Time,Duration (h)"
    lean = f"{header}\nP,Work,Peter,2024-03-04,10:00,2024-03-04,11:00,01:00:00\n"
    full = f"{header},Email,Client,Task\nP,Work,Peter,2024-03-04,10:00,2024-03-04,11:00,01:00:00,p@x.test,C,T\n"
    first, second = (parse("timesheets", "clockify", d.encode()).records[0] for d in (lean, full))
    assert first.external_id == second.external_id == "sha256:59ff25ac4624e42f7ac8e3103e9f8639"  # as before
    assert second.legacy_id == "sha256:e5e3ad3402b6a11c4631c11ba9a446dc"  # its id before issue 12


def test_identical_rows_with_attributes_number_their_legacy_ids_too() -> None:
    row = "P,Work,Peter,2024-03-04,10:00,2024-03-04,11:00,01:00:00,p@x.test\n"
    data = "Project,Description,User,Start Date,Start Time,End Date,End Time,Duration (h),Email\n" + row * 2
    first, second = parse("timesheets", "clockify", data.encode()).records
    assert first.external_id != second.external_id and first.legacy_id != second.legacy_id


def test_many_identical_rows_are_listed_up_to_a_limit() -> None:
    data = "contractor,date,hours\n" + "Ann,2024-04-01,1\n" * 25
    warnings = parse("timesheets", "generic", data.encode()).warnings
    assert len([w for w in warnings if "are identical" in w]) == 20
    assert "... and 4 more identical row(s)" in warnings
