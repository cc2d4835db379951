"""QA fixes on the import path: local times, the API's date-order hint, binary files on detect, previews' counts."""

from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import TimeEntry
from imports import jobs
from imports.admin import job_result
from imports.models import ImportFile, ImportJob, JobState
from imports.services import file_import
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/imports/importfile/upload/"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


def upload(client, world, name: str, content: bytes | None = None, **extra: object):
    data = {
        "source": "",
        "engagement": world.help_desk.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(name, content if content is not None else (SAMPLES / name).read_bytes()),
        **extra,
    }
    return client.post(UPLOAD, data, follow=True)


# --- C7: a binary file on "detect" ----------------------------------------------------------------


def test_a_png_on_detect_is_named_as_a_png(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "fake.csv", PNG)
    text = text_of(page)
    assert "this is a PNG image, not a CSV export" in text
    assert "matches no export" not in text
    assert not ImportJob.objects.exists()


def test_a_detected_file_with_undecidable_dates_is_read_again_with_the_order_chosen(
    operations_client, import_world
) -> None:
    page = upload(operations_client, import_world, "clockify_time_entries_import_test_1.csv")
    failed = page.context["job"]
    assert failed.state == JobState.FAILED and failed.error_code == "date_order", failed.error
    text = text_of(page)
    assert 'id="retry"' in text and "Month first (March 4)" in text
    again = operations_client.post(
        reverse("admin:imports_importfile_retry", args=[failed.pk]), {"day_first": "0"}, follow=True
    )
    job = again.context["job"]
    assert job.upload.name == failed.upload.name and job.day_first is False and job.state == JobState.DONE
    assert "Preview: nothing has been written yet" in text_of(again)


# --- B4: "imported before" in the organisation's zone, labelled --------------------------------


def test_imported_before_names_the_local_time_with_its_zone(settings, import_world) -> None:
    settings.TIME_ZONE = "America/New_York"
    data = (SAMPLES / "harvest_semicolon_crlf.csv").read_bytes()
    first = file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk)
    ImportFile.objects.filter(pk=first.file_id).update(uploaded_at=dt.datetime(2026, 11, 30, 13, 44, tzinfo=dt.UTC))
    again = file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk, dry_run=True)
    [note] = [w for w in again.warnings if "imported before" in w]
    assert "(2026-11-30 08:44 EST)" in note, note


# --- C11: previews are not listed as written -----------------------------------------------------


def result_cells(page) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<td class="field-result">(.*?)</td>', text_of(page))
    ]


def test_the_jobs_list_says_a_preview_would_create_and_an_import_created(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv", source="timesheets:harvest")
    operations_client.post(reverse("admin:imports_importfile_confirm", args=[page.context["job"].pk]), follow=True)
    listing = operations_client.get(reverse("admin:imports_importjob_changelist"))
    # Newest first: the import, then its preview.
    assert result_cells(listing) == ["3 created", "would create 3"]
    assert '<td class="field-step">Preview (nothing written)</td>' in text_of(listing)
    assert "column-created" not in text_of(listing)


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ({"dry_run": True, "created": 2, "rejected": 2}, "would create 2; 2 rejected"),
        ({"dry_run": True, "created": 1, "updated": 4}, "would create 1, update 4"),
        ({"written": True, "created": 2, "rejected": 2}, "2 created; 2 rejected skipped"),
        ({"state": JobState.REFUSED, "rejected": 3}, "nothing written: 3 rejected"),
        ({"state": JobState.FAILED}, "nothing written"),
        ({"state": JobState.RUNNING, "created": 5}, "-"),
    ],
)
def test_a_jobs_result_is_worded_by_its_step(values: dict[str, object], shown: str) -> None:
    job = ImportJob(**{"state": JobState.DONE, **values})
    assert job_result(job) == shown


def test_the_files_list_shows_times_like_the_jobs_list(operations_client, import_world, settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    upload(operations_client, import_world, "harvest_semicolon_crlf.csv", source="timesheets:harvest")
    operations_client.post(reverse("admin:imports_importfile_confirm", args=[ImportJob.objects.get().pk]))
    stored = ImportFile.objects.get()
    ImportFile.objects.filter(pk=stored.pk).update(uploaded_at=dt.datetime(2026, 11, 30, 13, 44, tzinfo=dt.UTC))
    text = text_of(operations_client.get(reverse("admin:imports_importfile_changelist")))
    assert f'<td class="field-uploaded">2026-11-30 08:44 by {stored.uploaded_by.username}</td>' in text
    assert '<td class="field-export">Timesheets: Harvest</td>' in text
    assert '<td class="field-rows">3 read: 3 created</td>' in text


def test_a_run_marked_failed_meanwhile_stops_and_writes_nothing(import_world, monkeypatch) -> None:
    # In-process (no broker) nothing kills a run past the time limit; once a read marks it failed
    # ("nothing was written"), the run must stop at its next chunk and roll back.
    real = jobs.services.file_import

    @functools.wraps(real)
    def overtaken(**kwargs: object) -> object:
        ImportJob.objects.filter(state=JobState.RUNNING).update(state=JobState.FAILED, error="stale")
        return real(**kwargs)

    monkeypatch.setattr(jobs.services, "file_import", overtaken)
    upload = SimpleUploadedFile("h.csv", (SAMPLES / "harvest_semicolon_crlf.csv").read_bytes())
    options = jobs.JobOptions(kind="timesheets", fmt="harvest", engagement=import_world.help_desk, tz="UTC")
    job = jobs.job_run(job_id=jobs.job_create(upload=upload, name="h.csv", options=options).pk)
    assert job.state == JobState.FAILED and job.error == "stale"
    assert not TimeEntry.objects.exists() and not ImportFile.objects.exists()
