"""Exports neutralise what a spreadsheet or a PDF renderer would read as something else."""

import io

import pytest

from kernel.exports import SafeCsvWriter, csv_cell, markup_text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_like_name_is_written_as_text(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "+3", "Help desk", "", 12, None])
def test_numbers_and_plain_text_are_written_as_they_are(value: object) -> None:
    assert csv_cell(value) == value


def test_the_safe_writer_quotes_every_formula_cell_of_a_row() -> None:
    out = io.StringIO()
    SafeCsvWriter(out).writerow(["=1+1", "-4.00", "ok"])
    assert out.getvalue().strip() == "'=1+1,-4.00,ok"


def test_markup_text_turns_tags_into_plain_text() -> None:
    assert markup_text('<img src="http://host/x"/>') == "&lt;img src=&quot;http://host/x&quot;/&gt;"
    assert markup_text("<b>unclosed & co") == "&lt;b&gt;unclosed &amp; co"
