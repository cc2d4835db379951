"""Text helpers shared by every importer: decoding, numbers, durations, dates.

Each value helper raises `ValueError` with a message fit for the uploader; the
row layer turns it into a `RowError`. Nothing here guesses: a date such as
03/04/2024 is only read once the file (or the caller) has settled the order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from imports.parsers.base import FileError

DELIMITERS = (",", ";", "\t")
DATE_ORDER = "date_order"  # FileError code: the file's date order must be chosen by the uploader
DATE_ORDER_CHOICE = "choose the date order: day first (DD/MM) or month first (MM/DD)"  # front ends name their option
HUNDREDTH = Decimal("0.01")
YEARS = range(1900, 2201)  # plausible business dates; also keeps zone shifts clear of datetime's limits
MAX_SPAN = timedelta(days=3660)

_SPACES = re.compile(r"[\s\u00a0\u202f']")  # spaces, NBSP and Swiss apostrophes group digits
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CLOCK = re.compile(r"(\d+):([0-5]?\d)(?::([0-5]?\d)(?:\.\d+)?)?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:([AaPp])\.?\s*[Mm]\.?)?")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\.?")
_SLASHED_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})")
_NAMED_DATE = re.compile(r"(\d{1,2})\.?[-/ ]([^\W\d_]{3,10})\.?[-/ ,]+(\d{4}|\d{2})")
_OFFSET = re.compile(r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_SPAN_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])")
_SPAN_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# Month names and abbreviations as Jira and spreadsheets write them in English,
# German, French, Spanish, Italian, Dutch and Portuguese (accents optional);
# no spelling means two different months across these languages.
_MONTH_NAMES = (
    "jan january januar janv janvier ene enero gen gennaio januari jän jänner",
    "feb february februar fev fév févr fevr fevrier février febrero febbraio februari fevereiro",
    "mar march mär märz marz mars marzo mrt maart març março marco",
    "apr april avr avril abr abril aprile",
    "may mai mayo mag maggio mei maio",
    "jun june juni juin jun junio giu giugno junho",
    "jul july juli juil juillet julio lug luglio julho",
    "aug august aou aoû août aout ago agosto augustus",
    "sep sept september septembre septiembre set settembre setembro",
    "oct october okt oktober octobre oct octubre ott ottobre out outubro",
    "nov november novembre noviembre novembro",
    "dec december dez dezember déc dec décembre decembre dic diciembre dicembre dezembro",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_TRUE = {"yes", "y", "true", "1", "x", "ja", "j", "billable"}
_FALSE = {"no", "n", "false", "0", "nein", "non-billable", "not billable"}


def decode(data: bytes) -> str:
    """Decode UTF-8 (BOM optional) or UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):  # the BOM declares UTF-8: keep it, mark stray bytes with U+FFFD
        return data[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # maps every byte, so it cannot fail


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of `,` `;` TAB outside quotes in the header (`,` on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first on ties: ","
    return best if counts[best] else ","


def parse_decimal(value: str) -> Decimal:
    """Read a number written with `.` or `,` decimals and optional thousands marks.

    The last separator is the decimal one when both appear ("2.000,0", "1,234.50");
    a separator repeated alone groups thousands ("1,234,567"); a single lone
    separator is the decimal one ("20,0" is 20.0 and "1,234" is 1.234).
    """
    text = _SPACES.sub("", value)
    if not text:
        raise ValueError("no number given")
    plain = _unify_separators(text, value)
    if not _PLAIN_NUMBER.fullmatch(plain):
        raise ValueError(f"'{value}' is not a number")
    # The pattern admits only digits Decimal reads (\d: any Unicode decimal digit), so this cannot raise.
    return Decimal(plain)


def _unify_separators(text: str, original: str) -> str:
    """Rewrite `text` with `.` as the only (decimal) separator."""
    last = max(text.rfind("."), text.rfind(","))
    if last < 0:
        return text
    mark = text[last]
    other = "," if mark == "." else "."
    if text.count(mark) > 1:
        if other in text:
            raise ValueError(f"'{original}' is not a number")
        return _drop_thousands(text, mark, original)
    whole, fraction = text[:last], text[last + 1 :]
    if other in whole:
        whole = _drop_thousands(whole, other, original)
    return f"{whole}.{fraction}"


def _drop_thousands(text: str, mark: str, original: str) -> str:
    """Remove thousands marks, checking they really group three digits."""
    head, *groups = text.split(mark)
    if not re.fullmatch(r"[+-]?\d{1,3}", head) or any(not re.fullmatch(r"\d{3}", g) for g in groups):
        raise ValueError(f"'{original}' has misplaced thousands separators")
    return head + "".join(groups)


def round_hours(hours: Decimal) -> Decimal:
    """Round to the domain's two decimals, half up."""
    return hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def parse_hours(value: str) -> Decimal:
    """Read "h:mm", "hh:mm:ss" or decimal hours as Decimal hours with 2 decimals."""
    text = value.strip()
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return round_hours(Decimal(hours * 3600 + minutes * 60 + seconds) / 3600)
    try:
        return round_hours(parse_decimal(text))
    except (ValueError, ArithmeticError):  # ArithmeticError: too many digits to round
        raise ValueError(f"'{value}' is not a duration (use h:mm, h:mm:ss or decimal hours)") from None


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Hours from `start` to `end`, rounded like every other duration."""
    return round_hours(Decimal(int((end - start).total_seconds())) / 3600)


def parse_span(value: str, *, bare_unit: int = 1) -> timedelta:
    """Read a length of time: "1:02:03", "2 hrs, 5 mins", "1h 30m" or a bare number.

    A bare number counts `bare_unit` seconds each (seconds unless told otherwise).
    Spans over ten years are refused as implausible.
    """
    try:
        seconds = _span_seconds(value.strip().lower(), bare_unit)
    except (ValueError, ArithmeticError):
        raise ValueError(f"'{value}' is not a length of time (e.g. 1:30:00 or 1 hrs, 30 mins)") from None
    if abs(seconds) > int(MAX_SPAN.total_seconds()):  # also keeps timedelta() from overflowing
        raise ValueError(f"'{value}' is longer than ten years")
    return timedelta(seconds=float(seconds))


def _span_seconds(text: str, bare_unit: int) -> Decimal:
    """Seconds in a span written as a clock, with units, or as a bare number."""
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return Decimal(hours * 3600 + minutes * 60 + seconds)
    parts = _SPAN_PART.findall(text)
    if parts and not re.sub(r"[\s,]|and", "", _SPAN_PART.sub("", text)):
        return sum((parse_decimal(n) * _SPAN_UNITS[unit[0]] for n, unit in parts), Decimal(0))
    return parse_decimal(text) * bare_unit


def parse_time(value: str) -> time:
    """Read a 24-hour ("14:05", "14:05:09") or 12-hour ("2:05 PM") clock time."""
    match = _TIME.fullmatch(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a time of day (use 14:05 or 2:05 PM)")
    hour, minute, second = (int(part or 0) for part in match.groups()[:3])
    meridiem = (match.group(4) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"'{value}' is not a valid 12-hour time")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid time of day") from None


def parse_bool(value: str) -> bool | None:
    """Read yes/no style flags (English and German); blank is None."""
    text = value.strip().lower()
    if not text or text == "-":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no")


def date_order_evidence(value: str) -> bool | None:
    """True if `value` proves day-first, False if it proves month-first, else None."""
    match = _SLASHED_DATE.fullmatch(_date_part(value))
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def _is_ambiguous(value: str) -> bool:
    """True for a numeric DD/MM vs MM/DD date that reads differently each way."""
    match = _SLASHED_DATE.fullmatch(_date_part(value))
    if not match:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    return first <= 12 and second <= 12 and first != second


def decide_day_first(values: Iterable[str], day_first: bool | None) -> bool | None:
    """Settle the date order of a whole file; None when no date needs it.

    The caller's `day_first` wins when given (a value that then fails becomes a
    row error); otherwise a value such as 13/01/2024 or 01/13/2024 proves the
    order; otherwise an ambiguous value raises FileError.
    """
    proof: dict[bool, str] = {}
    ambiguous: str | None = None
    for value in values:
        evidence = date_order_evidence(value)
        if evidence is not None:
            proof.setdefault(evidence, value.strip())
        elif ambiguous is None and _is_ambiguous(value):
            ambiguous = value.strip()
    if day_first is not None:
        return day_first
    if len(proof) == 2:
        raise FileError(
            f"the dates contradict each other: '{proof[True]}' is day-first but "
            f"'{proof[False]}' is month-first; fix the file or choose the date order (day first or month first)",
            code=DATE_ORDER,
        )
    if proof:
        return next(iter(proof))
    if ambiguous is not None:
        raise FileError(
            f"cannot tell whether dates such as '{ambiguous}' are DD/MM/YYYY or MM/DD/YYYY; {DATE_ORDER_CHOICE}.",
            code=DATE_ORDER,
        )
    return None


def parse_date(value: str, day_first: bool | None = None) -> date:
    """Read YYYY-MM-DD, DD.MM.YYYY, DD/Mon/YY or DD/MM vs MM/DD/YYYY (per `day_first`)."""
    text = value.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DOTTED_DATE.fullmatch(text):
        day, month, year = match.groups()
    elif match := _NAMED_DATE.fullmatch(text):
        day, name, year = match.groups()
        month = str(_month_number(name, value))
    elif match := _SLASHED_DATE.fullmatch(text):
        first, second, year = match.groups()
        order = day_first if day_first is not None else _evident_order(int(first), int(second))
        if order is None:
            raise ValueError(f"'{value}' could be DD/MM or MM/DD; choose the date order (day first or month first)")
        day, month = (first, second) if order else (second, first)
    else:
        raise ValueError(f"'{value}' is not a date (use YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)")
    return _make_date(year, int(month), int(day), value)


def _evident_order(first: int, second: int) -> bool | None:
    """The order one value proves by itself (equal parts read the same both ways)."""
    if first == second or first > 12:
        return True
    return False if second > 12 else None


def _month_number(name: str, original: str) -> int:
    """1-12 for a month name or abbreviation (see _MONTH_NAMES)."""
    number = _MONTHS.get(name.casefold())
    if number is None:
        raise ValueError(f"'{original}' has an unknown month name '{name}'")
    return number


def _make_date(year_text: str, month: int, day: int, original: str) -> date:
    """Build the date, reading two-digit years as 20YY."""
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if year not in YEARS:
        raise ValueError(f"'{original}' has an implausible year (expected {YEARS.start}-{YEARS.stop - 1})")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"'{original}' is not a valid date ({exc})") from None


def _date_part(value: str) -> str:
    """The date half of a date-time cell."""
    text = value.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        return text[:10]
    return text.split(maxsplit=1)[0] if text else ""


def local_to_utc(day: date, clock: time, zone: tzinfo) -> datetime:
    """Aware UTC datetime of wall-clock `day` `clock` in `zone`.

    Ambiguous wall times (the repeated hour when clocks go back) read as the
    first occurrence, as zoneinfo's fold=0 does.
    """
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def parse_datetime(value: str, day_first: bool | None, zone: tzinfo) -> datetime:
    """Read "<date>[ T]<time>[ offset]" as an aware UTC datetime; no offset means `zone`."""
    text = value.strip()
    offset = _OFFSET.search(text)
    if offset and ":" in text[: offset.start()]:  # only after a time: "04-03-2024" has no offset
        text, zone = text[: offset.start()], _fixed_zone(offset.group(1))
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        day_text, clock_text = text[:10], text[11:]
    else:
        day_text, _, clock_text = text.partition(" ")
    try:
        day = parse_date(day_text, day_first)
        clock = parse_time(clock_text) if clock_text.strip() else time(0, 0)
    except ValueError as exc:
        if day_text.strip() == value.strip():
            raise
        raise ValueError(f"{exc}; the cell reads '{value.strip()}'") from None
    return local_to_utc(day, clock, zone)


def _fixed_zone(token: str) -> tzinfo:
    """A fixed-offset zone for "Z", "UTC", "+0100" or "-05:00"."""
    if token.upper() in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
