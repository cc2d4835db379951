"""From an upload to CSV records, a block at a time: open, refuse binaries, sniff the encoding, split.

Nothing here holds the whole file: the upload (bytes, a path or a binary file
object) is opened as a seekable binary stream, its first block decides the
encoding and refuses binary files, and `csv_records` yields one record at a
time with the line it starts on. A stream that cannot seek (a pipe, a socket)
is first copied to a temporary file, spilling to disk past a few megabytes.

Encoding (decided from the first block, then used for the whole file):
UTF-16 with a BOM; UTF-8 (BOM optional) when the block is valid UTF-8 or holds
valid multi-byte UTF-8 beside a stray byte; otherwise cp1252 (Excel's "CSV"
on Windows), or latin-1 when even cp1252 fails. A stray byte in a UTF-8 file
becomes U+FFFD and a warning names its line (the rest of the file keeps its
accents); a cp1252 file reads as cp1252 throughout.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import chain
from typing import Any, BinaryIO, cast

from imports.parsers.base import FileError
from imports.parsers.text import sniff_delimiter

BLOCK = 1 << 16  # bytes sniffed, and read per step when hashing or copying
SPOOL = 8 << 20  # an unseekable upload spills to disk past this size
REPLACED_LINES_SHOWN = 5

# First bytes of common binary files, and how to name them to the uploader.
_MAGIC = (
    (b"PK\x03\x04", "this is a spreadsheet workbook (e.g. .xlsx) or a zip archive, not CSV: save or export it as CSV"),
    (b"\xd0\xcf\x11\xe0", "this is an Excel 97-2003 workbook (.xls), not CSV: save or export it as CSV"),
    (b"\x89PNG", "this is a PNG image, not a CSV export"),
    (b"\xff\xd8\xff", "this is a JPEG image, not a CSV export"),
    (b"GIF8", "this is a GIF image, not a CSV export"),
    (b"%PDF", "this is a PDF document, not a CSV export"),
    (b"\x1f\x8b", "this is a gzip archive, not a CSV export: unpack it first"),
    (b"7z\xbc\xaf", "this is a 7-Zip archive, not a CSV export: unpack it first"),
    (b"\xfd7zXZ", "this is an xz archive, not a CSV export: unpack it first"),
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\x1a")  # tab, line ends, form feed, DOS end-of-file
_BINARY_SHARE = 0.01  # more control bytes than this share of the first block (and than 16): not text
_BINARY_LEAST = 16  # a few stray control bytes in a small text file are cells to reject, not a binary


@contextmanager
def opened(data: Any) -> Iterator[BinaryIO]:
    """`data` (bytes, a path, or a binary file object) as a seekable binary stream.

    A file object passed in is read from its current position and left open.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(data))
    elif isinstance(data, str | os.PathLike):
        with open(data, "rb") as handle:
            yield handle
    elif _seekable(data):
        yield data
    else:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as copy:
            while block := data.read(BLOCK):
                copy.write(block)
            copy.seek(0)
            yield cast(BinaryIO, copy)


