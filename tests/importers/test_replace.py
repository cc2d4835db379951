"""`replace`: a corrected tracker export is the whole truth for its days, on every import path.

Harvest, Toggl and Clockify exports carry no entry id: a row's id is a hash of
its values, so a corrected row (4.00 h -> 5.00 h) arrives as a new entry. Without
replace the old one stays and the day is counted twice (the old behaviour, kept);
with replace the entries an earlier import of the same format stored on the
file's days of its engagements, and the file no longer has, are removed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from itertools import pairwise

import pytest
import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.services import period_close
from engagements import selectors
from engagements.models import AuditLog, ChangedMonth, Contractor, Engagement, TimeEntry
from engagements.services.entries import time_entry_create
from imports import jobs
from imports.admin import job_result
from imports.models import ImportFile, ImportJob
from imports.services import REMOVALS_SHOWN, REPLACE_KIND_MESSAGE, ImportCancelled, file_import
from kernel.months import today
from tests.importers.import_world import SAMPLES, ImportWorld, build_second_desk
from tests.importers.test_file_import_scale import entries, generic, run

pytestmark = pytest.mark.django_db

API = "/api/v1/imports/"
UPLOAD = "/admin/imports/importfile/upload/"
HEADER = (
    "Date,Client,Project,Project Code,Task,Notes,Hours,Billable?,Invoiced?,Approved?,First Name,Last Name,Roles,"
    "Employee?,Billable Rate,Billable Amount,Cost Rate,Cost Amount,Currency,External Reference URL\n"
)
# April as first exported: Anna's 4 h on the 14th is later corrected to 5 h.
APRIL = [("2024-04-14", "4", "Anna Schmidt", "Tickets"), ("2024-04-15", "6", "Ben Okafor", "On call")]
CORRECTED = [("2024-04-14", "5", "Anna Schmidt", "Tickets"), ("2024-04-15", "6", "Ben Okafor", "On call")]


def harvest(rows: list[tuple[str, str, str, str]], project: str = "Help desk") -> bytes:
    """A Harvest export (comma-separated) of (date, hours, person, notes) rows."""
    lines = [
        f"{day},Acme GmbH,{project},HD,Support,{notes},{hours},Yes,No,No,{person.split()[0]},{person.split()[1]},,Yes,"
        "95,0,0,0,Euro - EUR,\n"
        for day, hours, person, notes in rows
    ]
    return (HEADER + "".join(lines)).encode()


def load(data: bytes, engagement: Engagement, **options: object):
    return file_import(kind="timesheets", fmt="harvest", data=data, name="april.csv", engagement=engagement, **options)


def hours_of(person: str, day: str) -> Decimal:
    total = TimeEntry.objects.filter(contractor__name=person, date=day).aggregate(total=Sum("hours"))["total"]
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


@pytest.fixture
def desk(import_world) -> Engagement:
    """Help desk (Acme) with April's first export imported."""
    assert load(harvest(APRIL), import_world.help_desk).created == 2
    return import_world.help_desk


# --- The service -----------------------------------------------------------------------------------------------------


def test_without_replace_a_corrected_row_is_added_beside_the_old_one_as_before(desk) -> None:
    report = load(harvest(CORRECTED), desk)
    assert (report.created, report.unchanged, report.removed) == (1, 1, 0)
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("9.00")  # the trap replace is for


def test_with_replace_the_corrected_export_removes_the_old_entry_and_the_day_adds_up(desk) -> None:
    report = load(harvest(CORRECTED), desk, replace=True)
    assert (report.created, report.unchanged, report.removed) == (1, 1, 1)
    assert report.removals == [
        f"Anna Schmidt, 2024-04-14, 4.00 h (line 2 of april.csv, imported {today().isoformat()})"
    ]
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("5.00")
    assert hours_of("Ben Okafor", "2024-04-15") == Decimal("6.00")
    assert report.written and not report.refused


def test_the_files_record_keeps_what_replace_removed_and_the_admin_list_shows_it(
    desk, operations_client, operations_user
) -> None:
    report = load(harvest(CORRECTED), desk, replace=True, user=operations_user)
    assert ImportFile.objects.get(pk=report.file_id).removed == 1
    page = operations_client.get("/admin/imports/importfile/").content.decode()
    assert "2 read: 1 created, 1 unchanged, 1 removed" in page
    # Who uploaded shares the time's cell: the counts keep their room on a 1400-px screen.
    assert f" by {operations_user.username}</td>" in page and "column-uploaded_by" not in page


