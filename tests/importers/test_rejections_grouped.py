"""A thousand rows refused for one reason read as one line naming them, not a thousand lines (QA, issue 12)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.rejections import RANGES_SHOWN, grouped


def test_rows_refused_for_one_reason_are_one_group_with_their_lines_as_ranges() -> None:
    rows = [{"row": line, "field": "person", "message": "Ann is no contractor of X."} for line in (3, 4, 5, 9, 10)]
    rows.insert(2, {"row": 7, "field": "hours", "message": "Hours must be more than 0 and at most 24."})
    groups = grouped(rows)
    assert [(g.lines, g.count, g.field) for g in groups] == [("3-5, 9-10", 5, "person"), ("7", 1, "hours")]


def test_a_reason_over_many_scattered_lines_names_the_first_ranges_and_counts_the_rest() -> None:
    rows = [{"row": line, "field": None, "message": "m"} for line in range(2, 200, 2)]
    (group,) = grouped(rows)
    assert group.lines.startswith("2, 4, 6") and group.lines.endswith(f"and {99 - RANGES_SHOWN} more")


def test_a_problem_of_the_whole_file_stays_on_its_own_line_first() -> None:
    groups = grouped([{"row": 5, "field": None, "message": "a"}, {"row": None, "field": None, "message": "whole"}])
    assert [g.message for g in groups] == ["whole", "a"]


@pytest.mark.django_db
def test_the_command_prints_one_line_for_rows_refused_for_one_reason(import_world, tmp_path) -> None:
    path = tmp_path / "generic.csv"
    lines = ["external_id,contractor,date,hours,description"]
    lines += [f"G-{i},Nobody Known,2024-03-04,1.00,x" for i in range(50)]
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="all 50 row"):
        call_command(
            "import_file",
            "--kind",
            "timesheets",
            "--format",
            "generic",
            "--engagement",
            import_world.help_desk.name,
            str(path),
            stdout=out,
        )
    printed = [line for line in out.getvalue().splitlines() if line.startswith("  line ")]
    assert printed == [] and "  lines 2-51 (50 rows): " in out.getvalue()
