"""Parsers of export files: bytes in, plain records and row errors out (no ORM).

Use `parse(kind, fmt, data, day_first=..., tz=...)`; see `FORMATS` for the
formats of each kind. `imports.mapping` turns the records into rows and
`imports.services.file_import` writes them through the owning apps' services.
"""

from imports.parsers.base import FORMATS, FileError, ParseResult, RowError, parse
from imports.parsers.records import OutageRecord, TicketRecord, TimeRecord

__all__ = [
    "FORMATS",
    "FileError",
    "OutageRecord",
    "ParseResult",
    "RowError",
    "TicketRecord",
    "TimeRecord",
    "parse",
]
