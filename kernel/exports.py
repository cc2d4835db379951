"""Safe exports: text a spreadsheet or a PDF renderer would read as something else is neutralised here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (OWASP "CSV injection"); a leading quote makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Return a cell a spreadsheet shows as written: formula-like text gets a leading quote, numbers stay numbers."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        Decimal(value)
    except InvalidOperation:
        return "'" + value
    return value  # "-12.50" is a number, not a formula


class SafeCsvWriter:
    """A csv.writer whose every cell goes through `csv_cell`."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, neutralising formula-like cells."""
        self._writer.writerow([csv_cell(value) for value in row])


def markup_text(value: Any) -> str:
    """Return text escaped for a markup renderer (reportlab's Paragraph): names never become tags."""
    return escape(str(value), {'"': "&quot;"})
