"""POST imports/: an export file through the API, with counts and the rejected rows' reasons."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.models import TimeEntry
from imports.models import ImportFile, ImportJob
from sla.models import Outage
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache() -> None:
    cache.clear()  # jobs' progress and cancel flags are kept there by job id


def post(client, name: str, **fields: object):
    body = {"file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes()), **fields}
    return client.post("/api/v1/imports/", body, format="multipart")


def test_an_export_is_imported_and_answers_the_counts(ops_api, import_world) -> None:
    response = post(
        ops_api, "harvest_semicolon_crlf.csv", kind="timesheets", format="harvest", engagement=import_world.help_desk.pk
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {k: body[k] for k in ("read", "created", "updated", "unchanged", "rejected")} == {
        "read": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert body["written"] and ImportFile.objects.filter(pk=body["file_id"]).exists()
    assert TimeEntry.objects.count() == 3


def test_the_same_file_again_changes_nothing(ops_api, import_world) -> None:
    post(ops_api, "uptimerobot.csv", kind="outages", format="uptimerobot")
    again = post(ops_api, "uptimerobot.csv", kind="outages", format="uptimerobot").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert Outage.objects.count() == 3


def test_a_dry_run_answers_the_counts_and_writes_nothing(ops_api, import_world) -> None:
    body = post(ops_api, "jira.csv", kind="tickets", format="jira", dry_run="true", tz="Europe/London").json()
    assert body["created"] == 4 and body["dry_run"] and not body["written"]
    assert not ImportFile.objects.exists()


# One good row and three bad ones (a month 13, 99 hours, hours that are no number).
HALF_VALID = (
    b"contractor,date,hours\nAnna Schmidt,2024-03-04,1.5\nAnna Schmidt,2024-13-01,1\n"
    b"Anna Schmidt,2024-03-05,99\nAnna Schmidt,2024-03-06,abc\n"
)


def post_half_valid(client, world, **fields: object):
    body = {
        "file": SimpleUploadedFile("half.csv", HALF_VALID),
        "kind": "timesheets",
        "format": "generic",
        "engagement": world.help_desk.pk,
        **fields,
    }
    return client.post("/api/v1/imports/", body, format="multipart")


def test_a_half_valid_file_imports_nothing_and_names_the_rejected_rows(ops_api, import_world) -> None:
    response = post_half_valid(ops_api, import_world)
    assert response.status_code == 400
    body = response.json()
    assert body["rejected"] == 3 and not body["written"]
    assert [row["row"] for row in body["rejected_rows"]] == [3, 4, 5]
    # The one error shape: the rejected rows are the errors, with the report beside them.
    assert body["errors"] == body["rejected_rows"]
    assert not TimeEntry.objects.exists()


def test_a_dry_run_of_a_file_the_real_run_would_refuse_is_a_200_preview_saying_refused(ops_api, import_world) -> None:
    response = post_half_valid(ops_api, import_world, dry_run="true")
    assert response.status_code == 200
    body = response.json()
    assert body["refused"] and body["dry_run"] and body["rejected"] == 3 and "errors" not in body
    assert not TimeEntry.objects.exists()


def test_allow_partial_imports_the_good_rows(ops_api, import_world) -> None:
    body = post_half_valid(ops_api, import_world, allow_partial="true").json()
    assert (body["created"], body["rejected"], body["written"]) == (1, 3, True)


def test_the_date_order_is_asked_for_when_the_file_cannot_tell(ops_api, import_world) -> None:
    fields = {"kind": "timesheets", "format": "clockify", "engagement": import_world.help_desk.pk}
    refused = post(ops_api, "clockify_undecidable.csv", **fields)
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["field"] == "file" and "set day_first to true (DD/MM) or false (MM/DD)" in error["message"]
    assert post(ops_api, "clockify_undecidable.csv", day_first="false", **fields).json()["created"] == 2


def test_a_format_of_another_kind_is_refused(ops_api, import_world) -> None:
    response = post(ops_api, "jira.csv", kind="timesheets", format="jira")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["format"]


# --- Background jobs: files above IMPORT_BACKGROUND_BYTES ---------------------------------------


@pytest.fixture
def background(settings, tmp_path, django_capture_on_commit_callbacks):
    """Every file runs as a job; the job's task runs when the request's writes commit (no broker: in-process)."""
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_BACKGROUND_BYTES = 10
    return django_capture_on_commit_callbacks


def test_a_big_file_answers_202_with_the_job_and_its_location(ops_api, import_world, background) -> None:
    with background(execute=True):
        response = post(
            ops_api,
            "harvest_semicolon_crlf.csv",
            kind="timesheets",
            format="harvest",
            engagement=import_world.help_desk.pk,
        )
    assert response.status_code == 202, response.json()
    job = ImportJob.objects.get()
    assert response["Location"].endswith(f"/api/v1/imports/jobs/{job.pk}/")
    assert response.json()["state"] == "queued"
    body = ops_api.get(response["Location"]).json()
    assert {k: body[k] for k in ("state", "rows_read", "created", "rejected", "written", "progress_pct")} == {
        "state": "done",
        "rows_read": 3,
        "created": 3,
        "rejected": 0,
        "written": True,
        "progress_pct": 100,
    }
    assert body["file_id"] == ImportFile.objects.get().pk and TimeEntry.objects.count() == 3


def test_a_big_half_valid_file_is_refused_by_its_job_with_the_rejected_rows(ops_api, import_world, background):
    with background(execute=True):
        response = post_half_valid(ops_api, import_world)
    body = ops_api.get(response["Location"]).json()
    assert (body["state"], body["rejected"], body["written"]) == ("refused", 3, False)
    assert [row["row"] for row in body["rejected_rows"]] == [3, 4, 5]
    assert not TimeEntry.objects.exists()


def test_an_unreadable_big_file_fails_its_job_with_the_reason(ops_api, import_world, background) -> None:
    with background(execute=True):
        response = post(ops_api, "jira.csv", kind="outages", format="uptimerobot")
    body = ops_api.get(response["Location"]).json()
    assert body["state"] == "failed" and body["error"].startswith("The file cannot be imported: ")


def test_a_queued_job_can_be_cancelled_and_a_finished_one_cannot(ops_api, import_world, background) -> None:
    response = post(ops_api, "uptimerobot.csv", kind="outages", format="uptimerobot")
    job = ImportJob.objects.get()
    assert job.state == "queued"  # its task waits for the commit, which this test never runs
    cancel = ops_api.post(f"/api/v1/imports/jobs/{job.pk}/cancel/")
    assert cancel.status_code == 202 and cancel.json()["state"] == "cancelled"
    again = ops_api.post(f"/api/v1/imports/jobs/{job.pk}/cancel/")
    assert again.status_code == 409
    assert "already ended (cancelled)" in again.json()["errors"][0]["message"]
    assert ops_api.get(response["Location"]).json()["state"] == "cancelled"


def test_jobs_need_the_import_permission(api_as, ops_api, import_world, background) -> None:
    post(ops_api, "uptimerobot.csv", kind="outages", format="uptimerobot")
    job = ImportJob.objects.get()
    stranger = api_as("leadership")
    assert stranger.get(f"/api/v1/imports/jobs/{job.pk}/").status_code == 403
    assert stranger.post(f"/api/v1/imports/jobs/{job.pk}/cancel/").status_code == 403
    assert ops_api.get("/api/v1/imports/jobs/999999/").status_code == 404


def test_a_file_past_the_limit_answers_a_clear_413(ops_api, import_world, settings) -> None:
    settings.IMPORT_MAX_BYTES = 100
    response = post(ops_api, "jira.csv", kind="tickets", format="jira")
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert "larger than 100 bytes (IMPORT_MAX_BYTES)" in error["message"]


def test_a_small_file_still_imports_in_the_request(ops_api, import_world, settings) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 1_000_000
    response = post(ops_api, "uptimerobot.csv", kind="outages", format="uptimerobot")
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_a_big_file_whose_date_order_is_undecidable_fails_its_job_naming_day_first(
    ops_api, import_world, background
) -> None:
    fields = {"kind": "timesheets", "format": "clockify", "engagement": import_world.help_desk.pk}
    with background(execute=True):
        response = post(ops_api, "clockify_undecidable.csv", **fields)
    body = ops_api.get(response["Location"]).json()
    assert body["state"] == "failed" and "set day_first to true (DD/MM) or false (MM/DD)" in body["error"]


# --- QA C6: the date-order error names day_first, on the sample exports QA used --------------------------------------------


def test_the_api_tells_the_caller_to_send_day_first(ops_api, import_world) -> None:
    name = "clockify_time_entries_import_test_1.csv"
    response = post(ops_api, name, kind="timesheets", format="clockify", engagement=import_world.help_desk.pk)
    assert response.status_code == 400, response.json()
    [error] = response.json()["errors"]
    assert error["field"] == "file" and "set day_first to true (DD/MM) or false (MM/DD)" in error["message"], error
    assert "choose the date order" not in error["message"]


def test_a_background_job_tells_the_caller_to_send_day_first(
    ops_api, import_world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 10
    name = "clockify_time_entries_import_test_1.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(ops_api, name, kind="timesheets", format="clockify", engagement=import_world.help_desk.pk)
    assert response.status_code == 202
    body = ops_api.get(response["Location"]).json()
    assert body["state"] == "failed" and "set day_first to true (DD/MM) or false (MM/DD)" in body["error"], body
    assert "choose the date order" not in body["error"]
