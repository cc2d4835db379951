"""bench.api_ingest reads its first and last 10% where the rows are, not where the batches fall."""

from __future__ import annotations

import pytest

from bench._rates import window_rates


def test_a_path_that_slows_down_shows_a_slower_last_tenth() -> None:
    # 1,000 rows in batches of 100: each batch takes longer than the one before.
    marks, seconds = [(0, 0.0)], 0.0
    for batch in range(10):
        seconds += 1.0 + batch
        marks.append(((batch + 1) * 100, seconds))
    first, last = window_rates(marks, 1000)
    assert (first, last) == (pytest.approx(100.0), pytest.approx(10.0))


def test_a_flat_path_reads_the_same_at_both_ends_even_with_uneven_marks() -> None:
    marks = [(0, 0.0), (150, 1.5), (500, 5.0), (880, 8.8), (1000, 10.0)]
    first, last = window_rates(marks, 1000)
    assert first == pytest.approx(100.0) and last == pytest.approx(100.0)
