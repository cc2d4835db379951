"""Without a broker a background import runs after the response, so its page can follow the progress."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.urls import reverse

from engagements.models import TimeEntry
from engagements.queue import run_after_response, wait_for_background_tasks
from imports import jobs
from imports.models import ImportJob, JobState
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db(transaction=True)
RUN_AFTER_RESPONSE = "engagements.queue.run_after_response"
UPLOAD = "/admin/imports/importfile/upload/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file is a background job
    cache.clear()


@pytest.fixture
def states_when_the_response_is_handed() -> Iterator[list[list[str]]]:
    """Record the jobs' states when the server closes the response, before the queued work runs."""
    seen: list[list[str]] = []

    def handed(**_: Any) -> None:
        seen.append(list(ImportJob.objects.order_by("pk").values_list("state", flat=True)))

    request_finished.disconnect(dispatch_uid=RUN_AFTER_RESPONSE)
    request_finished.connect(handed, weak=False, dispatch_uid="test.import.handed")
    request_finished.connect(run_after_response, dispatch_uid=RUN_AFTER_RESPONSE)
    try:
        yield seen
    finally:
        request_finished.disconnect(dispatch_uid="test.import.handed")


def upload(client, world, **extra: object):
    name = "harvest_semicolon_crlf.csv"
    data = {
        "source": "timesheets:harvest",
        "engagement": world.help_desk.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes()),
        **extra,
    }
    return client.post(UPLOAD, data)


def test_the_upload_answers_with_the_job_queued_and_the_import_runs_after(
    operations_client, import_world, states_when_the_response_is_handed
) -> None:
    response = upload(operations_client, import_world)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:imports_importfile_job", args=[job.pk]
    )
    # The response was complete while the job still waited: the import had not run in the request.
    assert states_when_the_response_is_handed[-1] == [JobState.QUEUED]
    job.refresh_from_db()
    assert job.background and job.state == JobState.DONE and job.created == 3


def test_the_confirmed_import_and_the_api_job_run_after_the_response_too(
    operations_client, import_world, states_when_the_response_is_handed
) -> None:
    upload(operations_client, import_world)
    preview = ImportJob.objects.get()
    operations_client.post(reverse("admin:imports_importfile_confirm", args=[preview.pk]), {})
    assert states_when_the_response_is_handed[-1] == [JobState.DONE, JobState.QUEUED]
    assert TimeEntry.objects.count() == 3
    name = "uptimerobot.csv"
    body = {"file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes()), "kind": "outages", "format": "uptimerobot"}
    response = operations_client.post("/api/v1/imports/", body)
    assert response.status_code == 202 and response.json()["state"] == "queued"
    assert states_when_the_response_is_handed[-1][-1] == JobState.QUEUED
    assert operations_client.get(response["Location"]).json()["state"] == "done"


def test_on_a_real_server_the_page_polls_a_job_running_on_the_background_thread(
    operations_client, import_world, settings, monkeypatch
) -> None:
    # What runserver and gunicorn do without a broker: the import runs on the queue's thread while the
    # request threads answer the polls (the progress is in this process's cache).
    settings.AFTER_RESPONSE_TASKS = "thread"
    real = jobs.services.file_import
    reading, go_on = threading.Event(), threading.Event()

    @functools.wraps(real)
    def paused(**kwargs: Any) -> Any:
        kwargs["total"](40_000)
        kwargs["progress"](12_000)
        reading.set()
        assert go_on.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(jobs.services, "file_import", paused)
    response = upload(operations_client, import_world)
    job = ImportJob.objects.get()
    try:
        assert reading.wait(30)
        page = operations_client.get(response["Location"])
        assert '<progress id="job-bar" max="100" value="30">' in page.content.decode()
        poll = operations_client.get(reverse("import-job", kwargs={"pk": job.pk})).json()
        assert (poll["state"], poll["rows_read"], poll["rows_estimate"], poll["progress_pct"]) == (
            "running",
            12_000,
            40_000,
            30,
        )
    finally:
        go_on.set()
        wait_for_background_tasks()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.created == 3
