"""Issue 12: the streaming source layer: opening uploads, sniffing encodings, quotes at EOF, bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from imports.parsers import FileError, parse
from imports.parsers.base import printable, stream
from imports.parsers.source import CsvText, ends_inside_quotes, opened, sniff


def test_a_file_with_bytes_cp1252_lacks_reads_as_latin1() -> None:
    assert sniff(io.BytesIO(b"a,b\nx\x81,y\n")) == "latin-1"


def test_utf16_and_utf8_bom_files_are_recognised() -> None:
    assert sniff(io.BytesIO("Datum\tDauer\n".encode("utf-16"))) == "utf-16"
    assert sniff(io.BytesIO(b"\xef\xbb\xbfa,b\n")) == "utf-8-sig"


@pytest.mark.parametrize(
    ("text", "open_quote"),
    [
        ('a,"b', True),
        ('a,"b""c', True),
        ('a,"b""c"', False),
        ('a,5" screen', False),
        ('"x"y,"z\nw', True),
        ('"x"\r\n', False),
        ("", False),
    ],
)
def test_ends_inside_quotes(text: str, open_quote: bool) -> None:
    assert ends_inside_quotes(text, ",") is open_quote


def test_printable_escapes_bidi_overrides_and_cuts_long_text() -> None:
    assert printable("a\u202eb") == "a\\u202eb"
    assert printable("x" * 1000) == "x" * 599 + "\u2026"
    assert printable("plain") == "plain"


# Streaming: sources, memory


def test_a_path_a_file_and_an_unseekable_stream_parse_like_bytes(tmp_path) -> None:
    data = b"contractor,date,hours\nAnn,2024-04-01,1\n"
    path = tmp_path / "t.csv"
    path.write_bytes(data)

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    results = [parse("timesheets", "generic", source) for source in (data, path, str(path), io.BytesIO(data), Pipe())]
    assert all(r.records == results[0].records and r.file_sha256 == results[0].file_sha256 for r in results)


def test_a_seekable_file_object_is_left_open() -> None:
    handle = io.BytesIO(b"contractor,date,hours\nAnn,2024-04-01,1\n")
    with opened(handle) as source:
        assert source is handle
    assert not handle.closed


def _generic(rows: int) -> Iterator[bytes]:
    yield b"external_id,contractor,date,hours,description\n"
    for i in range(rows):
        yield f"E-{i},Contractor {i % 50},2024-{1 + i % 12:02d}-{1 + i % 28:02d},1.5,Some work {i}\n".encode()


def _peak_parsing(rows: int) -> int:
    source = io.BytesIO(b"".join(_generic(rows)))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        count = sum(1 for item in stream("timesheets", "generic", source) if item.record)
        assert count == rows
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_parsing_memory_does_not_grow_with_the_file() -> None:
    small, large = _peak_parsing(5_000), _peak_parsing(40_000)
    assert large < small * 1.5 + 200_000, (small, large)  # 8x the rows, about the same peak
    assert large < 2_000_000


def test_the_stream_knows_the_number_of_rows_before_it_is_read() -> None:
    source = io.BytesIO(b"".join(_generic(7)) + b"\n\n")
    assert stream("timesheets", "generic", source).total == 7


def test_csv_text_restarts_from_the_streams_first_position() -> None:
    source = io.BytesIO(b"junk|a,b\n1,2\n")
    source.seek(5)
    text = CsvText(source)
    assert list(text.records()) == list(text.records()) == [(1, ["a", "b"], False), (2, ["1", "2"], False)]


def test_an_object_with_only_read_is_copied_first() -> None:
    class Reader:
        def __init__(self) -> None:
            self.inner = io.BytesIO(b"contractor,date,hours\nAnn,2024-04-01,1\n")

        def read(self, size: int = -1) -> bytes:
            return self.inner.read(size)

    assert len(parse("timesheets", "generic", Reader()).records) == 1


def test_a_file_of_blank_lines_is_empty() -> None:
    with pytest.raises(FileError, match="the file is empty"):
        parse("timesheets", "generic", b"\x0c\n\x0c\n")


def test_django_uploads_are_read_in_place() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("t.csv", b"contractor,date,hours\nAnn,2024-04-01,1\n")
    assert len(parse("timesheets", "generic", upload).records) == 1
    assert not upload.closed
