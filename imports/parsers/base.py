"""Result types, the whole-file error and the format registry of the importers.

This layer only parses: bytes in, plain records out. It never touches the ORM;
the services map the records to models. Nothing here raises on a bad row: a
row's problems become `RowError`s and the other rows still parse. Only a
problem with the whole file (wrong format, missing columns, empty file, a date
order that cannot be decided) raises `FileError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")

# C0/C1 control characters and the bidirectional overrides: echoed back from a
# cell they could move the terminal's cursor or reorder what the reader sees.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ECHO_LIMIT = 600  # characters of a message echoed to a terminal or an API client


def printable(message: str) -> str:
    """`message` with control characters shown as escapes (\\x1b) and cut to a readable length."""
    if _UNPRINTABLE.search(message):
        message = _UNPRINTABLE.sub(
            lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", message
        )
    return message if len(message) <= ECHO_LIMIT else message[: ECHO_LIMIT - 1] + "\u2026"


FORMATS: dict[str, tuple[str, ...]] = {
    "timesheets": ("harvest", "toggl", "clockify", "kimai", "generic"),
    "tickets": ("jira", "zendesk", "generic"),
    "outages": ("uptimerobot", "generic"),
}


class FileError(Exception):
    """A problem with the whole file; the message is meant for the uploader.

    `code` lets each front end phrase its own hint ("date_order": the command
    names --day-first/--month-first, the API its day_first field).
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(printable(message))
        self.code = code


@dataclass(frozen=True)
class RowError:
    """One problem of one row: `row` is the file's line number (header = 1)."""

    row: int
    field: str | None
    message: str

    def __post_init__(self) -> None:
        # Messages quote cells; keep control bytes out of terminals and API answers.
        object.__setattr__(self, "message", printable(self.message))
        if self.field is not None:
            object.__setattr__(self, "field", printable(self.field))


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """One data row's outcome: a record, its errors, or a note saying why it was skipped."""

    row: int
    record: T | None = None
    errors: tuple[RowError, ...] = ()
    note: str = ""


class Records(Protocol[T]):
    """A parser's lazy output: iterate once for the rows; `warnings` is complete afterwards."""

    @property
    def warnings(self) -> list[str]: ...

    @property
    def total(self) -> int:
        """Data rows in the file, known before iterating."""

    def __iter__(self) -> Iterator[Parsed[T]]: ...


@dataclass
class ParseResult(Generic[T]):
    """Parsed records, rejected rows, the file's SHA-256 and notes for the user."""

    records: list[T]
    errors: list[RowError]
    file_sha256: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """Per-upload settings every parser needs.

    `counted(rows)`: told the rows counted so far by the first pass: 0 as it
    begins, then every COUNT_STEP rows (the parser's `total` has the end).
    """

    day_first: bool | None
    tz: ZoneInfo
    counted: Callable[[int], None] | None = None


Parser = Callable[[BinaryIO, Context], Records[Any]]


def stream(
    kind: str,
    fmt: str,
    source: BinaryIO,
    *,
    day_first: bool | None = None,
    tz: str = "UTC",
    counted: Callable[[int], None] | None = None,
) -> Records[Any]:
    """Parse a seekable binary stream lazily: rows are read as they are iterated.

    Before the first row comes out, one quick pass reads the whole file (CSV
    cells only) to check the header, settle the date order and count the rows;
    `counted(rows)` follows that pass from its first row. Memory does not grow
    with the file either way.
    """
    kind_key, fmt_key = kind.strip().lower(), fmt.strip().lower()
    if kind_key not in FORMATS:
        raise FileError(f"unknown kind '{kind}': expected one of {', '.join(FORMATS)}")
    if fmt_key not in FORMATS[kind_key]:
        known = ", ".join(FORMATS[kind_key])
        raise FileError(f"unknown {kind_key} format '{fmt}': expected one of {known}")
    return _parsers()[(kind_key, fmt_key)](source, Context(day_first, zone(tz), counted))


def parse(kind: str, fmt: str, data: Any, *, day_first: bool | None = None, tz: str = "UTC") -> ParseResult[Any]:
    """Parse a whole export (bytes, a path or a binary file) into lists; for previews and tests."""
    from imports.parsers.source import digest, opened

    with opened(data) as source:
        result: ParseResult[Any] = ParseResult([], [], digest(source))
        records = stream(kind, fmt, source, day_first=day_first, tz=tz)
        notes = []
        for item in records:
            if item.record is not None:
                result.records.append(item.record)
            result.errors.extend(item.errors)
            if item.note:
                notes.append(f"line {item.row}: {item.note}")
        result.warnings = records.warnings + notes
    return result


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a FileError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FileError(f"unknown time zone '{name}': use an IANA name such as Europe/Berlin") from None


def _parsers() -> dict[tuple[str, str], Parser]:
    """The registry; imported late because the parser modules import this one."""
    from imports.parsers import outages, tickets, timesheets

    return {
        ("timesheets", "harvest"): timesheets.parse_harvest,
        ("timesheets", "toggl"): timesheets.parse_toggl,
        ("timesheets", "clockify"): timesheets.parse_clockify,
        ("timesheets", "kimai"): timesheets.parse_kimai,
        ("timesheets", "generic"): timesheets.parse_generic,
        ("tickets", "jira"): tickets.parse_jira,
        ("tickets", "zendesk"): tickets.parse_zendesk,
        ("tickets", "generic"): tickets.parse_generic,
        ("outages", "uptimerobot"): outages.parse_uptimerobot,
        ("outages", "generic"): outages.parse_generic,
    }
