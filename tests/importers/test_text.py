"""The shared text helpers: decoding, numbers, durations, times and dates."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from imports.parsers.base import FileError
from imports.parsers.text import (
    decide_day_first,
    decode,
    hours_between,
    local_to_utc,
    normalise_newlines,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_hours,
    parse_span,
    parse_time,
    sniff_delimiter,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_decode_strips_a_utf8_byte_order_mark() -> None:
    assert decode("\ufeffUser,Email".encode()) == "User,Email"


def test_decode_reads_utf8_without_a_byte_order_mark() -> None:
    assert decode("Tätigkeit".encode()) == "Tätigkeit"


def test_decode_falls_back_to_cp1252_for_legacy_excel_files() -> None:
    assert decode("Tätigkeit – €".encode("cp1252")) == "Tätigkeit – €"


def test_decode_falls_back_to_latin1_for_bytes_cp1252_lacks() -> None:
    assert decode(b"caf\xe9 \x81") == "café \x81"


def test_decode_reads_utf16_with_a_byte_order_mark() -> None:
    assert decode("Datum\tDauer".encode("utf-16")) == "Datum\tDauer"


def test_newlines_from_windows_and_old_macs_become_lf() -> None:
    assert normalise_newlines("a\r\nb\rc\n") == "a\nb\nc\n"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Date,Client,Project", ","),
        ("Datum;Von;Bis", ";"),
        ("Date\tIn\tOut", "\t"),
        ('"Project; Name",Client,Task', ","),
        ("OnlyOneColumn", ","),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header_outside_quotes(header: str, expected: str) -> None:
    assert sniff_delimiter(header) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20,0", "20.0"),
        ("2.000,0", "2000.0"),
        ("1,234.50", "1234.50"),
        ("0,01", "0.01"),
        ("1.5", "1.5"),
        ("1,234,567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1 234,5", "1234.5"),
        ("1'234.50", "1234.50"),
        ("-3,5", "-3.5"),
        (".5", ".5"),
        ("42", "42"),
    ],
)
def test_decimals_read_either_separator_and_thousands_marks(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2.3,4", "1,23.5", "1e5", "NaN", "12-3"])
def test_decimals_reject_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:00:01", "1.00"),
        ("0:20", "0.33"),
        ("01:00:01", "1.00"),
        ("00:30:00", "0.50"),
        ("7:45", "7.75"),
        ("00:00:00", "0.00"),
        ("1:00:18", "1.01"),  # 1.005 h rounds half up
        ("20,0", "20.00"),
        ("0,01", "0.01"),
        ("1.5", "1.50"),
        ("2.345", "2.35"),
    ],
)
def test_durations_become_hours_with_two_decimals_rounded_half_up(text: str, expected: str) -> None:
    assert parse_hours(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1:75", "one hour", "1:7x", "-"])
def test_durations_reject_unreadable_values(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_hours(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:23 AM", time(10, 23)),
        ("10:23:52 PM", time(22, 23, 52)),
        ("12:05 AM", time(0, 5)),
        ("12:05 PM", time(12, 5)),
        ("9:15 p.m.", time(21, 15)),
        ("14:05", time(14, 5)),
        ("23:59:59", time(23, 59, 59)),
        ("08:00:00.250", time(8, 0)),
    ],
)
def test_times_read_twelve_and_twenty_four_hour_clocks(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "13:00 PM", "0:30 AM", "noon", "10"])
def test_times_reject_impossible_clock_readings(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2024-03-04", None, date(2024, 3, 4)),
        ("2024/03/04", None, date(2024, 3, 4)),
        ("04.03.2024", None, date(2024, 3, 4)),
        ("04.03.24", None, date(2024, 3, 4)),
        ("03/04/2024", False, date(2024, 3, 4)),
        ("04/03/2024", True, date(2024, 3, 4)),
        ("13/01/2024", None, date(2024, 1, 13)),
        ("01/13/2024", None, date(2024, 1, 13)),
        ("05/05/2024", None, date(2024, 5, 5)),
        ("11/May/24", None, date(2024, 5, 11)),
        ("11-Sep-2024", None, date(2024, 9, 11)),
    ],
)
def test_dates_read_iso_dotted_slashed_and_month_names(text: str, day_first: bool | None, expected: date) -> None:
    assert parse_date(text, day_first) == expected


def test_an_ambiguous_date_is_never_guessed() -> None:
    with pytest.raises(ValueError, match="DD/MM or MM/DD"):
        parse_date("03/04/2024")


@pytest.mark.parametrize("text", ["2024-02-30", "31/02/2024", "yesterday", "11/Mui/24", "2024-3"])
def test_dates_reject_impossible_or_unknown_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text, True)


def test_a_day_above_twelve_in_the_first_field_proves_day_first() -> None:
    assert decide_day_first(["03/04/2024", "13/04/2024"], None) is True


def test_a_day_above_twelve_in_the_second_field_proves_month_first() -> None:
    assert decide_day_first(["03/04/2024", "10/15/2024 11:00 AM"], None) is False


def test_an_undecidable_file_without_day_first_is_a_file_error_naming_the_option() -> None:
    with pytest.raises(FileError, match="choose the date order: day first .DD/MM. or month first .MM/DD."):
        decide_day_first(["03/04/2024", "04/05/2024"], None)


def test_the_callers_day_first_settles_an_undecidable_file() -> None:
    assert decide_day_first(["03/04/2024"], True) is True


def test_contradicting_proofs_are_a_file_error() -> None:
    with pytest.raises(FileError, match="contradict"):
        decide_day_first(["13/01/2024", "01/13/2024"], None)


def test_files_without_slashed_dates_need_no_order() -> None:
    assert decide_day_first(["2024-03-04", "04.03.2024", "05/05/2024"], None) is None


def test_local_time_in_a_zone_becomes_aware_utc() -> None:
    assert local_to_utc(date(2024, 7, 1), time(9, 0), BERLIN) == datetime(2024, 7, 1, 7, 0, tzinfo=UTC)


def test_local_time_in_winter_uses_the_winter_offset() -> None:
    assert local_to_utc(date(2024, 1, 15), time(9, 0), BERLIN) == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-07-01T09:00:00+02:00", datetime(2024, 7, 1, 7, 0, tzinfo=UTC)),
        ("2024-07-01T09:00:00Z", datetime(2024, 7, 1, 9, 0, tzinfo=UTC)),
        ("2024-07-01 09:00:00 +0000", datetime(2024, 7, 1, 9, 0, tzinfo=UTC)),
        ("2024-07-01 09:00", datetime(2024, 7, 1, 7, 0, tzinfo=UTC)),
        ("2024-07-01", datetime(2024, 6, 30, 22, 0, tzinfo=UTC)),
        ("11/May/24 3:26 PM", datetime(2024, 5, 11, 13, 26, tzinfo=UTC)),
        ("01.07.2024 09:00", datetime(2024, 7, 1, 7, 0, tzinfo=UTC)),
        ("01-07-2024 09:00", datetime(2024, 7, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_date_times_with_an_offset_keep_it_and_naive_ones_use_the_zone(text: str, expected: datetime) -> None:
    assert parse_datetime(text, True, BERLIN) == expected


def test_a_bad_date_time_names_the_whole_cell() -> None:
    with pytest.raises(ValueError, match="the cell reads '2024-07-01 25:00'"):
        parse_datetime("2024-07-01 25:00", None, BERLIN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:02:03", timedelta(hours=1, minutes=2, seconds=3)),
        ("0 hrs, 12 mins", timedelta(minutes=12)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2 days, 3 hours and 4 minutes", timedelta(days=2, hours=3, minutes=4)),
        ("90", timedelta(seconds=90)),
    ],
)
def test_spans_read_clock_unit_and_bare_second_forms(text: str, expected: timedelta) -> None:
    assert parse_span(text) == expected


def test_a_bare_span_number_can_count_minutes() -> None:
    assert parse_span("90", bare_unit=60) == timedelta(minutes=90)


def test_spans_reject_prose() -> None:
    with pytest.raises(ValueError):
        parse_span("a while")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", True),
        ("no", False),
        ("TRUE", True),
        ("0", False),
        ("Ja", True),
        ("Nein", False),
        ("", None),
        ("-", None),
    ],
)
def test_flags_read_english_and_german_yes_and_no(text: str, expected: bool | None) -> None:
    assert parse_bool(text) is expected


def test_flags_reject_maybe() -> None:
    with pytest.raises(ValueError, match="not yes or no"):
        parse_bool("Maybe")


def test_decode_keeps_utf8_with_a_bom_even_if_a_byte_is_broken() -> None:
    assert decode(b"\xef\xbb\xbfUser,T\xc3\xa4tigkeit,\xff") == "User,Tätigkeit,\ufffd"


def test_hours_between_two_moments_round_like_durations() -> None:
    start = datetime(2024, 3, 4, 10, 23, tzinfo=UTC)
    assert hours_between(start, start + timedelta(hours=1, seconds=1)) == Decimal("1.00")
    assert hours_between(start, start + timedelta(minutes=20)) == Decimal("0.33")


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "31.12.1899"])
def test_dates_outside_plausible_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="implausible year"):
        parse_date(text)


def test_spans_longer_than_ten_years_are_refused() -> None:
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_span("99999999999999999", bare_unit=60)
