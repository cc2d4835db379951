"""From a binary stream to checked rows: column lookup, per-row errors, one row at a time.

Parsers describe their columns with `Col` and turn one `Row` into one record;
`TableRecords` does the rest (decode and split via imports.parsers.source,
skip blank and repeated header rows, settle the date order in a first quick
pass, then build the records lazily as the caller iterates).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from typing import BinaryIO, Generic, TypeVar

from imports.parsers import text
from imports.parsers.base import Context, FileError, Parsed, RowError
from imports.parsers.source import CsvText

T = TypeVar("T")
V = TypeVar("V")

COUNT_STEP = 5000  # rows between two calls of the context's `counted` during the first pass


def _ignore(rows: int) -> None:
    """No one follows the first pass."""


def _same_header(cells: list[str], keys: list[str]) -> bool:
    """True when a data row repeats the header (`keys`: its non-blank names, normalised)."""
    first = next((c for c in cells if c.strip()), "")
    if normalise_name(first) != keys[0]:  # the usual data row: decided by one cell
        return False
    return [normalise_name(c) for c in cells if c.strip()] == keys


def normalise_name(name: str) -> str:
    """Header comparison key: case-folded, BOM-free, single-spaced."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True)
class Col:
    """A column a parser reads: accepted header names, first preferred.

    A name ending in "*" matches by prefix, e.g. "Amount (*" for "Amount (EUR)".
    """

    names: tuple[str, ...]
    required: bool = False


class Columns:
    """Where each of a parser's columns sits in this file's header."""

    def __init__(self, header: list[str], spec: Mapping[str, Col], one_of: Sequence[tuple[str, ...]] = ()) -> None:
        self.width = len(header)
        self.header = header
        self.index: dict[str, int] = {}
        self.required: set[int] = set()  # indexes of required columns: a row must reach them
        self._labels = {key: col.names[0] for key, col in spec.items()}
        for key, col in spec.items():
            found = _find(header, col.names)
            if found is not None:
                self.index[key], self._labels[key] = found, header[found]
                if col.required:
                    self.required.add(found)
        missing = [" or ".join(col.names) for key, col in spec.items() if col.required and key not in self.index]
        missing += [" or ".join(self._labels[k] for k in keys) for keys in one_of if not set(keys) & set(self.index)]
        if missing:
            seen = ", ".join(header[:20]) + (", ..." if len(header) > 20 else "")
            raise FileError(f"missing required columns: {'; '.join(missing)} (found: {seen})")

    def label(self, key: str | None) -> str | None:
        """The column's name as the file spells it."""
        return None if key is None else self._labels.get(key, key)


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    """Index of the first header matching the names, in order of preference."""
    keys = [normalise_name(h) for h in header]
    for name in names:
        wanted = normalise_name(name.rstrip("*"))
        for index, key in enumerate(keys):
            if key == wanted or (name.endswith("*") and key.startswith(wanted)):
                return index
    return None


class Row:
    """One data row: typed access to its cells, collecting errors as it goes."""

    def __init__(
        self, number: int, cells: list[str], columns: Columns, context: Context, cut_off: bool = False
    ) -> None:
        self.number, self.cells, self.columns, self.context = number, cells, columns, context
        self.errors: list[RowError] = []
        self.note = ""
        if cut_off:
            self.fail(
                None,
                "the file ends inside a quoted value, so this last row is incomplete "
                "(was the file cut off?); re-export the file",
            )
        else:
            self._check_shape()

    @property
    def ok(self) -> bool:
        """True while no error was found."""
        return not self.errors

    def skip(self, message: str) -> None:
        """Leave the row out without an error, with a note saying why."""
        self.note = message

    def fail(self, key: str | None, message: str) -> None:
        """Record a problem with the cell of column `key` (None: the whole row)."""
        self.errors.append(RowError(self.number, self.columns.label(key), message))

    def text(self, key: str) -> str:
        """The stripped cell, "" when blank or when the file lacks the column."""
        index = self.columns.index.get(key)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def value(self, key: str, required: bool = False) -> str | None:
        """The cell or None when blank; a blank required cell is an error."""
        cell = self.text(key)
        if not cell and required:
            self.fail(key, f"{self.columns.label(key)} is missing")
        return cell or None

    def convert(self, key: str, parse: Callable[[str], V], required: bool = False) -> V | None:
        """The cell read by `parse`; None when blank or unreadable (then an error)."""
        cell = self.value(key, required)
        if cell is None:
            return None
        try:
            return parse(cell)
        except (ValueError, ArithmeticError) as exc:
            self.fail(key, f"{self.columns.label(key)}: {exc}")
            return None

    def hours(self, key: str, required: bool = False) -> Decimal | None:
        """A duration in hours (h:mm, h:mm:ss or decimal)."""
        return self.convert(key, text.parse_hours, required)

    def flag(self, key: str) -> bool | None:
        """A yes/no cell."""
        return self.convert(key, text.parse_bool)

    def date(self, key: str, required: bool = False) -> date | None:
        """A date in the file's settled order."""
        return self.convert(key, lambda v: text.parse_date(v, self.context.day_first), required)

    def time(self, key: str, required: bool = False) -> time | None:
        """A clock time."""
        return self.convert(key, text.parse_time, required)

    def moment(self, key: str, required: bool = False) -> datetime | None:
        """A date-time cell as aware UTC (naive values are in the upload's zone)."""
        return self.convert(key, lambda v: text.parse_datetime(v, self.context.day_first, self.context.tz), required)

    def span(self, key: str, bare_unit: int = 1) -> timedelta | None:
        """A length of time such as 1:30:00 or "1 hrs, 30 mins"."""
        return self.convert(key, lambda v: text.parse_span(v, bare_unit=bare_unit))

    def _check_shape(self) -> None:
        """A row cut short before a required column, or with stray extra cells, is rejected as a whole.

        Trailing optional cells may be missing (some tools drop empty trailing
        cells); they read as blank.
        """
        count, width = len(self.cells), self.columns.width
        if count < width and any(index >= count for index in self.columns.required):
            missing = ", ".join(self.columns.header[count:])
            self.errors.append(
                RowError(
                    self.number,
                    self.columns.header[count],
                    f"row is cut short: it has {count} of {width} columns (missing {missing}); "
                    "check the delimiter and quotes",
                )
            )
        elif count > width:  # even empty extras: an unquoted delimiter shifts every later cell
            self.fail(
                None,
                f"row has {count} cells but the header has {width}; "
                "a value containing the delimiter probably lacks quotes",
            )


