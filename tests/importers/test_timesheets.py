"""Timesheet formats: the real exports in samples/ and hand-made valid and broken files."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from imports.parsers import FileError, ParseResult, RowError, TimeRecord, parse

Parse = Callable[..., ParseResult[Any]]


def errors_by_row(result: ParseResult[Any]) -> dict[int, list[RowError]]:
    """Row errors grouped by line number."""
    grouped: dict[int, list[RowError]] = {}
    for error in result.errors:
        grouped.setdefault(error.row, []).append(error)
    return grouped


# Real exports (solidtime fixtures, byte for byte)


def test_harvest_sample_reads_comma_decimals_and_keeps_a_hundredth_of_an_hour(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "harvest", "harvest_time_entries_import_test_1.csv")
    assert result.errors == []
    first, second = result.records
    assert (first.row, first.date, first.hours, first.person) == (2, date(2024, 3, 4), Decimal("20.00"), "Peter Tester")
    assert (first.project, first.client, first.billable) == ("Project without Client", None, False)
    assert (second.row, second.hours, second.client, second.task) == (3, Decimal("0.01"), "Big Company", "Task 1")
    assert (second.description, second.billable, second.date) == ("Working hard", True, date(2024, 3, 4))


def test_toggl_sample_strips_the_bom_and_skips_the_zero_length_entry_with_a_note(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "toggl", "toggl_time_entries_import_test_1.csv")
    assert result.errors == []
    assert "line 2: skipped a zero-length entry (Duration is 0)" in result.warnings
    (entry,) = result.records
    assert (entry.row, entry.person, entry.email) == (3, "Peter Tester", "peter.test@email.test")
    assert entry.hours == Decimal("1.00")  # 01:00:01
    assert entry.started_at == datetime(2024, 3, 4, 10, 23, tzinfo=UTC)
    assert entry.ended_at == datetime(2024, 3, 4, 11, 23, 1, tzinfo=UTC)


def test_clockify_sample_needs_day_first_because_03_04_proves_nothing(sample: Callable[[str], bytes]) -> None:
    with pytest.raises(FileError, match="choose the date order"):
        parse("timesheets", "clockify", sample("clockify_time_entries_import_test_1.csv"))


def test_clockify_sample_with_month_first_reads_twelve_hour_times(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "clockify", "clockify_time_entries_import_test_1.csv", day_first=False)
    assert result.errors == []
    assert "line 2: skipped a zero-length entry (Duration (h) is 0)" in result.warnings
    (entry,) = result.records
    assert (entry.date, entry.hours, entry.task) == (date(2024, 3, 4), Decimal("1.00"), "Task 1")
    assert entry.started_at == datetime(2024, 3, 4, 10, 23, tzinfo=UTC)  # "10:23 AM"
    assert entry.ended_at == datetime(2024, 3, 4, 11, 23, 1, tzinfo=UTC)  # "11:23:01 AM"


def test_clockify_second_sample_proves_month_first_by_itself(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "clockify", "clockify_time_entries_import_test_2.csv")
    assert result.errors == []
    (entry,) = result.records
    assert (entry.date, entry.hours, entry.billable) == (date(2024, 10, 15), Decimal("0.50"), True)
    assert entry.description.startswith("\\\\ \U0001f525 Special characters")
    assert entry.description.endswith("<>\\/?~ \\\\\\")


def test_real_samples_carry_no_ids_so_ids_are_derived(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "harvest", "harvest_time_entries_import_test_1.csv")
    assert all(r.external_id and r.external_id.startswith("sha256:") for r in result.records)
    assert len({r.external_id for r in result.records}) == 2


# Harvest


def test_harvest_with_semicolons_crlf_and_a_repeated_header(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "harvest", "harvest_semicolon_crlf.csv")
    assert result.errors == []
    assert [(r.row, r.person, r.hours) for r in result.records] == [
        (2, "Anna Schmidt", Decimal("7.50")),
        (3, "Anna Schmidt", Decimal("0.25")),
        (5, "Ben Okafor", Decimal("12.00")),
    ]
    assert result.records[1].description == "Triage; queue clean-up"
    assert "skipped 1 repeated header row(s)" in result.warnings


def test_harvest_malformed_rows_become_row_errors_naming_line_and_column(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "harvest", "harvest_malformed.csv")
    assert [r.row for r in result.records] == [2]
    errors = errors_by_row(result)
    assert set(errors) == {3, 4, 5, 6, 7, 9, 10}
    assert errors[3][0].field == "Date" and "2024-13-01" in errors[3][0].message
    assert errors[4][0].field == "Hours" and "1.5h" in errors[4][0].message
    assert errors[5] == [RowError(5, "Project", "Project is missing")]
    assert errors[6][0].field == "Hours" and "cut short" in errors[6][0].message  # truncated row
    assert errors[7][0].field == "Client" and "1 of 20 columns" in errors[7][0].message  # wrong delimiter
    assert "line 8: skipped a zero-length entry (Hours is 0)" in result.warnings
    assert errors[9] == [RowError(9, "Hours", "hours must be at most 24 per entry (got 25.00)")]
    assert errors[10][0].field is None and "lacks quotes" in errors[10][0].message


def test_harvest_without_its_hours_and_name_columns_names_them() -> None:
    with pytest.raises(FileError, match="missing required columns: Hours; First Name; Last Name"):
        parse("timesheets", "harvest", b"Date,Client,Project\n2024-03-04,Acme,Help desk\n")


# Toggl


def test_toggl_converts_local_times_in_the_upload_zone_to_utc(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "toggl", "toggl_valid.csv", tz="Europe/Berlin")
    assert result.errors == []
    night, short = result.records
    assert night.started_at == datetime(2024, 3, 30, 21, 30, tzinfo=UTC)
    assert night.ended_at == datetime(2024, 3, 31, 0, 15, tzinfo=UTC)  # past midnight, before the DST switch
    assert (night.hours, night.date) == (Decimal("1.75"), date(2024, 3, 30))
    assert (short.hours, short.client, short.task, short.description) == (Decimal("0.33"), None, None, "")


def test_toggl_malformed_rows_name_the_column(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "toggl", "toggl_malformed.csv")
    assert [r.row for r in result.records] == [2, 6]  # "Maybe" in Billable: never stored, so no error
    assert [(e.row, e.field) for e in result.errors] == [(3, "Start time"), (4, "Duration"), (5, "User")]


# Clockify


def test_clockify_day_first_is_proven_by_a_day_above_twelve(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "clockify", "clockify_day_first.csv")
    assert result.errors == []
    assert [r.date for r in result.records] == [date(2024, 5, 3), date(2024, 5, 13)]
    assert result.records[1].hours == Decimal("2.00")  # blank "Duration (h)" falls back to the decimal column


def test_clockify_undecidable_file_raises_without_day_first(sample: Callable[[str], bytes]) -> None:
    with pytest.raises(FileError, match="choose the date order: day first .DD/MM. or month first .MM/DD."):
        parse("timesheets", "clockify", sample("clockify_undecidable.csv"))


@pytest.mark.parametrize(("day_first", "expected"), [(True, date(2024, 5, 3)), (False, date(2024, 3, 5))])
def test_clockify_undecidable_file_follows_the_callers_order(
    parse_sample: Parse, day_first: bool, expected: date
) -> None:
    result = parse_sample("timesheets", "clockify", "clockify_undecidable.csv", day_first=day_first)
    assert result.records[0].date == expected


def test_clockify_malformed_rows_never_raise(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "clockify", "clockify_malformed.csv")
    assert [r.row for r in result.records] == [2]
    errors = errors_by_row(result)
    assert {e.field for e in errors[3]} == {"Start Date", "End Date"}
    assert errors[4][0].field == "Start Time" and "12-hour" in errors[4][0].message
    assert errors[5] == [RowError(5, "Duration (h)", "Duration (h) is missing")]
    assert "cut short" in errors[6][0].message


def test_clockify_ignores_rate_columns_whatever_their_currency() -> None:
    data = (
        b"Project,User,Start Date,Start Time,End Date,End Time,Duration (h),Billable Rate (CHF)\n"
        b"Ops,Lea,2024-06-03,08:00,2024-06-03,09:00,01:00:00,120.00\n"
    )
    assert parse("timesheets", "clockify", data).records[0].hours == Decimal("1.00")


# Kimai


def test_kimai_german_headers_semicolons_and_cp1252(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "kimai", "kimai_de.csv", tz="Europe/Berlin")
    assert result.errors == []
    day, night = result.records
    assert (day.person, day.client, day.project, day.task) == ("Jonas Weber", "Initech AG", "Netzwerk", "Wartung")
    assert (day.date, day.hours, day.billable) == (date(2024, 3, 4), Decimal("4.50"), True)
    assert night.ended_at == datetime(2024, 3, 5, 0, 30, tzinfo=UTC)  # 22:00-01:30 local ends next day
    assert (night.hours, night.billable) == (Decimal("3.50"), False)


def test_kimai_english_export_keeps_its_ids_and_falls_back_to_the_username(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "kimai", "kimai_en.csv")
    assert [(r.external_id, r.person, r.hours) for r in result.records] == [
        ("1017", "Jonas Weber", Decimal("2.50")),
        ("1018", "jweber", Decimal("0.75")),
    ]


def test_kimai_one_headers_in_and_out_are_accepted() -> None:
    data = b"Date,In,Out,Duration,User,Customer,Project,Activity,Description\n2024-03-05,09:00,10:30,1:30,ann,C,P,A,D\n"
    (entry,) = parse("timesheets", "kimai", data).records
    assert (entry.hours, entry.started_at) == (Decimal("1.50"), datetime(2024, 3, 5, 9, 0, tzinfo=UTC))


def test_kimai_malformed_rows_name_the_german_columns(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "kimai", "kimai_malformed.csv")
    assert [r.row for r in result.records] == [2]
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "Dauer"),
        (4, "Datum"),
        (5, "Projekt"),
        (6, "Benutzer"),
    ]


def test_kimai_without_any_user_column_names_both_options() -> None:
    with pytest.raises(FileError, match="Name or User"):
        parse("timesheets", "kimai", b"Date,Duration,Project\n2024-03-05,1,P\n")


# Generic


def test_generic_timesheets_skip_blank_and_repeated_header_rows(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "generic", "generic_timesheets.csv")
    assert result.errors == []
    assert [(r.row, r.external_id, r.hours) for r in result.records[:2]] == [
        (2, "T-1", Decimal("8.00")),
        (3, "T-2", Decimal("7.50")),
    ]
    last = result.records[2]
    assert (last.row, last.hours, last.project) == (6, Decimal("1.75"), None)
    assert last.external_id is not None and last.external_id.startswith("sha256:")
    assert result.records[1].description == "Escalations, follow-ups"


def test_generic_timesheets_malformed_rows(parse_sample: Parse) -> None:
    result = parse_sample("timesheets", "generic", "generic_timesheets_malformed.csv")
    assert [r.row for r in result.records] == [2]
    assert [(e.row, e.field) for e in result.errors] == [(3, "contractor"), (4, "date"), (5, "hours"), (6, "hours")]


def test_generic_timesheets_accept_day_first_dates_proven_by_the_file() -> None:
    data = b"contractor,date,hours\nAnn,02/04/2024,1\nAnn,25/04/2024,2\n"
    assert [r.date for r in parse("timesheets", "generic", data).records] == [date(2024, 4, 2), date(2024, 4, 25)]


def test_generic_timesheets_with_an_undecidable_date_raise() -> None:
    with pytest.raises(FileError, match="choose the date order") as raised:
        parse("timesheets", "generic", b"contractor,date,hours\nAnn,02/04/2024,1\n")
    assert raised.value.code == "date_order"


def test_reimporting_the_same_rows_derives_the_same_ids(sample: Callable[[str], bytes]) -> None:
    first = parse("timesheets", "harvest", sample("harvest_semicolon_crlf.csv"))
    again = parse("timesheets", "harvest", sample("harvest_semicolon_crlf.csv").replace(b"7,5", b"7.50"))
    assert [r.external_id for r in first.records] == [r.external_id for r in again.records]


def test_identical_rows_keep_distinct_ids_and_are_reported() -> None:
    data = b"contractor,date,hours,description\nAnn,2024-04-01,1,Call\nAnn,2024-04-01,1,Call\n"
    result = parse("timesheets", "generic", data)
    assert len({r.external_id for r in result.records}) == 2
    assert any("rows 2 and 3 are identical" in w for w in result.warnings)


def test_records_are_plain_frozen_values_equal_field_by_field(parse_sample: Parse) -> None:
    first = parse_sample("timesheets", "generic", "generic_timesheets.csv").records[0]
    assert first == TimeRecord(
        row=2,
        person="Priya Nair",
        email=None,
        project="Help desk (Acme)",
        client=None,
        task=None,
        date=date(2024, 4, 1),
        hours=Decimal("8.00"),
        description="First-line support",
        billable=None,
        external_id="T-1",
        started_at=None,
        ended_at=None,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.hours = Decimal("1.00")
