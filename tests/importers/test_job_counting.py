"""Import jobs show progress from the start: while the import's first pass checks the file, the rows it counted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from imports import jobs, services
from imports.api import views as api_views
from imports.models import ImportJob, JobState
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db
# Imported before a test patches services.file_import: the API module binds the name when first imported.
assert api_views.file_import is services.file_import
HARVEST = "harvest_semicolon_crlf.csv"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def make_job(world) -> ImportJob:
    upload = SimpleUploadedFile(HARVEST, (SAMPLES / HARVEST).read_bytes())
    options = jobs.JobOptions(kind="timesheets", fmt="harvest", engagement=world.help_desk, tz="UTC")
    return jobs.job_create(upload=upload, name=HARVEST, options=options)


def test_while_the_file_is_checked_the_job_shows_the_rows_counted_then_the_rows_read(
    import_world, operations_user, operations_client, monkeypatch
) -> None:
    job = make_job(import_world)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operations_user).key}")
    seen: dict[str, Any] = {}
    real = services.file_import

    def checking(*, counting, total, progress, cancelled, **kwargs: Any) -> services.ImportReport:
        counting(0)
        counting(5000)  # the first pass has counted 5,000 rows: none read yet
        seen["counting"] = jobs.job_progress(ImportJob.objects.get(pk=job.pk))
        seen["api"] = api.get(reverse("import-job", kwargs={"pk": job.pk})).json()
        page = operations_client.get(reverse("admin:imports_importfile_job", args=[job.pk]))
        seen["page"] = re.sub(r"\s+", " ", page.content.decode())
        total(6000)
        progress(2000)
        seen["reading"] = jobs.job_progress(ImportJob.objects.get(pk=job.pk))
        return real(total=total, progress=progress, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(services, "file_import", checking)
    assert jobs.job_run(job_id=job.pk).state == JobState.DONE
    assert seen["counting"] == jobs.Progress(read=0, total=5000, pct=0, counted=5000)
    assert (seen["api"]["rows_counted"], seen["api"]["rows_read"], seen["api"]["progress_pct"]) == (5000, 0, 0)
    assert '<p id="job-status">Checking the file: 5,000 of about 5,000 rows counted&hellip;</p>' in seen["page"]
    assert seen["reading"] == jobs.Progress(read=2000, total=6000, pct=33, counted=None)
    assert cache.get(f"imports:job:{job.pk}:counted") is None  # cleared at the end


def test_the_real_import_reports_its_count_to_the_job_when_it_can(import_world, monkeypatch) -> None:
    import inspect

    if "counting" not in inspect.signature(services.file_import).parameters:
        pytest.skip("file_import has no counting callback yet")
    job = make_job(import_world)
    counts: list[int] = []
    real_counting = jobs._counting

    def recorded(job_id: int):
        inner = real_counting(job_id)
        return lambda rows: (counts.append(rows), inner(rows))[1]

    monkeypatch.setattr(jobs, "_counting", recorded)
    assert jobs.job_run(job_id=job.pk).state == JobState.DONE
    assert counts and counts[0] == 0
