"""Issue 12: file_import streams in chunks inside one transaction; the decisions on moves, ticket dates and old ids."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from engagements.models import Contractor, TimeEntry
from engagements.services.engagements import engagement_create
from imports import services
from imports.models import ImportFile
from imports.services import file_import
from sla.models import Ticket
from tests.importers.import_world import SAMPLES, build_second_desk

pytestmark = pytest.mark.django_db

HEADER = "external_id,contractor,date,hours,description\n"


def generic(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def five_days(**changes: str) -> bytes:
    rows = {f"E-{d}": f"E-{d},Priya Nair,2024-04-0{d},2,day {d}" for d in range(1, 6)}
    rows.update(changes)
    return generic(*rows.values())


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)


def run(world: Any, data: Any, **options: Any) -> services.ImportReport:
    return file_import(kind="timesheets", fmt="generic", data=data, engagement=world.help_desk, **options)


def test_progress_is_reported_from_the_first_row_chunk_by_chunk(import_world, small_chunks) -> None:
    calls: list[tuple[str, int]] = []
    report = run(
        import_world,
        five_days(),
        total=lambda rows: calls.append(("total", rows)),
        progress=lambda rows: calls.append(("read", rows)),
    )
    assert report.written and report.created == 5
    assert calls == [("total", 5), ("read", 0), ("read", 2), ("read", 4), ("read", 5)]


def test_a_bad_row_in_the_last_chunk_keeps_the_whole_file_out(import_world, small_chunks) -> None:
    report = run(import_world, five_days(**{"E-5": "E-5,Priya Nair,2024-04-05,x,bad"}))
    assert report.refused and not report.written and report.rejected == 1
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert not TimeEntry.objects.exists() and not ImportFile.objects.exists()


def test_the_same_file_with_allow_partial_keeps_the_good_chunks(import_world, small_chunks) -> None:
    report = run(import_world, five_days(**{"E-5": "E-5,Priya Nair,2024-04-05,x,bad"}), allow_partial=True)
    assert report.written and not report.refused and (report.created, report.rejected) == (4, 1)
    assert TimeEntry.objects.count() == 4


def test_an_external_id_repeated_in_a_later_chunk_is_rejected(import_world, small_chunks) -> None:
    report = run(import_world, five_days(**{"E-5": "E-1,Priya Nair,2024-04-05,1,again"}))
    assert report.rejected_rows == [
        {"row": 6, "field": "external_id", "message": "An earlier line of the file has this external id."}
    ]
    assert not TimeEntry.objects.exists()


def test_a_day_over_24_hours_across_chunks_is_rejected(import_world, small_chunks) -> None:
    report = run(
        import_world,
        generic("A,Priya Nair,2024-04-01,13,a", "B,Priya Nair,2024-04-02,1,b", "C,Priya Nair,2024-04-01,13,c"),
    )
    assert report.refused and [r["row"] for r in report.rejected_rows] == [4]
    assert "26" in report.rejected_rows[0]["message"]


def test_cancelling_stops_between_chunks_and_writes_nothing(import_world, small_chunks) -> None:
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 1

    with pytest.raises(services.ImportCancelled) as raised:
        run(import_world, five_days(), cancelled=cancelled)
    assert raised.value.report.read == 2 and "nothing was written" in str(raised.value)
    assert not TimeEntry.objects.exists() and not ImportFile.objects.exists()


def test_a_path_and_a_file_object_import_like_bytes(import_world, tmp_path) -> None:
    path = tmp_path / "entries.csv"
    path.write_bytes(five_days())
    first = run(import_world, path)
    again = run(import_world, io.BytesIO(five_days()))
    assert (first.created, again.unchanged, first.sha256) == (5, 5, again.sha256)


def test_a_re_run_of_an_imported_file_changes_nothing_and_keeps_its_record(import_world) -> None:
    run(import_world, five_days())
    report = run(import_world, five_days())
    assert (report.created, report.unchanged, report.written) == (0, 5, True)
    assert ImportFile.objects.get().created == 5  # the first run's figures stay


def test_every_row_rejected_with_allow_partial_records_no_empty_import(import_world) -> None:
    report = run(import_world, generic("A,Nobody,2024-04-01,1,a", "B,Priya Nair,2024-04-01,x,b"), allow_partial=True)
    assert report.refused and not report.written and report.rejected == 2
    assert "every row was rejected: nothing to import" in report.warnings
    assert not ImportFile.objects.exists()


def test_only_the_first_problems_are_listed_but_all_are_counted(import_world, monkeypatch) -> None:
    monkeypatch.setattr(services, "REJECTED_SHOWN", 2)
    report = run(import_world, generic(*(f"E-{d},Priya Nair,2024-04-0{d},x,bad" for d in range(1, 6))))
    assert report.rejected == 5 and [r["row"] for r in report.rejected_rows] == [2, 3]
    assert "only the first 2 problems are listed; 5 rows were rejected" in report.warnings


def test_skipped_rows_are_counted_and_named_up_to_a_limit(import_world, monkeypatch) -> None:
    monkeypatch.setattr(services, "NOTES_SHOWN", 1)
    rows = "".join(f"Priya Nair,Help desk,2024-04-0{d},0:00\n" for d in range(1, 4))
    data = ("Name,Project,Date,Duration\n" + rows).encode()
    report = file_import(kind="timesheets", fmt="kimai", data=data, engagement=import_world.help_desk)
    assert (report.skipped, report.rejected, report.created) == (3, 0, 0)
    assert "line 2: skipped a zero-length entry (Duration is 0)" in report.warnings
    assert "... and 2 more skipped row(s)" in report.warnings


def test_names_echoed_from_the_file_carry_no_control_bytes(import_world) -> None:
    report = run(import_world, generic("A,Ann\x1b[31m,2024-04-01,1,a"))
    assert report.unmatched == {"people": ["Ann\\x1b[31m (Help desk (Acme))"]}
    assert "\x1b" not in report.rejected_rows[0]["message"]


# Decision: re-importing under another engagement is refused unless moving is asked for


@pytest.fixture
def second_desk(import_world):
    return build_second_desk(import_world)


def test_re_importing_under_another_engagement_is_refused_naming_the_first(import_world, second_desk) -> None:
    data = (SAMPLES / "harvest_semicolon_crlf.csv").read_bytes()
    file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk)
    report = file_import(kind="timesheets", fmt="harvest", data=data, engagement=second_desk)
    assert report.refused and report.rejected == 3
    assert report.rejected_rows[0]["message"] == (
        "This entry was imported before under Help desk (Acme); importing it under Help desk (Initech) would move "
        "it: import it under that engagement, or allow moving it."
    )
    assert set(TimeEntry.objects.values_list("contractor__engagement", flat=True)) == {import_world.help_desk.pk}


def test_re_importing_under_another_engagement_moves_the_entries_when_asked(import_world, second_desk) -> None:
    data = (SAMPLES / "harvest_semicolon_crlf.csv").read_bytes()
    file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk)
    report = file_import(kind="timesheets", fmt="harvest", data=data, engagement=second_desk, move=True)
    assert report.written and report.updated == 3
    assert set(TimeEntry.objects.values_list("contractor__engagement", flat=True)) == {second_desk.pk}


def test_re_importing_tickets_under_another_engagement_is_refused(import_world) -> None:
    data = (SAMPLES / "zendesk.csv").read_bytes()
    file_import(kind="tickets", fmt="zendesk", data=data, engagement=import_world.managed_it)
    other = engagement_create(
        name="Managed IT (Umbrella)",
        vendor=import_world.help_desk.vendor,
        model="managed",
        service_area=import_world.help_desk.service_area,
        start_date=dt.date(2024, 1, 1),
    )
    report = file_import(kind="tickets", fmt="zendesk", data=data, engagement=other)
    assert report.refused and "imported before under Managed IT (Globex)" in report.rejected_rows[0]["message"]
    assert file_import(kind="tickets", fmt="zendesk", data=data, engagement=other, move=True).updated == 2


# Decision: a ticket opened before its engagement began is refused, like a time entry


def test_a_ticket_opened_before_its_engagement_began_is_refused(import_world) -> None:
    data = (
        b"external_id,priority,category,opened_at\n"
        b"T-1,P2,incident,2023-12-31T10:00:00Z\nT-2,P2,incident,2024-01-02T10:00:00Z\n"
    )
    report = file_import(kind="tickets", fmt="generic", data=data, engagement=import_world.managed_it)
    assert report.rejected_rows == [
        {
            "row": 2,
            "field": "opened_at",
            "message": "The ticket was opened before Managed IT (Globex) began (2024-01-01 00:00 UTC): it was opened at 2023-12-31 10:00 UTC.",
        }
    ]
    assert not Ticket.objects.exists()


# Decision: ids from identifying columns; entries stored under the earlier id keep it


def test_an_entry_stored_under_its_earlier_id_is_kept_not_doubled(import_world) -> None:
    header = "Project,Description,User,Email,Start Date,Start Time,End Date,End Time,Duration (h)\n"
    data = (header + "P,Work,Peter Tester,p@x.test,2024-03-04,10:00,2024-03-04,11:00,01:00:00\n").encode()
    peter = Contractor.objects.get(name="Peter Tester")
    legacy = _legacy_id(data)
    TimeEntry.objects.create(
        contractor=peter, date=dt.date(2024, 3, 4), hours=1, description="Work", source="clockify", external_id=legacy
    )
    report = file_import(kind="timesheets", fmt="clockify", data=data, engagement=import_world.help_desk)
    assert (report.created, report.unchanged) == (0, 1)
    assert list(TimeEntry.objects.values_list("external_id", flat=True)) == [legacy]


def _legacy_id(data: bytes) -> str:
    from imports.parsers import parse

    legacy = parse("timesheets", "clockify", data).records[0].legacy_id
    assert legacy is not None
    return legacy


# The command: messages and exit codes


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_file", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Any, data: bytes, name: str = "file.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_rejected_cell_names_its_column_once(import_world, tmp_path) -> None:
    header = "Project,User,Start Date,Start Time,End Date,End Time,Duration (h)\n"
    path = write(tmp_path, (header + "P,Peter Tester,2024-13-45,10:00,,,01:00:00\n").encode())
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_file", path, "--kind", "timesheets", "--format", "clockify", stdout=out, stderr=StringIO())
    assert "  line 2: Start Date: '2024-13-45' is not a valid date" in out.getvalue()
    assert "Start Date: Start Date" not in out.getvalue()


def test_a_dry_run_of_a_refused_file_fails_like_the_real_run(import_world, tmp_path) -> None:
    path = write(tmp_path, five_days(**{"E-5": "E-5,Priya Nair,2024-04-05,x,bad"}))
    args = (path, "--kind", "timesheets", "--format", "generic", "--engagement", "Help desk (Acme)")
    out = StringIO()
    with pytest.raises(CommandError, match=r"^Dry run: a real run would refuse this file: 1 row\(s\) rejected"):
        call_command("import_file", *args, "--dry-run", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("Dry run: would refuse timesheets (generic)")
    with pytest.raises(CommandError, match=r"^1 row\(s\) rejected: nothing imported"):
        command(*args)


def test_allow_partial_with_every_row_rejected_fails_and_records_nothing(import_world, tmp_path) -> None:
    path = write(tmp_path, generic("A,Nobody,2024-04-01,1,a"))
    with pytest.raises(CommandError, match=r"all 1 row\(s\) rejected: nothing imported"):
        command(
            path, "--kind", "timesheets", "--format", "generic", "--engagement", "Help desk (Acme)", "--allow-partial"
        )
    assert not ImportFile.objects.exists()


def test_the_command_moves_entries_only_with_move(import_world, second_desk) -> None:
    args = (str(SAMPLES / "harvest_semicolon_crlf.csv"), "--kind", "timesheets", "--format", "harvest")
    command(*args, "--engagement", "Help desk (Acme)")
    with pytest.raises(CommandError):
        command(*args, "--engagement", "Help desk (Initech)")
    out, _ = command(*args, "--engagement", "Help desk (Initech)", "--move")
    assert "updated 3" in out


def test_the_command_notes_skipped_rows(import_world, tmp_path) -> None:
    path = write(tmp_path, b"Name,Project,Date,Duration\nPriya Nair,Desk,2024-04-01,0\nPriya Nair,Desk,2024-04-02,1\n")
    out, _ = command(path, "--kind", "timesheets", "--format", "kimai", "--engagement", "Help desk (Acme)")
    assert "created 1" in out and "skipped 1 row(s) (see the notes)" in out
    assert "  rates: Priya Nair (Help desk (Acme)) has no bill rate in effect on Tue 02 Apr 2024" in out
    assert "note: line 2: skipped a zero-length entry (Duration is 0)" in out


def test_a_binary_file_is_refused_by_the_command_without_echoing_it(import_world, tmp_path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x1b[2J")
    with pytest.raises(CommandError, match="^this is a PNG image, not a CSV export$"):
        command(path, "--kind", "timesheets", "--format", "generic")


def test_each_chunk_costs_the_same_number_of_queries(import_world, small_chunks) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(rows: int, first: int) -> int:
        data = generic(*(f"Q-{first + i},Priya Nair,2024-05-{1 + i:02d},1,q" for i in range(rows)))
        with CaptureQueriesContext(connection) as captured:
            assert run(import_world, data).created == rows
        return len(captured)

    queries(2, 900)  # warm the content-type cache the provenance marks use
    two, four, six = queries(4, 0), queries(8, 100), queries(12, 200)
    assert four - two == six - four  # two more chunks cost the same, whatever came before
    assert (four - two) // 2 <= 30, four - two


def test_hours_on_days_without_a_bill_rate_are_named_across_chunks(import_world, small_chunks) -> None:
    report = run(import_world, five_days(**{"E-6": "E-6,Priya Nair,2024-04-06,2,day 6"}), dry_run=True)
    expected = (
        "Priya Nair (Help desk (Acme)) has no bill rate in effect on Mon 01 Apr 2024, Tue 02 Apr 2024, "
        "Wed 03 Apr 2024, Thu 04 Apr 2024, Fri 05 Apr 2024 and 1 more day(s): the hours are saved but not costed "
        "until a contractor rate covering these days is recorded."
    )
    assert report.rate_warnings == [expected]
    assert file_import(kind="tickets", fmt="zendesk", data=(SAMPLES / "zendesk.csv").read_bytes()).rate_warnings == []