def _seekable(data: Any) -> bool:
    try:
        return bool(data.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def digest(source: BinaryIO) -> str:
    """The SHA-256 of the whole stream, read a block at a time; the position is restored."""
    start, sha = source.tell(), hashlib.sha256()
    while block := source.read(BLOCK):
        sha.update(block)
    source.seek(start)
    return sha.hexdigest()


def sniff(source: BinaryIO) -> str:
    """The encoding to read the stream with; FileError for an empty or binary file."""
    start = source.tell()
    head = source.read(BLOCK)
    source.seek(start)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FileError("the file is empty")
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise FileError(message)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return "utf-16"
    controls = sum(byte < 32 and byte not in _TEXT_CONTROLS for byte in head)
    if b"\x00" in head or controls > max(_BINARY_SHARE * len(head), _BINARY_LEAST):
        raise FileError("this file holds binary data, not CSV text: export the data as CSV")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return _text_encoding(head)


def _text_encoding(head: bytes) -> str:
    """UTF-8 unless the block shows no valid multi-byte UTF-8 beside invalid bytes."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)  # a cut-off last char is fine
    if "\ufffd" not in text or any(char > "\x7f" and char != "\ufffd" for char in text):
        return "utf-8"
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"  # maps every byte
    return "cp1252"


class CsvText:
    """The CSV records of a stream, each with the line it starts on; re-readable from the start.

    After a pass, `replaced` lists the lines holding U+FFFD (bytes the encoding
    could not read) and `cut_off` says whether the last record ends inside
    quotes (a file truncated mid-value).
    """

    def __init__(self, source: BinaryIO) -> None:
        self.source, self.start = source, source.tell()
        self.encoding = sniff(source)
        self.replaced: list[int] = []
        self.replaced_count = 0
        self._record: list[str] = []

    def records(self) -> Iterator[tuple[int, list[str], bool]]:
        """(line, cells, cut_off) per record; blank lines included as empty records; cut_off only on the last."""
        self.source.seek(self.start)
        self.replaced, self.replaced_count = [], 0
        wrapper = io.TextIOWrapper(self.source, encoding=self.encoding, errors="replace", newline="")
        try:
            yield from self._split(wrapper)
        finally:
            with suppress(ValueError):  # already closed: the caller left the stream before the pass ended
                wrapper.detach()  # leave the caller's stream open

    def _split(self, wrapper: io.TextIOWrapper) -> Iterator[tuple[int, list[str], bool]]:
        lines = self._lines(wrapper)
        consumed = 0
        for first in lines:
            consumed += 1
            if first.strip().lstrip("\ufeff"):
                break
        else:
            return
        marker = first.strip().lstrip("\ufeff")
        if marker.lower().startswith("sep=") and len(marker) == 5:  # Excel's delimiter line
            delimiter, pending, offset = marker[4], [], consumed
        else:
            delimiter, pending, offset = sniff_delimiter(first), [first], consumed - 1
        self._record = list(pending)
        reader = csv.reader(chain(pending, lines), delimiter=delimiter)
        held: tuple[int, list[str], list[str]] | None = None
        previous = 0
        try:
            for cells in reader:
                if held is not None:
                    yield held[0], held[1], False
                held = (previous + 1 + offset, cells, self._record)
                self._record = []  # the lines of the next record (only the last one's are looked at)
                previous = reader.line_num
        except csv.Error as exc:
            raise FileError(f"line {previous + 1 + offset}: the CSV cannot be read ({exc})") from None
        if held is not None:
            yield held[0], held[1], ends_inside_quotes("".join(held[2]), delimiter)

    def _lines(self, wrapper: io.TextIOWrapper) -> Iterator[str]:
        """The text's lines, noting those with U+FFFD and keeping the current record's (for the cut-off check)."""
        for number, line in enumerate(wrapper, start=1):
            if "\ufffd" in line:
                self.replaced_count += 1
                if len(self.replaced) < REPLACED_LINES_SHOWN:
                    self.replaced.append(number)
            self._record.append(line)
            yield line

    def replacement_warning(self) -> list[str]:
        """A note naming the lines whose bytes were not valid in the file's encoding."""
        if not self.replaced_count:
            return []
        lines = ", ".join(str(n) for n in self.replaced)
        more = (
            f" and {self.replaced_count - len(self.replaced)} more" if self.replaced_count > len(self.replaced) else ""
        )
        encoding = self.encoding.upper().removesuffix("-SIG")
        note = (
            f"line(s) {lines}{more}: some bytes are not valid {encoding} and were read as \ufffd; "
            "check those values (the rest of the file is unaffected)"
        )
        return [note]


def ends_inside_quotes(text: str, delimiter: str) -> bool:
    """True when the record `text` ends inside a quoted value (its closing quote is missing)."""
    state = "start"
    for char in text:
        if state == "quoted":
            state = "closing" if char == '"' else "quoted"
        elif state == "closing" and char == '"':
            state = "quoted"  # a doubled quote inside a quoted value
        elif char == delimiter or char in "\r\n":
            state = "start"
        elif state == "start" and char == '"':
            state = "quoted"
        else:
            state = "plain"
    return state == "quoted"