def test_a_known_file_whose_reimport_only_removes_records_the_removal(desk) -> None:
    """The first export again, with replace, after a hand-made import of the same format added a row it lacks."""
    extra = [("2024-04-15", "1", "Ben Okafor", "Call-out")]
    file_import(kind="timesheets", fmt="harvest", data=harvest(extra), name="late.csv", engagement=desk)
    report = load(harvest(APRIL), desk, replace=True)
    assert (report.created, report.updated, report.removed) == (0, 0, 1)
    assert ImportFile.objects.get(pk=report.file_id).removed == 1


def test_importing_the_same_file_again_with_replace_removes_nothing(desk) -> None:
    load(harvest(CORRECTED), desk, replace=True)
    again = load(harvest(CORRECTED), desk, replace=True)
    assert (again.removed, again.removals, again.unchanged) == (0, [], 2)
    assert TimeEntry.objects.count() == 2


def test_replace_leaves_hand_entries_other_formats_other_engagements_and_other_days_alone(desk) -> None:
    anna = Contractor.objects.get(engagement=desk, name="Anna Schmidt")
    initech = build_second_desk_with_harvest_entry(desk)
    kept = [
        time_entry_create(contractor=anna, date=dt.date(2024, 4, 14), hours=Decimal("1")),  # by hand
        time_entry_create(
            contractor=anna, date=dt.date(2024, 4, 15), hours=Decimal("1"), source="toggl", external_id="t1"
        ),
        time_entry_create(
            contractor=anna, date=dt.date(2024, 4, 13), hours=Decimal("1"), source="harvest", external_id="before"
        ),
        time_entry_create(
            contractor=anna, date=dt.date(2024, 4, 16), hours=Decimal("1"), source="harvest", external_id="after"
        ),
    ]
    report = load(harvest(CORRECTED), desk, replace=True)
    assert report.removed == 1
    assert set(TimeEntry.objects.filter(pk__in=[e.pk for e in kept]).values_list("pk", flat=True)) == {
        e.pk for e in kept
    }
    assert TimeEntry.objects.filter(contractor__engagement=initech).count() == 1


def build_second_desk_with_harvest_entry(desk: Engagement) -> Engagement:
    """Help desk (Initech), with a Harvest entry of Anna's on the corrected day."""
    initech = build_second_desk(ImportWorld(desk, desk))
    anna = Contractor.objects.get(engagement=initech, name="Anna Schmidt")
    time_entry_create(contractor=anna, date=dt.date(2024, 4, 14), hours=Decimal("2"), source="harvest", external_id="x")
    return initech


def test_a_dry_run_lists_what_would_be_removed_and_removes_nothing(desk) -> None:
    report = load(harvest(CORRECTED), desk, replace=True, dry_run=True)
    assert report.removed == 1 and report.removals[0].startswith("Anna Schmidt, 2024-04-14, 4.00 h")
    assert not report.written
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")


def test_allow_partial_with_a_rejected_row_removes_nothing_and_says_why(desk) -> None:
    rejected = [*CORRECTED, ("2024-04-16", "3", "Nobody Known", "Who?")]
    report = load(harvest(rejected), desk, replace=True, allow_partial=True)
    assert report.written and report.rejected == 1 and report.created == 1
    assert report.removed == 0
    assert any(w.startswith("Nothing was replaced: 1 row(s) were rejected") for w in report.warnings)
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("9.00")


def test_a_removal_in_a_closed_month_refuses_the_whole_import_naming_the_month(import_world, superuser) -> None:
    desk = import_world.help_desk
    first = [("2024-04-13", "2", "Ben Okafor", "Patching"), *APRIL]
    load(harvest(first), desk)
    period_close(month=dt.date(2024, 4, 1), user=superuser)
    # Ben's rows are unchanged (nothing written in April); Anna's entry between them is gone from the export.
    report = load(harvest([first[0], first[2]]), desk, replace=True)
    assert report.refused and not report.written
    assert report.rejected_rows[0]["field"] == "replace"
    assert "April 2024 is closed" in report.rejected_rows[0]["message"]
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")


