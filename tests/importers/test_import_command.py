"""`manage.py import_file`: the same import from the command line, with a progress bar on stderr."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from engagements.models import TimeEntry
from imports.models import ImportFile
from sla.models import Ticket
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db


def import_file(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_file", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_file_and_draws_a_progress_bar(import_world) -> None:
    out, err = import_file(
        str(SAMPLES / "harvest_semicolon_crlf.csv"),
        "--kind",
        "timesheets",
        "--format",
        "harvest",
        "--engagement",
        "Help desk (Acme)",
    )
    assert "Imported timesheets (harvest): read 3, created 3, updated 0, unchanged 0, rejected 0." in out
    assert "[##############################] 3/3 rows" in err
    assert TimeEntry.objects.count() == 3 and ImportFile.objects.count() == 1


def test_running_the_command_twice_changes_nothing(import_world) -> None:
    args = (str(SAMPLES / "jira.csv"), "--kind", "tickets", "--format", "jira", "--tz", "Europe/London")
    import_file(*args)
    out, _ = import_file(*args)
    assert "created 0, updated 0, unchanged 4" in out
    assert Ticket.objects.count() == 4


def test_a_dry_run_writes_nothing(import_world) -> None:
    out, _ = import_file(
        str(SAMPLES / "kimai_de.csv"),
        "--kind",
        "timesheets",
        "--format",
        "kimai",
        "--dry-run",
        "--engagement",
        str(import_world.help_desk.pk),
    )
    assert out.startswith("Dry run: would import timesheets (kimai): read 2, created 2")
    assert not TimeEntry.objects.exists()


def test_the_date_order_can_be_given(import_world) -> None:
    path = str(SAMPLES / "clockify_undecidable.csv")
    with pytest.raises(CommandError, match=r"pass --day-first \(DD/MM\) or --month-first \(MM/DD\)\.$"):
        import_file(path, "--kind", "timesheets", "--format", "clockify", "--engagement", "Help desk (Acme)")
    import_file(path, "--kind", "timesheets", "--format", "clockify", "--engagement", "Help desk (Acme)", "--day-first")
    assert sorted(str(d) for d in TimeEntry.objects.values_list("date", flat=True)) == ["2024-05-03", "2024-05-04"]


def test_rejected_rows_are_listed_and_fail_the_command(import_world) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="3 row\\(s\\) rejected"):
        call_command(
            "import_file",
            str(SAMPLES / "toggl_malformed.csv"),
            "--kind",
            "timesheets",
            "--format",
            "toggl",
            "--engagement",
            "Help desk (Acme)",
            stdout=out,
            stderr=StringIO(),
        )
    assert "line 3: Start time:" in out.getvalue()
    assert not TimeEntry.objects.exists()


def test_the_engagement_option_matches_a_name_whatever_its_case_and_spacing(import_world) -> None:
    args = ("--kind", "timesheets", "--format", "harvest", "--dry-run", "--engagement", "help  DESK (acme)")
    out, _ = import_file(str(SAMPLES / "harvest_semicolon_crlf.csv"), *args)
    assert out.startswith("Dry run: would import timesheets (harvest): read 3, created 3")


def test_an_engagement_option_naming_none_is_refused(import_world) -> None:
    with pytest.raises(CommandError, match="No engagement 'Help desk'"):
        import_file(
            str(SAMPLES / "harvest_semicolon_crlf.csv"),
            "--kind",
            "timesheets",
            "--format",
            "harvest",
            "--engagement",
            "Help desk",
        )
