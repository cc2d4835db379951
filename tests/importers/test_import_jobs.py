"""Import jobs: stored uploads, the run and its outcome, progress, cancel, a lost worker, the beat's sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.beat import SCHEDULE
from engagements.models import TimeEntry
from imports import jobs, services, tasks
from imports.models import ImportJob, JobState
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def make_job(world, name: str = "harvest_semicolon_crlf.csv", **options: object) -> ImportJob:
    upload = SimpleUploadedFile(name, (SAMPLES / name).read_bytes())
    values = {"kind": "timesheets", "fmt": "harvest", "engagement": world.help_desk, "tz": "UTC", **options}
    return jobs.job_create(upload=upload, name=name, options=jobs.JobOptions(**values))


def test_a_job_stores_the_upload_and_estimates_its_rows(import_world) -> None:
    job = make_job(import_world)
    # 5 lines: the header, 3 rows and the header repeated midway (an estimate counts lines).
    assert job.state == JobState.QUEUED and job.rows_estimate == 4 and job.size > 0
    assert default_storage.exists(job.upload.name) and job.upload.name.startswith("imports/jobs/")
    assert not job.background  # under IMPORT_BACKGROUND_BYTES


def test_a_job_above_the_threshold_runs_in_the_background(import_world, settings) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 10
    assert make_job(import_world).background


def test_running_a_job_records_the_report(import_world) -> None:
    job = jobs.job_run(job_id=make_job(import_world).pk)
    assert (job.state, job.rows_read, job.created, job.written) == (JobState.DONE, 3, 3, True)
    assert job.import_file is not None and job.started_at and job.finished_at and job.attempts == 1
    assert TimeEntry.objects.count() == 3


def test_a_task_delivered_twice_runs_the_import_once(import_world) -> None:
    job = make_job(import_world)
    assert tasks.run_job(job_id=job.pk) == JobState.DONE
    assert tasks.run_job(job_id=job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.attempts == 1 and TimeEntry.objects.count() == 3


def test_a_run_whose_worker_died_starts_over_and_gives_up_after_three(import_world) -> None:
    job = make_job(import_world)
    # A worker took it and died (its transaction rolled back): the task comes back.
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1, started_at=timezone.now())
    assert jobs.job_run(job_id=job.pk).state == JobState.DONE
    again = make_job(import_world, "uptimerobot.csv", kind="outages", fmt="uptimerobot", engagement=None)
    ImportJob.objects.filter(pk=again.pk).update(state=JobState.RUNNING, attempts=jobs.MAX_ATTEMPTS)
    failed = jobs.job_run(job_id=again.pk)
    assert failed.state == JobState.FAILED and "interrupted 3 times" in failed.error


def test_progress_is_read_from_the_cache_while_the_import_runs(import_world, monkeypatch) -> None:
    job = make_job(import_world)
    seen: list[tuple[int, int, int]] = []
    real = services.file_import

    def watched(**kwargs: object):
        kwargs["progress"](2)
        running = ImportJob.objects.get(pk=job.pk)
        progress = jobs.job_progress(running)
        seen.append((progress.read, progress.total, progress.pct))
        return real(**kwargs)

    monkeypatch.setattr(services, "file_import", watched)
    assert jobs.job_run(job_id=job.pk).state == JobState.DONE
    assert seen == [(2, 4, 50)]
    assert cache.get(f"imports:job:{job.pk}:read") is None  # cleared at the end


def test_a_running_job_stops_when_cancelled_and_writes_nothing(import_world, monkeypatch) -> None:
    job = make_job(import_world)
    monkeypatch.setattr(jobs, "CANCEL_POLL_SECONDS", 0)

    class Cancelled(Exception):
        pass

    def stops(**kwargs: object):
        jobs.job_cancel(job=ImportJob.objects.get(pk=job.pk))  # someone presses Cancel meanwhile
        if kwargs["cancelled"]():
            raise Cancelled
        raise AssertionError("the import should have seen the cancel")

    monkeypatch.setattr(services, "ImportCancelled", Cancelled, raising=False)
    monkeypatch.setattr(services, "file_import", lambda *, cancelled, **kwargs: stops(cancelled=cancelled))
    done = jobs.job_run(job_id=job.pk)
    assert done.state == JobState.CANCELLED and "nothing was written" in done.error
    assert not TimeEntry.objects.exists()


def test_the_real_import_honours_cancel_when_it_can(import_world) -> None:
    if not hasattr(services, "ImportCancelled"):
        pytest.skip("file_import has no cancel yet")
    job = make_job(import_world)
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    assert jobs.job_run(job_id=job.pk).state == JobState.CANCELLED


def test_a_queued_job_is_cancelled_at_once(import_world) -> None:
    job = jobs.job_cancel(job=make_job(import_world))
    assert job.state == JobState.CANCELLED and job.finished_at
    assert jobs.job_run(job_id=job.pk).state == JobState.CANCELLED
    assert not TimeEntry.objects.exists()


def test_a_finished_job_is_not_cancelled(import_world) -> None:
    job = jobs.job_run(job_id=make_job(import_world).pk)
    assert jobs.job_cancel(job=job).state == JobState.DONE


def test_a_preview_is_confirmed_by_a_job_on_the_same_stored_file(import_world) -> None:
    preview = jobs.job_run(job_id=make_job(import_world, dry_run=True, allow_partial=True).pk)
    assert preview.created == 3 and not preview.written and not TimeEntry.objects.exists()
    job = jobs.job_confirm(preview=preview, allow_partial=False)
    assert job.upload.name == preview.upload.name and job.preview_of == preview and not job.dry_run
    assert jobs.job_run(job_id=job.pk).created == 3
    with pytest.raises(ValueError):
        jobs.job_confirm(preview=job, allow_partial=False)


def test_a_preview_whose_file_is_gone_cannot_be_confirmed(import_world) -> None:
    preview = jobs.job_run(job_id=make_job(import_world, dry_run=True).pk)
    default_storage.delete(preview.upload.name)
    with pytest.raises(FileNotFoundError):
        jobs.job_confirm(preview=preview, allow_partial=False)


def test_jobs_left_by_a_dead_worker_are_failed_by_the_sweep_and_on_read(import_world, settings) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 60
    now = timezone.now()
    dead = make_job(import_world)
    ImportJob.objects.filter(pk=dead.pk).update(state=JobState.RUNNING, started_at=now - dt.timedelta(minutes=3))
    alive = make_job(import_world)
    ImportJob.objects.filter(pk=alive.pk).update(state=JobState.RUNNING, started_at=now - dt.timedelta(seconds=30))
    lost = make_job(import_world)
    ImportJob.objects.filter(pk=lost.pk).update(requested_at=now - dt.timedelta(days=2))
    waiting = make_job(import_world)
    assert tasks.sweep_jobs() == 2
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {
        dead.pk: JobState.FAILED,
        alive.pk: JobState.RUNNING,
        lost.pk: JobState.FAILED,
        waiting.pk: JobState.QUEUED,
    }
    assert "task time limit" in ImportJob.objects.get(pk=dead.pk).error
    # On read, too: a page never spins on a dead job.
    ImportJob.objects.filter(pk=alive.pk).update(started_at=now - dt.timedelta(minutes=5))
    assert jobs.job_fail_if_stale(ImportJob.objects.get(pk=alive.pk)).state == JobState.FAILED


def test_the_sweep_deletes_uploads_a_day_after_their_jobs_ended(import_world) -> None:
    old = jobs.job_run(job_id=make_job(import_world, dry_run=True).pk)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    shared = jobs.job_run(job_id=make_job(import_world, dry_run=True).pk)
    ImportJob.objects.filter(pk=shared.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    jobs.job_confirm(preview=shared, allow_partial=False)  # queued: still reads the file
    assert jobs.old_uploads_delete() == 1
    old.refresh_from_db()
    assert old.upload.name == "" and default_storage.exists(shared.upload.name)


def test_the_sweep_is_on_the_beat_schedule() -> None:
    assert "imports.sweep_jobs" in {job.task for job in SCHEDULE}


def test_the_jobs_list_costs_the_same_queries_for_more_jobs(import_world, operations_client) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert operations_client.get("/admin/imports/importjob/").status_code == 200
        return len(queries)

    make_job(import_world)
    few = count()
    for _ in range(5):
        make_job(import_world)
    assert count() == few


def test_a_cancel_reaches_the_running_import_through_the_cache_first(import_world, monkeypatch) -> None:
    # On SQLite the import holds the write lock: the row's flag can only be written once it stops.
    monkeypatch.setattr(jobs, "CANCEL_POLL_SECONDS", 0)
    job = make_job(import_world)
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    job.refresh_from_db()
    check = jobs._cancel_check(job.pk)
    assert not check()
    jobs.job_cancel(job=job)
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=False)  # as if the row's write were still waiting
    assert check()