def test_each_removal_is_audited_and_marks_its_month_changed(desk) -> None:
    old = TimeEntry.objects.get(contractor__name="Anna Schmidt")
    ChangedMonth.objects.all().delete()
    load(harvest(CORRECTED), desk, replace=True)
    deleted = AuditLog.objects.filter(
        action="delete", content_type=ContentType.objects.get_for_model(TimeEntry), object_id=old.pk
    )
    assert deleted.count() == 1
    assert ChangedMonth.objects.filter(engagement=desk, month=dt.date(2024, 4, 1)).exists()


def test_the_count_is_complete_while_the_list_stops_at_its_limit(desk) -> None:
    days = [dt.date(2024, 5, 1) + dt.timedelta(days=i) for i in range(REMOVALS_SHOWN + 5)]
    load(harvest([(d.isoformat(), "1", "Chen Li", "first") for d in days]), desk)
    report = load(harvest([(d.isoformat(), "2", "Chen Li", "second") for d in days]), desk, replace=True, chunk_rows=7)
    assert report.removed == REMOVALS_SHOWN + 5
    assert len(report.removals) == REMOVALS_SHOWN
    assert TimeEntry.objects.filter(contractor__name="Chen Li").aggregate(total=Sum("hours"))["total"] == 2 * len(days)


def test_replace_with_a_tickets_file_is_refused(import_world) -> None:
    with pytest.raises(ValueError, match="replace applies to timesheets"):
        file_import(kind="tickets", fmt="jira", data=(SAMPLES / "jira.csv").read_bytes(), replace=True)


# --- The command -----------------------------------------------------------------------------------------------------


def run_command(path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import_file",
        "--kind",
        "timesheets",
        "--format",
        "harvest",
        "--engagement",
        "Help desk (Acme)",
        *extra,
        str(path),
        stdout=out,
    )
    return out.getvalue()


def test_the_command_prints_what_replace_would_remove_and_then_what_it_removed(desk, tmp_path) -> None:
    path = tmp_path / "april.csv"
    path.write_bytes(harvest(CORRECTED))
    dry = run_command(path, "--replace", "--dry-run")
    assert "  replace: would remove 1 entry\n  removes: Anna Schmidt, 2024-04-14, 4.00 h (line 2 of april.csv" in dry
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")
    done = run_command(path, "--replace")
    assert "  replace: removed 1 entry\n" in done and "removes: Anna Schmidt, 2024-04-14, 4.00 h" in done
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("5.00")


def test_the_command_refuses_replace_with_a_tickets_file(import_world) -> None:
    with pytest.raises(CommandError, match="--replace: replace applies to timesheets"):
        call_command("import_file", "--kind", "tickets", "--format", "jira", "--replace", str(SAMPLES / "jira.csv"))


