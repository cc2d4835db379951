"""Result types, the whole-file error and the format registry of the importers.

This layer only parses: bytes in, plain records out. It never touches the ORM;
the services map the records to models. Nothing here raises on a bad row: a
row's problems become `RowError`s and the other rows still parse. Only a
problem with the whole file (wrong format, missing columns, empty file, a date
order that cannot be decided) raises `FileError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")

FORMATS: dict[str, tuple[str, ...]] = {
    "timesheets": ("harvest", "toggl", "clockify", "kimai", "generic"),
    "tickets": ("jira", "zendesk", "generic"),
    "outages": ("uptimerobot", "generic"),
}


class FileError(Exception):
    """A problem with the whole file; the message is meant for the uploader."""


@dataclass(frozen=True)
class RowError:
    """One problem of one row: `row` is the file's line number (header = 1)."""

    row: int
    field: str | None
    message: str


@dataclass
class ParseResult(Generic[T]):
    """Parsed records, rejected rows, the file's SHA-256 and notes for the user."""

    records: list[T]
    errors: list[RowError]
    file_sha256: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """Per-upload settings every parser needs."""

    day_first: bool | None
    tz: ZoneInfo


Parser = Callable[[bytes, Context], ParseResult[Any]]


def parse(kind: str, fmt: str, data: bytes, *, day_first: bool | None = None, tz: str = "UTC") -> ParseResult[Any]:
    """Parse an uploaded export of `kind` written in format `fmt`."""
    kind_key, fmt_key = kind.strip().lower(), fmt.strip().lower()
    if kind_key not in FORMATS:
        raise FileError(f"unknown kind '{kind}': expected one of {', '.join(FORMATS)}")
    if fmt_key not in FORMATS[kind_key]:
        known = ", ".join(FORMATS[kind_key])
        raise FileError(f"unknown {kind_key} format '{fmt}': expected one of {known}")
    return _parsers()[(kind_key, fmt_key)](data, Context(day_first, zone(tz)))


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
