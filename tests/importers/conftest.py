"""Fixtures for the importer tests: sample files and a shortcut to parse them."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imports.parsers import ParseResult, parse

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def sample() -> Callable[[str], bytes]:
    """Loads a sample file's bytes by name."""
    return lambda name: (SAMPLES / name).read_bytes()


@pytest.fixture
def parse_sample(sample: Callable[[str], bytes]) -> Callable[..., ParseResult[Any]]:
    """Parses a sample file: parse_sample(kind, fmt, name, **options)."""
    return lambda kind, fmt, name, **options: parse(kind, fmt, sample(name), **options)