def test_the_command_ends_a_closed_month_refusal_with_its_reason(import_world, superuser, tmp_path) -> None:
    first = [("2024-04-13", "2", "Ben Okafor", "Patching"), *APRIL]
    load(harvest(first), import_world.help_desk)
    period_close(month=dt.date(2024, 4, 1), user=superuser)
    path = tmp_path / "april.csv"
    path.write_bytes(harvest([first[0], first[2]]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="replacing would remove entries in a closed month. April 2024 is closed"):
        call_command(
            "import_file",
            "--kind",
            "timesheets",
            "--format",
            "harvest",
            "--engagement",
            "Help desk (Acme)",
            "--replace",
            str(path),
            stdout=out,
        )
    printed = out.getvalue()
    assert "\n  replace: Nothing was imported: replacing would remove entries in a closed month." in printed
    assert "line None" not in printed and "rates:" not in printed


# --- The API (in the request and as a background job) ----------------------------------------------------------------


@pytest.fixture
def ops_api(operations_user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=operations_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # jobs' progress and cancel flags are kept there by job id


def api_post(client: APIClient, data: bytes, engagement: Engagement, **fields: object):
    body = {
        "file": SimpleUploadedFile("april.csv", data),
        "kind": "timesheets",
        "format": "harvest",
        "engagement": engagement.pk,
        **fields,
    }
    return client.post(API, body, format="multipart")


def test_the_api_with_replace_returns_what_it_removed(ops_api, desk) -> None:
    response = api_post(ops_api, harvest(CORRECTED), desk, replace="true")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["removed"]) == (1, 1)
    assert body["removals"][0].startswith("Anna Schmidt, 2024-04-14, 4.00 h (line 2 of april.csv")
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("5.00")


def test_the_api_without_replace_removes_nothing_as_before(ops_api, desk) -> None:
    body = api_post(ops_api, harvest(CORRECTED), desk).json()
    assert (body["created"], body["removed"], body["removals"]) == (1, 0, [])
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("9.00")


def test_the_api_refuses_replace_with_a_tickets_file_as_a_field_error(ops_api, import_world) -> None:
    body = {"file": SimpleUploadedFile("jira.csv", (SAMPLES / "jira.csv").read_bytes()), "kind": "tickets"}
    response = ops_api.post(API, {**body, "format": "jira", "replace": "true"}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["replace"]
    assert errors[0]["message"].startswith("replace applies to timesheets")


def test_the_api_answers_a_closed_month_refusal_with_400_naming_replace(ops_api, import_world, superuser) -> None:
    first = [("2024-04-13", "2", "Ben Okafor", "Patching"), *APRIL]
    load(harvest(first), import_world.help_desk)
    period_close(month=dt.date(2024, 4, 1), user=superuser)
    response = api_post(ops_api, harvest([first[0], first[2]]), import_world.help_desk, replace="true")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "replace" and "April 2024 is closed" in body["errors"][0]["message"]
    assert (body["written"], body["removed"]) == (False, 0)


def test_a_big_file_with_replace_is_replaced_by_its_job(
    ops_api, desk, media, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 10
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(ops_api, harvest(CORRECTED), desk, replace="true")
    assert response.status_code == 202 and response.json()["replace"] is True
    body = ops_api.get(response["Location"]).json()
    assert (body["state"], body["created"], body["removed"]) == ("done", 1, 1)
    assert body["removals"][0].startswith("Anna Schmidt, 2024-04-14, 4.00 h")
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("5.00")


def test_the_schema_documents_replace_and_the_removals(client) -> None:
    components = yaml.safe_load(client.get("/api/schema/").content)["components"]["schemas"]
    replace = components["ImportRequest"]["properties"]["replace"]
    assert replace["type"] == "boolean" and replace["default"] is False
    assert replace["description"].startswith("Timesheets only: this export is the whole truth for its days.")
    assert {"removed", "removals"} <= set(components["ImportReport"]["properties"])
    assert {"replace", "removed", "removals"} <= set(components["ImportJob"]["properties"])


# --- The admin wizard ------------------------------------------------------------------------------------------------


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


def wizard_upload(client, engagement: Engagement, data: bytes, **extra: object):
    body = {
        "source": "timesheets:harvest",
        "engagement": engagement.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile("april.csv", data),
        "preview": "Preview",
        **extra,
    }
    return client.post(UPLOAD, body, follow=True)


def test_the_wizard_preview_lists_what_would_be_removed_and_the_import_removes_it(
    operations_client, desk, media
) -> None:
    preview = wizard_upload(operations_client, desk, harvest(CORRECTED), replace="on")
    text = text_of(preview)
    assert "1 entry of earlier imports would be removed (replace)" in text
    assert "<td>Anna Schmidt, 2024-04-14, 4.00 h (line 2 of april.csv" in text
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")
    job = preview.context["job"]
    result = operations_client.post(reverse("admin:imports_importfile_confirm", args=[job.pk]), follow=True)
    assert "1 entry of earlier imports removed (replace)" in text_of(result)
    assert result.context["job"].replace and result.context["job"].removed == 1
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("5.00")


def test_a_preview_that_only_drops_an_entry_still_offers_to_import(operations_client, desk, media) -> None:
    ben = ("2024-04-13", "2", "Ben Okafor", "Patching")
    load(harvest([ben]), desk)
    # Every row of the export is stored as it says; Anna's entry between them was deleted in the tracker.
    text = text_of(wizard_upload(operations_client, desk, harvest([ben, APRIL[1]]), replace="on"))
    assert "would create 0, update 0, leave 2 unchanged" in text
    assert "1 entry of earlier imports would be removed (replace)" in text
    assert 'id="confirm"' in text


def test_the_wizard_refuses_the_box_for_a_tickets_file(operations_client, import_world, media) -> None:
    body = {
        "source": "tickets:jira",
        "engagement": import_world.managed_it.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile("jira.csv", (SAMPLES / "jira.csv").read_bytes()),
        "replace": "on",
    }
    page = operations_client.post(UPLOAD, body)
    assert page.status_code == 200
    assert page.context["form"].errors["replace"] == [REPLACE_KIND_MESSAGE]
    assert not ImportJob.objects.exists()


# --- A correction that would pass 24 h beside its old version -------------------------------------------------------

LONG_DAY = [("2024-04-14", "20", "Anna Schmidt", "Migration")]
LONGER_DAY = [("2024-04-14", "21", "Anna Schmidt", "Migration")]


def test_a_correction_past_24_h_beside_its_old_version_is_imported_with_replace(import_world) -> None:
    load(harvest(LONG_DAY), import_world.help_desk)
    # The day is cleared of the old 20 h before the 21 h row is written, so the daily rule sees 21 h, not 41 h.
    report = load(harvest(LONGER_DAY), import_world.help_desk, replace=True)
    assert (report.written, report.rejected, report.created, report.removed) == (True, 0, 1, 1)
    assert report.removals[0].startswith("Anna Schmidt, 2024-04-14, 20.00 h (line 2 of april.csv")
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("21.00")


def test_its_dry_run_says_the_same_and_keeps_the_old_hours(import_world) -> None:
    load(harvest(LONG_DAY), import_world.help_desk)
    report = load(harvest(LONGER_DAY), import_world.help_desk, replace=True, dry_run=True)
    assert (report.refused, report.rejected, report.created, report.removed) == (False, 0, 1, 1)
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("20.00")


def test_without_replace_such_a_correction_is_rejected_by_the_daily_rule_as_before(import_world) -> None:
    load(harvest(LONG_DAY), import_world.help_desk)
    report = load(harvest(LONGER_DAY), import_world.help_desk)
    assert report.refused and "would total 41.00 h" in report.rejected_rows[0]["message"]


def test_a_partial_import_removes_nothing_early_so_such_a_correction_is_rejected_and_nothing_replaced(
    import_world,
) -> None:
    load(harvest(LONG_DAY), import_world.help_desk)
    rows = [*LONGER_DAY, ("2024-04-15", "3", "Ben Okafor", "Tickets")]
    report = load(harvest(rows), import_world.help_desk, replace=True, allow_partial=True)
    assert (report.written, report.rejected, report.created, report.removed) == (True, 1, 1, 0)
    assert report.warnings[-1].startswith("Nothing was replaced: 1 row(s) were rejected")
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("20.00")


def test_an_entry_whose_id_comes_later_in_the_file_is_not_removed_early(import_world) -> None:
    """The file's ids are read first: a day's old entry that a later chunk has is kept, not removed and re-created."""
    days = [("2024-04-14", "4", "Anna Schmidt", "a"), ("2024-04-14", "3", "Anna Schmidt", "b")]
    load(harvest(days), import_world.help_desk)
    before = set(TimeEntry.objects.values_list("pk", flat=True))
    report = load(
        harvest([days[1], ("2024-04-14", "2", "Anna Schmidt", "c"), days[0]]),
        import_world.help_desk,
        replace=True,
        chunk_rows=1,
    )
    assert (report.created, report.unchanged, report.removed) == (1, 2, 0)
    assert before <= set(TimeEntry.objects.values_list("pk", flat=True))


# --- Cost: the entries to test are found through the (contractor, date) index ----------------------------------------


def test_the_entries_to_test_are_read_through_the_contractor_day_index(desk) -> None:
    """Whatever the table's size or its statistics (stale during a long import): no scan of the table."""

    table = connection.ops.quote_name(TimeEntry._meta.db_table)
    april = [dt.date(2024, 4, 1), dt.date(2024, 4, 30)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "EXPLAIN " + selectors._PG_SOURCE_ENTRIES.format(table=table), [[1], april[:1], april[1:], "x"]
            )
        else:
            sql = selectors._SQLITE_SOURCE_ENTRIES.format(table=table, values="(%s, %s, %s)")
            cursor.execute("EXPLAIN QUERY PLAN " + sql, [1, *map(str, april), "x"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "engagements_time_day" in plan, plan
    assert "Seq Scan on engagements_timeentry" not in plan and "SCAN e " not in plan + " ", plan


def test_a_job_refused_for_a_closed_month_is_refused_and_its_page_says_the_file_was_refused_whole(
    operations_client, import_world, superuser, media
) -> None:
    first = [("2024-04-13", "2", "Ben Okafor", "Patching"), *APRIL]
    load(harvest(first), import_world.help_desk)
    period_close(month=dt.date(2024, 4, 1), user=superuser)
    upload = SimpleUploadedFile("april.csv", harvest([first[0], first[2]]))
    options = jobs.JobOptions(kind="timesheets", fmt="harvest", engagement=import_world.help_desk, replace=True)
    job = jobs.job_run(job_id=jobs.job_create(upload=upload, name="april.csv", options=options).pk)
    assert (job.state, job.written, job.removed, job.rejected) == ("refused", False, 0, 0)
    assert job.rejected_rows[0]["field"] == "replace" and job_result(job) == "nothing written: refused"
    text = text_of(operations_client.get(reverse("admin:imports_importfile_job", args=[job.pk])))
    assert "the file was refused whole (the reason is listed below), so nothing was written." in text
    assert "April 2024 is closed: reopen the period" in text
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")


def test_a_cancel_with_replace_stops_before_anything_is_written_or_removed(desk) -> None:
    asked = []

    def cancelled() -> bool:
        asked.append(TimeEntry.objects.count())
        return True

    with pytest.raises(ImportCancelled):
        load(harvest(CORRECTED), desk, replace=True, cancelled=cancelled)
    assert asked == [2]  # asked once, while the file is first read: nothing written or removed yet
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("4.00")


def test_with_replace_the_queries_per_chunk_do_not_grow_with_the_chunks_written_before(import_world) -> None:
    run(import_world, generic(*entries(24, prefix="old")))  # stored before: every day holds an entry to remove
    marks: list[int] = []
    with CaptureQueriesContext(connection) as captured:
        report = run(
            import_world,
            generic(*entries(24)),
            chunk_rows=4,
            replace=True,
            progress=lambda rows: marks.append(len(captured)),
        )
    assert (report.created, report.removed) == (24, 24)
    per_chunk = [after - before for before, after in pairwise(marks)]
    assert per_chunk[1:] == [per_chunk[1]] * 5, per_chunk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's per-transaction table statistics")
def test_with_replace_a_chunk_reads_no_more_stored_rows_when_more_rows_were_written_before(import_world) -> None:
    """The early clearing of each chunk's days reads those days only, however many rows the import has written."""
    read: list[int] = []

    def tuples_read(rows: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = 'engagements_timeentry'"
            )
            read.append(cursor.fetchone()[0])

    report = run(import_world, generic(*entries(1200)), chunk_rows=150, replace=True, progress=tuples_read)
    assert report.created == 1200
    per_chunk = [after - before for before, after in pairwise(read)]
    assert max(per_chunk[2:]) <= 2 * per_chunk[1] + 150, per_chunk


def test_a_correction_past_24_h_without_replace_is_refused_with_a_hint_to_use_it(import_world) -> None:
    desk = import_world.help_desk
    assert load(harvest([("2024-04-14", "20", "Anna Schmidt", "Tickets")]), desk).created == 1
    report = load(harvest([("2024-04-14", "21", "Anna Schmidt", "Tickets")]), desk)
    assert report.refused and "would total 41.00 h" in report.rejected_rows[0]["message"]
    assert any("corrected export" in warning and "replace" in warning for warning in report.warnings)
    assert load(harvest([("2024-04-14", "21", "Anna Schmidt", "Tickets")]), desk, replace=True).created == 1
    assert hours_of("Anna Schmidt", "2024-04-14") == Decimal("21.00")


def test_a_generic_file_with_its_own_ids_past_24_h_gets_no_such_hint(import_world) -> None:
    desk = import_world.help_desk
    rows = "external_id,contractor,date,hours\nA-1,Anna Schmidt,2024-04-14,20\nA-2,Anna Schmidt,2024-04-14,6\n"
    report = file_import(kind="timesheets", fmt="generic", data=rows.encode(), name="own-ids.csv", engagement=desk)
    assert report.refused and any("would total" in row["message"] for row in report.rejected_rows)
    assert not any("corrected export" in warning for warning in report.warnings)


def test_an_import_warns_of_hours_dated_after_today_naming_the_contractor_and_days(import_world) -> None:
    future = today() + dt.timedelta(days=3)
    rows = [(future.isoformat(), "4", "Anna Schmidt", "Tickets"), ("2024-04-15", "6", "Ben Okafor", "On call")]
    report = load(harvest(rows), import_world.help_desk)
    assert report.created == 2  # stored all the same
    (warning,) = [w for w in report.warnings if "dated after today" in w]
    assert warning.startswith("Anna Schmidt (") and f"{future:%a %d %b %Y}" in warning