class TableRecords(Generic[T]):
    """A CSV export parsed lazily (see base.Records): one quick pass now, the records as iterated."""

    def __init__(
        self,
        source: BinaryIO,
        context: Context,
        spec: Mapping[str, Col],
        build: Callable[[Row], T | None],
        *,
        date_keys: Sequence[str] = (),
        one_of: Sequence[tuple[str, ...]] = (),
        notes: Callable[[], list[str]] = list,
    ) -> None:
        self.text = CsvText(source)
        self.header: list[str] = []
        self.repeats = 0
        self._build, self._notes = build, notes
        self.columns, self.context, self.total = self._scan(context, spec, date_keys, one_of)
        self.warnings = [f"skipped {self.repeats} repeated header row(s)"] if self.repeats else []
        self.warnings += [] if self.total else ["the file has a header but no data rows"]
        self.warnings += self.text.replacement_warning()

    def _scan(
        self, context: Context, spec: Mapping[str, Col], date_keys: Sequence[str], one_of: Sequence[tuple[str, ...]]
    ) -> tuple[Columns, Context, int]:
        """Check the header, then read every row once: the date order and the number of rows."""
        rows = self._rows()
        with closing(rows):  # a FileError mid-pass still ends the pass (and releases the stream) here
            first = next(rows, None)
            columns = Columns(self.header, spec, one_of)  # missing columns fail before the rest is read
            indexes = [columns.index[key] for key in date_keys if key in columns.index]
            total = 0
            counted = context.counted or _ignore
            counted(0)  # the pass has begun: a caller's progress can show it at once

            def dates() -> Iterator[str]:
                nonlocal total
                for _, cells, _ in chain([first] if first else [], rows):
                    total += 1
                    if not total % COUNT_STEP:
                        counted(total)
                    yield from (cells[i] for i in indexes if i < len(cells) and cells[i].strip())

            day_first = text.decide_day_first(dates(), context.day_first)
        return columns, Context(day_first, context.tz), total

    def _rows(self) -> Generator[tuple[int, list[str], bool]]:
        """Data rows (line, cells, cut off); reads the header into `self.header` first."""
        header: list[str] | None = None
        keys: list[str] = []
        self.repeats = 0
        for number, cells, cut_off in self.text.records():
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = self.header = [cell.strip().lstrip("\ufeff") for cell in cells]
                keys = [normalise_name(name) for name in header if name]
            elif _same_header(cells, keys):
                self.repeats += 1  # concatenated exports repeat the header line
            else:
                yield number, cells, cut_off
        if header is None:
            raise FileError("the file is empty")

    def __iter__(self) -> Iterator[Parsed[T]]:
        for number, cells, cut_off in self._rows():
            row = Row(number, cells, self.columns, self.context, cut_off)
            record = self._build(row) if row.ok else None
            yield Parsed(number, None if row.errors else record, tuple(row.errors), "" if row.errors else row.note)
        self.warnings += self._notes()
