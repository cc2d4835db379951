"""Whatever the bytes, a parse ends in a ParseResult or a FileError, never a crash."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.parsers import FORMATS, FileError, ParseResult, parse

SAMPLES = Path(__file__).parent / "samples"
ALL_FORMATS = [(kind, fmt) for kind, formats in FORMATS.items() for fmt in formats]
SEEDS = sorted(SAMPLES.glob("*.csv"))
NASTY = [b",", b";", b"\t", b'"', b"\n", b"\r", b"\x00", b"\xff", b"\xef\xbb\xbf", b":", b"/", b".", b"-", b" PM"]


@st.composite
def mangled_samples(draw: st.DrawFn) -> bytes:
    """A sample file with some bytes cut, swapped for delimiters and quotes, or inserted."""
    data = bytearray(SEEDS[draw(st.integers(0, len(SEEDS) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 6))
        data[at : at + cut] = draw(st.sampled_from(NASTY) | st.binary(max_size=4))
    return bytes(data)


@pytest.mark.parametrize(("kind", "fmt"), ALL_FORMATS)
@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mangled_samples(), day_first=st.sampled_from([None, True, False]))
def test_mangled_files_give_a_result_or_a_file_error(kind: str, fmt: str, data: bytes, day_first: bool | None) -> None:
    try:
        result = parse(kind, fmt, data, day_first=day_first, tz="Europe/Berlin")
    except FileError as error:
        assert str(error)
        return
    assert isinstance(result, ParseResult)
    assert all(error.row >= 2 and error.message for error in result.errors)
    assert all(record.row >= 2 for record in result.records)
