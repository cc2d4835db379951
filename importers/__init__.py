"""Parsing layer of the importers: export files in, plain records and row errors out.

Use `parse(kind, fmt, data, day_first=..., tz=...)`; see `FORMATS` for the
formats of each kind. No ORM here: the import services map the records.
"""

from importers.base import FORMATS, FileError, ParseResult, RowError, parse
from importers.records import OutageRecord, TicketRecord, TimeRecord

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
