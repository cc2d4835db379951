"""Import services: sample exports into models, safe to run twice, with provenance and named rejections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engagements.models import AuditLog, TimeEntry
from imports.models import ImportedRow, ImportFile
from imports.selectors import provenance_of
from imports.services import FileError, file_import
from sla.models import Outage, Ticket
from tests.importers.import_world import MALFORMED_FILES, SAMPLE_FILES, Sample, add_generic_engagements, engagement_for

pytestmark = pytest.mark.django_db

MODELS = {"timesheets": TimeEntry, "tickets": Ticket, "outages": Outage}


def run(world, sample: Sample, **overrides: object):
    options = {**sample.options, **overrides}
    return file_import(
        kind=sample.kind,
        fmt=sample.fmt,
        data=sample.data(),
        name=sample.name,
        engagement=engagement_for(world, sample.kind),
        **options,
    )


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=str)
def test_every_sample_file_imports_through_the_service_into_models(import_world, sample) -> None:
    report = run(import_world, sample)
    assert report.written, report.rejected_rows
    assert (report.created, report.rejected) == (sample.created, sample.rejected), report.rejected_rows
    assert MODELS[sample.kind].objects.filter(source=sample.fmt).count() == sample.created


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=str)
def test_re_importing_a_sample_changes_nothing(import_world, sample) -> None:
    run(import_world, sample)
    audit_rows, files = AuditLog.objects.count(), list(ImportFile.objects.values())
    again = run(import_world, sample)
    assert (again.created, again.updated, again.unchanged) == (0, 0, sample.created)
    assert AuditLog.objects.count() == audit_rows
    assert list(ImportFile.objects.values()) == files
    assert any("imported before" in note for note in again.warnings)


@pytest.mark.parametrize("sample", SAMPLE_FILES[:1] + SAMPLE_FILES[11:12] + SAMPLE_FILES[14:15], ids=str)
def test_a_dry_run_reports_the_counts_and_writes_nothing(import_world, sample) -> None:
    audit_rows = AuditLog.objects.count()
    report = run(import_world, sample, dry_run=True)
    assert report.created == sample.created and report.dry_run and not report.written
    assert not MODELS[sample.kind].objects.filter(source=sample.fmt).exists()
    assert AuditLog.objects.count() == audit_rows and not ImportFile.objects.exists()


@pytest.mark.parametrize("sample", MALFORMED_FILES, ids=str)
def test_a_malformed_variant_yields_row_errors_and_imports_nothing(import_world, sample) -> None:
    if sample.fmt == "generic":
        add_generic_engagements(import_world)
    report = run(import_world, sample)
    assert report.rejected == sample.rejected
    assert all(row["row"] and row["message"] for row in report.rejected_rows)
    assert (report.written, report.created) == (False, 0)
    assert not MODELS[sample.kind].objects.filter(source=sample.fmt).exists()


@pytest.mark.parametrize("sample", MALFORMED_FILES, ids=str)
def test_a_malformed_variant_imports_its_good_row_when_partial_imports_are_allowed(import_world, sample) -> None:
    if sample.fmt == "generic":
        add_generic_engagements(import_world)
    report = run(import_world, sample, allow_partial=True)
    assert report.written and report.created == sample.created and report.rejected == sample.rejected
    assert MODELS[sample.kind].objects.filter(source=sample.fmt).count() == sample.created


def test_each_imported_row_keeps_its_file_and_line(import_world) -> None:
    sample = SAMPLE_FILES[1]  # harvest_semicolon_crlf.csv: a repeated header on line 4
    report = run(import_world, sample)
    ben = TimeEntry.objects.get(contractor__name="Ben Okafor")
    origin = provenance_of(ben)
    assert origin is not None and origin.row == 5 and origin.file_id == report.file_id
    assert origin.file.name == sample.name and origin.file.sha256 == report.sha256
    assert ImportedRow.objects.filter(file_id=report.file_id).count() == 3


def test_a_changed_re_export_updates_the_rows_and_moves_their_provenance(import_world) -> None:
    header = b"external_id,service,started_at,ended_at,planned,reason\n"
    first = header + b"OUT-9,Email,2024-04-20T10:00:00Z,,no,Down\n"
    later = header + b"OUT-9,Email,2024-04-20T10:00:00Z,2024-04-20T10:45:00Z,no,Down\n"
    file_import(kind="outages", fmt="generic", data=first, name="a.csv", engagement=import_world.managed_it)
    report = file_import(kind="outages", fmt="generic", data=later, name="b.csv", engagement=import_world.managed_it)
    assert (report.created, report.updated) == (0, 1)
    outage = Outage.objects.get(external_id="OUT-9")
    assert outage.ended_at == dt.datetime(2024, 4, 20, 10, 45, tzinfo=dt.UTC)
    assert provenance_of(outage).file.name == "b.csv"


def test_people_and_projects_that_match_nothing_are_listed(import_world) -> None:
    data = (
        b"Date,Client,Project,Task,Notes,Hours,First Name,Last Name\n"
        b"2024-03-04,Acme,Help desk,,,1.5,Zoe,Nobody\n"
        b"2024-03-04,Acme,Help desk,,,2,Anna,Schmidt\n"
    )
    report = file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk)
    assert report.unmatched == {"people": ["Zoe Nobody (Help desk (Acme))"]}
    assert report.rejected_rows == [
        {
            "row": 2,
            "field": "person",
            "message": "'Zoe Nobody' is no contractor of Help desk (Acme) (by name or email).",
        }
    ]
    assert not report.written and not TimeEntry.objects.exists()


def test_a_tracker_project_matching_no_engagement_needs_an_engagement_for_the_upload(import_world) -> None:
    data = b"Date,Project,Hours,First Name,Last Name\n2024-03-04,Secret project,1.5,Anna,Schmidt\n"
    report = file_import(kind="timesheets", fmt="harvest", data=data)
    assert report.unmatched == {"projects": ["Secret project"]}
    assert report.rejected_rows[0]["field"] == "project"


def test_a_project_named_like_an_engagement_goes_to_that_engagement(import_world) -> None:
    data = b"Date,Project,Hours,First Name,Last Name\n2024-03-04,help desk (ACME),1.5,Anna,Schmidt\n"
    report = file_import(kind="timesheets", fmt="harvest", data=data)
    assert report.created == 1
    assert TimeEntry.objects.get().hours == Decimal("1.50")


def test_a_person_is_matched_by_email_when_the_name_differs(import_world) -> None:
    report = run(import_world, SAMPLE_FILES[9])  # kimai_en.csv: the second row names only the user "jweber"
    assert report.created == 2
    assert set(TimeEntry.objects.values_list("contractor__name", flat=True)) == {"Jonas Weber"}


def test_a_monitor_without_a_service_is_listed_and_rejected(import_world) -> None:
    data = b"external_id,service,started_at\nX-1,Printer,2024-04-20T10:00:00Z\n"
    report = file_import(kind="outages", fmt="generic", data=data, engagement=import_world.managed_it)
    assert report.unmatched == {"monitors": ["Printer"]}
    assert report.rejected_rows[0]["field"] == "monitor"


def test_a_row_a_model_rule_refuses_is_rejected_with_the_rule_message(import_world) -> None:
    data = b"external_id,contractor,date,hours\nT-1,Anna Schmidt,2023-12-31,8\nT-2,Anna Schmidt,2024-02-01,8\n"
    report = file_import(kind="timesheets", fmt="generic", data=data, engagement=import_world.help_desk)
    assert report.rejected_rows == [
        {
            "row": 2,
            "field": "date",
            "message": "The date must be within the engagement's dates (2024-01-01 to open-ended).",
        }
    ]
    assert not TimeEntry.objects.exists()


def test_an_unknown_format_or_an_undecidable_date_order_is_a_file_error(import_world) -> None:
    with pytest.raises(FileError, match="unknown timesheets format"):
        file_import(kind="timesheets", fmt="excel", data=b"x")
    undecidable = (SAMPLE_FILES[7].data(), "clockify")
    with pytest.raises(FileError):
        file_import(kind="timesheets", fmt=undecidable[1], data=undecidable[0], engagement=import_world.help_desk)


def test_imports_are_attributed_to_the_uploader(import_world, operations_user) -> None:
    report = run(import_world, SAMPLE_FILES[0], user=operations_user)
    assert ImportFile.objects.get(pk=report.file_id).uploaded_by == operations_user
    actors = set(AuditLog.objects.filter(content_type__model="timeentry").values_list("actor_id", "actor_label"))
    assert actors == {(operations_user.pk, f"import harvest:{SAMPLE_FILES[0].name}")}
