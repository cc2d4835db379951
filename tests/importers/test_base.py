"""The registry and whole-file behaviour shared by every format."""

import hashlib
import re
from collections.abc import Callable

import pytest

from imports.parsers import FORMATS, FileError, parse
from imports.parsers.base import _parsers

SAMPLE_FOR = {
    ("timesheets", "harvest"): "harvest_time_entries_import_test_1.csv",
    ("timesheets", "toggl"): "toggl_time_entries_import_test_1.csv",
    ("timesheets", "clockify"): "clockify_time_entries_import_test_2.csv",
    ("timesheets", "kimai"): "kimai_en.csv",
    ("timesheets", "generic"): "generic_timesheets.csv",
    ("tickets", "jira"): "jira.csv",
    ("tickets", "zendesk"): "zendesk.csv",
    ("tickets", "generic"): "generic_tickets.csv",
    ("outages", "uptimerobot"): "uptimerobot.csv",
    ("outages", "generic"): "generic_outages.csv",
}

ALL_FORMATS = [(kind, fmt) for kind, formats in FORMATS.items() for fmt in formats]


def test_every_listed_format_has_a_parser_and_a_sample_and_nothing_else_does() -> None:
    assert set(_parsers()) == set(ALL_FORMATS)
    assert set(SAMPLE_FOR) == set(ALL_FORMATS)


@pytest.mark.parametrize(
    ("kind", "fmt", "message"),
    [
        ("invoices", "generic", "unknown kind 'invoices': expected one of timesheets, tickets, outages"),
        ("tickets", "harvest", "unknown tickets format 'harvest': expected one of jira, zendesk, generic"),
    ],
)
def test_an_unknown_kind_or_format_is_refused_with_the_known_ones(kind: str, fmt: str, message: str) -> None:
    with pytest.raises(FileError, match=f"^{re.escape(message)}$"):
        parse(kind, fmt, b"a,b\n1,2\n")


def test_kind_and_format_are_read_without_case_or_surrounding_spaces(sample: Callable[[str], bytes]) -> None:
    data = sample(SAMPLE_FOR[("tickets", "jira")])
    assert parse(" Tickets ", "JIRA", data).records == parse("tickets", "jira", data).records


@pytest.mark.parametrize(("kind", "fmt"), ALL_FORMATS)
def test_every_format_parses_its_sample_and_reports_the_files_hash(
    sample: Callable[[str], bytes], kind: str, fmt: str
) -> None:
    data = sample(SAMPLE_FOR[(kind, fmt)])
    result = parse(kind, fmt, data)
    assert result.records
    assert result.file_sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("kind", "fmt"), ALL_FORMATS)
def test_every_format_rejects_an_empty_file(kind: str, fmt: str) -> None:
    with pytest.raises(FileError, match="empty"):
        parse(kind, fmt, b"\xef\xbb\xbf\r\n  \n")


@pytest.mark.parametrize(("kind", "fmt"), ALL_FORMATS)
def test_every_format_names_missing_columns(kind: str, fmt: str) -> None:
    with pytest.raises(FileError, match="missing required columns"):
        parse(kind, fmt, b"colour,shape\nred,round\n")


@pytest.mark.parametrize(("kind", "fmt"), ALL_FORMATS)
def test_every_format_accepts_a_header_without_rows(kind: str, fmt: str, sample: Callable[[str], bytes]) -> None:
    header = sample(SAMPLE_FOR[(kind, fmt)]).split(b"\n")[0]
    result = parse(kind, fmt, header + b"\n")
    assert (result.records, result.errors) == ([], [])
    assert "the file has a header but no data rows" in result.warnings


def test_an_unknown_format_is_a_file_error_listing_the_choices() -> None:
    with pytest.raises(FileError, match="expected one of jira, zendesk, generic"):
        parse("tickets", "servicenow", b"a\n1\n")


def test_an_unknown_kind_is_a_file_error() -> None:
    with pytest.raises(FileError, match="unknown kind 'invoices'"):
        parse("invoices", "generic", b"a\n1\n")


def test_kind_and_format_names_ignore_case_and_spaces(sample: Callable[[str], bytes]) -> None:
    assert parse(" Timesheets", "HARVEST ", sample("harvest_time_entries_import_test_1.csv")).records


def test_an_unknown_time_zone_is_a_file_error() -> None:
    with pytest.raises(FileError, match="unknown time zone 'Mars/Olympus'"):
        parse("outages", "generic", b"service,started_at\nVPN,2024-01-01 10:00\n", tz="Mars/Olympus")


def test_a_workbook_uploaded_instead_of_csv_is_explained() -> None:
    with pytest.raises(FileError, match="not CSV"):
        parse("timesheets", "generic", b"PK\x03\x04\x14\x00\x06\x00")


def test_an_excel_sep_line_sets_the_delimiter_and_keeps_line_numbers() -> None:
    data = b"sep=;\ncontractor;date;hours\nAnn;2024-04-01;1,5\nAnn;2024-04-02;x\n"
    result = parse("timesheets", "generic", data)
    assert [(r.row, str(r.hours)) for r in result.records] == [(3, "1.50")]
    assert [(e.row, e.field) for e in result.errors] == [(4, "hours")]


def test_tab_separated_files_are_read() -> None:
    result = parse("timesheets", "generic", b"contractor\tdate\thours\nAnn\t2024-04-01\t2\n")
    assert str(result.records[0].hours) == "2.00"


def test_header_names_match_whatever_their_case_and_spacing() -> None:
    result = parse("timesheets", "generic", b" Contractor ,DATE,Hours\nAnn,2024-04-01,2\n")
    assert result.records[0].person == "Ann"


def test_a_quote_left_open_does_not_crash_the_parse() -> None:
    result = parse("timesheets", "generic", b'contractor,date,hours\nAnn,2024-04-01,"2\nBen,2024-04-02,3\n')
    assert result.records == [] and result.errors[0].row == 2


def test_extreme_values_become_row_errors_not_overflows() -> None:
    toggl = b"User,Start date,Start time,End date,End time,Duration\nA,9999-12-31,23:00,9999-12-31,23:30,0:30\n"
    zendesk = (
        b"Id,Subject,Priority,Ticket type,Created at,First reply time in minutes\n"
        b"1,S,High,Task,2024-06-05 10:00,99999999999999999\n"
    )
    uptime = b"Event,Monitor,Date-Time,Duration\nDown,VPN,2024-08-01 22:00:00,99999999 days\n"
    hours = b"contractor,date,hours\nA,2024-01-01,100000000000000000000000000000000\n"
    for kind, fmt, data in [
        ("timesheets", "toggl", toggl),
        ("tickets", "zendesk", zendesk),
        ("outages", "uptimerobot", uptime),
        ("timesheets", "generic", hours),
    ]:
        result = parse(kind, fmt, data, tz="America/New_York")
        assert result.records == [] and result.errors[0].row == 2
