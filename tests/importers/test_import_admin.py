"""The admin's import wizard: upload, preview (a dry run), confirm by the job's id (no second upload), result."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from engagements.models import TimeEntry
from imports.models import ImportFile, ImportJob, JobState
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/imports/importfile/upload/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # jobs' progress and cancel flags are kept there by job id


def upload(client, world, name: str, **extra: object):
    data = {
        "source": "timesheets:harvest",
        "engagement": world.help_desk.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes()),
        "preview": "Preview",
        **extra,
    }
    return client.post(UPLOAD, data, follow=True)


def confirm(client, page, **extra: object):
    job = page.context["job"]
    return client.post(reverse("admin:imports_importfile_confirm", args=[job.pk]), extra, follow=True)


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


def test_the_upload_page_offers_only_pairs_that_go_together_and_detects_by_default(operations_client) -> None:
    page = operations_client.get(UPLOAD)
    text = text_of(page)
    assert '<option value="" selected>Detect from the file' in text
    assert '<optgroup label="Outages">' in text and "Outages: UptimeRobot" in text
    assert "Outages: Clockify" not in text and "outages:clockify" not in text
    # The heading once (the admin's own title block), not twice.
    assert text.count("<h1>Import an export file</h1>") == 1


def test_the_upload_shows_a_preview_and_writes_nothing(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    assert page.status_code == 200
    text = text_of(page)
    assert "Preview: nothing has been written yet" in text
    assert "3 rows read: would create 3, update 0, leave 0 unchanged; 0 rejected." in text
    assert "Anna Schmidt" in text and 'value="Import 3 rows"' in text
    assert not TimeEntry.objects.exists() and not ImportFile.objects.exists()
    assert ImportJob.objects.get().state == JobState.DONE


def test_confirming_imports_the_stored_file_without_a_second_upload(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    result = confirm(operations_client, page)
    assert result.status_code == 200
    text = text_of(result)
    assert "3 rows read: 3 created, 0 updated, 0 unchanged." in text
    # No bill rate is recorded for the sample's people: the hours are stored, and the page says so.
    warnings = text[text.index('id="rate-warnings"') :]
    assert "Anna Schmidt (Help desk (Acme)) has no bill rate in effect on" in warnings
    assert TimeEntry.objects.count() == 3
    assert ImportFile.objects.get().name == "harvest_semicolon_crlf.csv"
    preview, imported = ImportJob.objects.order_by("pk")
    assert imported.preview_of == preview and imported.upload.name == preview.upload.name
    assert imported.written and imported.import_file == ImportFile.objects.get()
    # The preview now links to its import instead of offering a second one.
    again = text_of(operations_client.get(reverse("admin:imports_importfile_job", args=[preview.pk])))
    assert "This preview was confirmed" in again and 'name="confirm"' not in again


def test_the_preview_counts_the_good_rows_of_a_half_valid_file(operations_client, import_world) -> None:
    half = (
        b"contractor,date,hours\nAnna Schmidt,2024-03-04,1.5\nAnna Schmidt,2024-13-01,1\nAnna Schmidt,2024-03-05,99\n"
    )
    body = {"file": SimpleUploadedFile("half.csv", half), "engagement": import_world.help_desk.pk, "tz": "UTC"}
    page = operations_client.post(UPLOAD, body, follow=True)
    text = text_of(page)
    assert "would create 1, update 0, leave 0 unchanged; 2 rejected." in text
    assert "Rejected rows" in text and 'value="Import the 1 good row, skip 2"' in text
    result = confirm(operations_client, page, allow_partial="1", confirm="x")
    assert "1 created" in text_of(result) and "2 rejected rows skipped" in text_of(result)
    assert TimeEntry.objects.count() == 1


def test_a_file_with_no_good_row_offers_no_confirm(operations_client, import_world) -> None:
    bad = b"contractor,date,hours\nAnna Schmidt,2024-13-01,1\nAnna Schmidt,2024-03-01,99\n"
    body = {"file": SimpleUploadedFile("bad.csv", bad), "source": "", "tz": "UTC"}
    text = text_of(operations_client.post(UPLOAD, body, follow=True))
    assert "would create 0, update 0, leave 0 unchanged; 2 rejected." in text
    assert "Rejected rows" in text and "No row of this file can be imported." in text
    assert 'name="confirm"' not in text


def test_the_format_is_detected_from_the_header(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "uptimerobot.csv", source="", engagement="")
    job = page.context["job"]
    assert (job.kind, job.format) == ("outages", "uptimerobot")
    assert "would create 3" in text_of(page)


def test_a_format_that_does_not_match_the_header_is_refused_clearly(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "jira.csv", source="outages:uptimerobot")
    assert "This file&#x27;s header is that of Tickets: Jira, not Outages: UptimeRobot" in text_of(page)
    assert not ImportJob.objects.exists()


def test_a_header_no_format_knows_asks_for_the_tool(operations_client, import_world) -> None:
    body = {"file": SimpleUploadedFile("notes.csv", b"a,b,c\n1,2,3\n"), "source": "", "tz": "UTC"}
    page = operations_client.post(UPLOAD, body)
    assert "The header matches no export this importer knows" in text_of(page)


def test_the_preview_hides_internal_fields(operations_client, import_world) -> None:
    text = text_of(upload(operations_client, import_world, "toggl_valid.csv", source="timesheets:toggl"))
    sample = text[text.index('id="sample"') :]
    assert "sha256" not in sample and "None" not in sample
    assert "<th>Person</th>" in sample and "<th>Hours</th>" in sample


def test_the_sample_leaves_out_columns_the_file_does_not_have(operations_client, import_world) -> None:
    text = text_of(upload(operations_client, import_world, "generic_timesheets.csv", source=""))
    sample = text[text.index('id="sample"') :]
    assert "<th>Person</th>" in sample and "<th>Client</th>" not in sample


def test_a_file_past_the_limit_is_refused_before_it_is_read(
    operations_client, operations_user, import_world, settings, monkeypatch
) -> None:
    settings.IMPORT_MAX_BYTES = 10
    body = {"file": SimpleUploadedFile("big.csv", b"x" * 200_000), "source": "", "tz": "UTC"}
    page = operations_client.post(UPLOAD, body)
    assert page.status_code == 413
    assert "larger than 10 bytes (IMPORT_MAX_BYTES)" in text_of(page)
    # The declared length decides, before the body is read (a body of a few bytes that claims a gigabyte).
    small = {"file": SimpleUploadedFile("small.csv", b"x"), "source": "", "tz": "UTC"}
    settings.IMPORT_MAX_BYTES = 100_000

    def never(request: object) -> None:
        raise AssertionError("the body was read")

    strict = Client(enforce_csrf_checks=True)  # as a browser: the CSRF check would read the body first
    strict.force_login(operations_user)
    monkeypatch.setattr(HttpRequest, "_load_post_and_files", never)
    assert strict.post(UPLOAD, small, CONTENT_LENGTH="1000000000").status_code == 413


def test_a_big_file_runs_as_a_job_and_its_page_shows_the_progress_bar(
    operations_client, import_world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 10
    with django_capture_on_commit_callbacks(execute=True):
        upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    job = ImportJob.objects.get()
    # No broker: the task ran in-process (after the commit), so the preview is there at once.
    assert job.background and job.state == JobState.DONE and job.created == 3
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, rows_read=0)
    running = text_of(operations_client.get(reverse("admin:imports_importfile_job", args=[job.pk])))
    assert '<progress id="job-bar" max="100"' in running and "imports/job_progress.js" in running
    assert f'data-status-url="/api/v1/imports/jobs/{job.pk}/"' in running
    assert "<script>" not in running  # the CSP allows no inline script


def test_cancelling_a_queued_job(operations_client, import_world, settings) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    job = page.context["job"]
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    operations_client.post(reverse("admin:imports_importfile_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    text = text_of(operations_client.get(reverse("admin:imports_importfile_job", args=[job.pk])))
    assert "Cancelled." in text


def test_the_jobs_list_links_each_job_to_its_page(operations_client, import_world) -> None:
    upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    job = ImportJob.objects.get()
    text = text_of(operations_client.get("/admin/imports/importjob/"))
    assert reverse("admin:imports_importfile_job", args=[job.pk]) in text
    assert '<td class="field-step">Preview (nothing written)</td>' in text and "Harvest timesheets" in text


def test_the_upload_still_checks_csrf_after_the_length(operations_user, import_world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(operations_user)
    body = {"file": SimpleUploadedFile("uptimerobot.csv", (SAMPLES / "uptimerobot.csv").read_bytes()), "tz": "UTC"}
    assert client.post(UPLOAD, body).status_code == 403
    client.get(UPLOAD)
    token = client.cookies["csrftoken"].value
    body["file"].seek(0)
    assert client.post(UPLOAD, {**body, "csrfmiddlewaretoken": token}).status_code == 302


def test_people_without_the_import_permission_cannot_upload(client, nobody_user, import_world) -> None:
    client.force_login(nobody_user)
    assert client.get(UPLOAD).status_code == 403


def test_a_job_opens_on_its_wizard_page_not_as_raw_fields(operations_client, import_world) -> None:
    upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    job = ImportJob.objects.get()
    response = operations_client.get(f"/admin/imports/importjob/{job.pk}/change/")
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:imports_importfile_job", args=[job.pk]
    )


def test_a_file_whose_date_order_is_undecidable_is_read_again_with_the_order_chosen(
    operations_client, import_world
) -> None:
    page = upload(operations_client, import_world, "clockify_undecidable.csv", source="timesheets:clockify")
    failed = page.context["job"]
    text = text_of(page)
    assert failed.state == JobState.FAILED and failed.error_code == "date_order"
    assert "Month first (March 4)" in text
    again = operations_client.post(
        reverse("admin:imports_importfile_retry", args=[failed.pk]), {"day_first": "0"}, follow=True
    )
    job = again.context["job"]
    assert job.pk != failed.pk and job.upload.name == failed.upload.name and job.day_first is False
    assert "would create 2" in text_of(again)
