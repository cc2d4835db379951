"""From bytes to checked rows: CSV reading, column lookup and per-row errors.

Parsers describe their columns with `Col` and turn one `Row` into one record;
`parse_table` does the rest (decode, sniff, skip blank and repeated header
rows, settle the date order, collect row errors).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

from imports.parsers import text
from imports.parsers.base import Context, FileError, ParseResult, RowError

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Table:
    """A CSV file's header and data rows, each with its first line number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    warnings: list[str]

    def values(self, index: int | None) -> Iterator[str]:
        """Every non-blank cell of column `index`."""
        if index is None:
            return
        for _, cells in self.rows:
            if index < len(cells) and cells[index].strip():
                yield cells[index]


def read_table(data: bytes) -> Table:
    """Decode and split a CSV export; FileError if it is empty or not CSV."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FileError("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        raise FileError("this is a spreadsheet workbook (e.g. .xlsx), not CSV: save or export it as CSV")
    content = text.normalise_newlines(text.decode(data))
    delimiter, content, skipped = _delimiter(content)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    repeats = 0
    for number, cells in _records(content, delimiter, skipped):
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lstrip("\ufeff") for cell in cells]
        elif _same_header(cells, header):
            repeats += 1  # concatenated exports repeat the header line
        else:
            rows.append((number, cells))
    if header is None:
        raise FileError("the file is empty")
    notes = [f"skipped {repeats} repeated header row(s)"] if repeats else []
    return Table(header, rows, notes + ([] if rows else ["the file has a header but no data rows"]))


def _delimiter(content: str) -> tuple[str, str, int]:
    """The delimiter, the content without an Excel "sep=" line, and lines dropped."""
    first_line = content.lstrip("\n").split("\n", 1)[0]
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        blank = len(content) - len(content.lstrip("\n"))
        return first_line[4], content.lstrip("\n").split("\n", 1)[-1], blank + 1
    return text.sniff_delimiter(first_line), content, 0


def _records(content: str, delimiter: str, offset: int) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the file line on which each starts."""
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            yield previous + 1 + offset, cells
            previous = reader.line_num
    except csv.Error as exc:
        raise FileError(f"line {previous + 1 + offset}: the CSV cannot be read ({exc})") from None


def _same_header(cells: list[str], header: list[str]) -> bool:
    """True when a data row repeats the header."""
    return [normalise_name(c) for c in cells if c.strip()] == [normalise_name(h) for h in header if h]


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
        self._labels = {key: col.names[0] for key, col in spec.items()}
        for key, col in spec.items():
            found = _find(header, col.names)
            if found is not None:
                self.index[key], self._labels[key] = found, header[found]
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

    def __init__(self, number: int, cells: list[str], columns: Columns, context: Context) -> None:
        self.number, self.cells, self.columns, self.context = number, cells, columns, context
        self.errors: list[RowError] = []
        self._check_shape()

    @property
    def ok(self) -> bool:
        """True while no error was found."""
        return not self.errors

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
        """A row cut short or with stray extra cells is rejected as a whole."""
        count, width = len(self.cells), self.columns.width
        if count < width:
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


def parse_table(
    data: bytes,
    context: Context,
    spec: Mapping[str, Col],
    build: Callable[[Row], T | None],
    *,
    date_keys: Sequence[str] = (),
    one_of: Sequence[tuple[str, ...]] = (),
) -> ParseResult[T]:
    """Parse every row of `data` with `build`; rows with any error yield no record."""
    table = read_table(data)
    columns = Columns(table.header, spec, one_of)
    dates = (v for key in date_keys for v in table.values(columns.index.get(key)))
    context = Context(text.decide_day_first(dates, context.day_first), context.tz)
    records: list[T] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        row = Row(number, cells, columns, context)
        record = build(row) if row.ok else None
        if row.errors:
            errors.extend(row.errors)
        elif record is not None:
            records.append(record)
    return ParseResult(records, errors, hashlib.sha256(data).hexdigest(), list(table.warnings))
