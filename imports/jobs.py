"""Import jobs: an upload stored with its options, run in the request (small files) or by a Celery task.

Every admin upload and every big API upload becomes an `ImportJob`: the file
is kept in the default storage (MEDIA_ROOT, shared with the workers), so a
preview is confirmed by the job's id, never uploaded twice. Files larger
than IMPORT_BACKGROUND_BYTES run as the task `imports.run_job`; on the
embedded default (no broker) that task runs in the web process once the
response is sent (`engagements.queue`, after_response), so the page can
follow it.

`imports.services.file_import` runs the whole import in one transaction, so
while it reads, the rows read so far go to the cache (which every process
shares when it is Redis) and the job's row is written only before and after.
Cancelling sets `cancel_requested`; the import checks it between chunks and
rolls back. A run whose worker died is retried by the redelivered task (late
acknowledgement) up to MAX_ATTEMPTS; a job still running past the task time
limit, or queued for a day, is marked failed by the beat job (and on read).
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from engagements.models import Engagement
from engagements.queue import enqueue_on_commit
from imports import services
from imports.models import ACTIVE_STATES, ImportJob, JobState
from imports.parsers import FileError

log = logging.getLogger(__name__)

RUN_TASK = "imports.run_job"
SWEEP_TASK = "imports.sweep_jobs"
# A run is started at most this many times (a worker lost mid-import redelivers its task).
MAX_ATTEMPTS = 3
# Seconds between two looks at the cancel flag (a query per look).
CANCEL_POLL_SECONDS = 1.0
# A queued job whose task never came (a broker lost it) is given up after this long.
QUEUED_TIMEOUT = dt.timedelta(hours=24)
# Stored uploads of finished jobs are kept this long (a preview can be confirmed until then).
KEEP_UPLOADS = dt.timedelta(hours=24)
NEWLINE_CHUNK = 1024 * 1024


def background_bytes() -> int:
    """Return the size above which a file is imported by a background job (IMPORT_BACKGROUND_BYTES)."""
    return int(settings.IMPORT_BACKGROUND_BYTES)


def running_timeout() -> dt.timedelta:
    """Return how long a run may last before it is taken for dead: the task's hard time limit, plus a minute."""
    return dt.timedelta(seconds=int(settings.CELERY_TASK_TIME_LIMIT) + 60)


def _progress_key(job_id: int) -> str:
    return f"imports:job:{job_id}:read"


def _total_key(job_id: int) -> str:
    return f"imports:job:{job_id}:total"


def _counted_key(job_id: int) -> str:
    return f"imports:job:{job_id}:counted"


def _cancel_key(job_id: int) -> str:
    return f"imports:job:{job_id}:cancel"


@dataclass(frozen=True)
class JobOptions:
    """What the file is and how to read it."""

    kind: str
    fmt: str
    engagement: Engagement | None = None
    day_first: bool | None = None
    tz: str = ""
    dry_run: bool = False
    allow_partial: bool = False
    move: bool = False  # rows stored under another engagement move to this upload's (refused otherwise)
    replace: bool = False  # timesheets: the file is the whole truth for its days (see services.file_import)


def _count_lines(handle: IO[bytes]) -> int:
    """Return the lines of a stored file less the header (quoted line breaks count too: an estimate)."""
    lines, last = 0, b"\n"
    while chunk := handle.read(NEWLINE_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def job_create(*, upload: File[Any], name: str, options: JobOptions, user: Any = None) -> ImportJob:
    """Store an uploaded file and return its queued job (not started: see `job_start`)."""
    size = int(upload.size or 0)
    job = ImportJob(
        kind=options.kind,
        format=options.fmt,
        engagement=options.engagement,
        name=name[:255],
        size=size,
        day_first=options.day_first,
        time_zone=options.tz or settings.TIME_ZONE,
        dry_run=options.dry_run,
        allow_partial=options.allow_partial,
        move=options.move,
        replace=options.replace,
        background=size > background_bytes(),
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    upload.seek(0)
    job.rows_estimate = _count_lines(upload)
    upload.seek(0)
    job.upload.save(name or "upload.csv", upload, save=False)
    job.save()
    return job


def job_confirm(*, preview: ImportJob, allow_partial: bool, user: Any = None) -> ImportJob:
    """Return a new job that imports the file a finished preview read (the same stored file)."""
    if preview.state not in (JobState.DONE, JobState.REFUSED) or not preview.dry_run:
        raise ValueError("Only a finished preview can be confirmed.")
    if not preview.upload or not default_storage.exists(preview.upload.name):
        raise FileNotFoundError("The previewed file is no longer kept: upload it again.")
    return ImportJob.objects.create(
        kind=preview.kind,
        format=preview.format,
        engagement=preview.engagement,
        upload=preview.upload.name,
        name=preview.name,
        size=preview.size,
        rows_estimate=preview.rows_estimate,
        day_first=preview.day_first,
        time_zone=preview.time_zone,
        allow_partial=allow_partial,
        # The import does what its preview showed: the rows it said would move, move.
        move=preview.move,
        # ...and the entries it said would be removed, are.
        replace=preview.replace,
        background=preview.background,
        preview_of=preview,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_retry(*, failed: ImportJob, day_first: bool, user: Any = None) -> ImportJob:
    """Return a new job that reads a failed job's stored file again with the date order now chosen."""
    if failed.state != JobState.FAILED:
        raise ValueError("Only a failed job is tried again.")
    if not failed.upload or not default_storage.exists(failed.upload.name):
        raise FileNotFoundError("The uploaded file is no longer kept: upload it again.")
    return ImportJob.objects.create(
        kind=failed.kind,
        format=failed.format,
        engagement=failed.engagement,
        upload=failed.upload.name,
        name=failed.name,
        size=failed.size,
        rows_estimate=failed.rows_estimate,
        day_first=day_first,
        time_zone=failed.time_zone,
        dry_run=failed.dry_run,
        allow_partial=failed.allow_partial,
        move=failed.move,
        replace=failed.replace,
        background=failed.background,
        preview_of=failed.preview_of,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_preview_moving(*, job: ImportJob, user: Any = None) -> ImportJob:
    """Return a new preview of a finished job's stored file that lets rows stored under another engagement move.

    The wizard's answer to rows refused for that reason: the user ticks the box on the job's
    page and sees what would move, without uploading the file again.
    """
    if job.state not in (JobState.DONE, JobState.REFUSED) or job.move:
        raise ValueError("Only a finished job that did not move rows can be previewed again, moving them.")
    if not job.upload or not default_storage.exists(job.upload.name):
        raise FileNotFoundError("The uploaded file is no longer kept: upload it again.")
    return ImportJob.objects.create(
        kind=job.kind,
        format=job.format,
        engagement=job.engagement,
        upload=job.upload.name,
        name=job.name,
        size=job.size,
        rows_estimate=job.rows_estimate,
        day_first=job.day_first,
        time_zone=job.time_zone,
        dry_run=True,
        # As the wizard's first preview: the good rows are counted even when some are rejected.
        allow_partial=True,
        move=True,
        replace=job.replace,
        background=job.background,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_start(job: ImportJob) -> ImportJob:
    """Run a small job now; send a big one to the workers (after commit); return it as it stands.

    Without a broker a big job runs once the response is sent (engagements.queue's background
    thread), so the page opens on the queued job and its bar moves: the thread shares this
    process's cache, where the progress is counted.
    """
    if job.background:
        enqueue_on_commit(RUN_TASK, after_response=True, job_id=job.pk)
        job.refresh_from_db()
        return job
    return job_run(job_id=job.pk)


def _claim(job_id: int) -> ImportJob | None:
    """Mark a queued job (or one whose worker died) running; None when it is finished or cancelled."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in ACTIVE_STATES:
        return None
    if job.cancel_requested:
        _finish(job, state=JobState.CANCELLED, error="Cancelled before it started.")
        return None
    # A running job is taken over: its task came back because its worker died (late acknowledgement).
    # It cannot still be running elsewhere: the broker redelivers a live task only after the
    # visibility timeout, twice the hard time limit that kills it first (settings).
    if job.attempts >= MAX_ATTEMPTS:
        _finish(job, state=JobState.FAILED, error=f"The import was interrupted {job.attempts} times; gave up.")
        return None
    now = timezone.now()
    won = ImportJob.objects.filter(pk=job.pk, state=job.state, attempts=job.attempts).update(
        state=JobState.RUNNING, started_at=now, attempts=job.attempts + 1
    )
    if not won:
        return None
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, *, state: str, error: str = "", **fields: Any) -> None:
    ImportJob.objects.filter(pk=job.pk, state__in=ACTIVE_STATES).update(
        state=state, error=error[:4000], finished_at=timezone.now(), **fields
    )
    cache.delete_many([_progress_key(job.pk), _total_key(job.pk), _counted_key(job.pk), _cancel_key(job.pk)])


def _cancel_check(job_id: int) -> Callable[[], bool]:
    last = [0.0]

    def cancelled() -> bool:
        # A query per second at most: the import calls this between chunks.
        now = time.monotonic()
        if now - last[0] < CANCEL_POLL_SECONDS:
            return False
        last[0] = now
        if cache.get(_cancel_key(job_id)):
            return True
        # A run already marked failed (past the time limit, which nothing enforces on the in-process
        # thread) stops too: its page says nothing was written, so nothing may be.
        stop = Q(cancel_requested=True) | ~Q(state=JobState.RUNNING)
        return ImportJob.objects.filter(stop, pk=job_id).exists()

    return cancelled


def _progress(job_id: int) -> Callable[..., None]:
    def progress(read: int, total: int | None = None) -> None:
        # Either signature of file_import's callback: (rows read) or (done, total).
        cache.set(_progress_key(job_id), int(read), timeout=int(running_timeout().total_seconds()))

    return progress


def _total(job_id: int) -> Callable[[int], None]:
    def total(rows: int) -> None:
        # The rows counted by the import's first pass: a better total than the line count.
        cache.set(_total_key(job_id), int(rows), timeout=int(running_timeout().total_seconds()))

    return total


def _counting(job_id: int) -> Callable[[int], None]:
    def counting(rows: int) -> None:
        # The import's first pass (header, date order, rows): the page says it is checking the file.
        cache.set(_counted_key(job_id), int(rows), timeout=int(running_timeout().total_seconds()))

    return counting


def _import(job: ImportJob, handle: IO[bytes]) -> services.ImportReport:
    accepts = inspect.signature(services.file_import).parameters
    extra: dict[str, Any] = {"progress": _progress(job.pk)}
    if "cancelled" in accepts:
        extra["cancelled"] = _cancel_check(job.pk)
    if "total" in accepts:
        extra["total"] = _total(job.pk)
    if "counting" in accepts:
        extra["counting"] = _counting(job.pk)
    return services.file_import(
        kind=job.kind,
        fmt=job.format,
        data=handle if "cancelled" in accepts else handle.read(),
        name=job.name,
        engagement=job.engagement,
        day_first=job.day_first,
        tz=job.time_zone or None,
        dry_run=job.dry_run,
        allow_partial=job.allow_partial,
        move=job.move,
        replace=job.replace,
        user=job.requested_by,
        **extra,
    )


def _cancelled_error() -> type[BaseException]:
    error: type[BaseException] | None = getattr(services, "ImportCancelled", None)
    return error or _NeverRaised


class _NeverRaised(Exception):
    """Stands for file_import's cancel exception until it has one."""


def job_run(*, job_id: int) -> ImportJob:
    """Run a job's import and record its outcome; return the job (unchanged when another run has it)."""
    job = _claim(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    try:
        with default_storage.open(job.upload.name, "rb") as handle:
            report = _import(job, handle)
    except _cancelled_error():
        _finish(job, state=JobState.CANCELLED, error="Cancelled: nothing was written.")
    except FileError as exc:
        _finish(job, state=JobState.FAILED, error=f"The file cannot be imported: {exc}", error_code=exc.code[:20])
    except FileNotFoundError:
        _finish(job, state=JobState.FAILED, error="The uploaded file is no longer kept: upload it again.")
    except Exception as exc:
        _finish(job, state=JobState.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    else:
        # A refusal of the whole file (a removal in a closed month) refuses it without a rejected row.
        refused = report.refused and not report.written and not report.dry_run
        _finish(
            job,
            state=JobState.REFUSED if refused else JobState.DONE,
            rows_read=report.read,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            rejected_rows=report.rejected_rows,
            unmatched=report.unmatched,
            warnings=report.warnings,
            rate_warnings=list(getattr(report, "rate_warnings", [])),
            moves=list(getattr(report, "moves", [])),
            removed=getattr(report, "removed", 0),
            removals=list(getattr(report, "removals", [])),
            sha256=report.sha256,
            written=report.written,
            import_file_id=report.file_id,
        )
    return ImportJob.objects.get(pk=job_id)


def job_cancel(*, job: ImportJob) -> ImportJob:
    """Cancel a queued job at once, or ask a running one to stop; a finished job stays as it is.

    The cache is told first: on SQLite the running import holds the write lock until it ends,
    so the row's update below waits until the import has seen the flag and rolled back.
    """
    if job.active:
        cache.set(_cancel_key(job.pk), True, timeout=int(running_timeout().total_seconds()))
    if job.state == JobState.QUEUED:
        ImportJob.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            state=JobState.CANCELLED, cancel_requested=True, finished_at=timezone.now(), error="Cancelled."
        )
    ImportJob.objects.filter(pk=job.pk, state__in=ACTIVE_STATES).update(cancel_requested=True)
    job.refresh_from_db()
    return job


@dataclass(frozen=True)
class Progress:
    """How far a job has read: rows read, rows to read (an estimate until counted), percent.

    `counted`: while the import's first pass checks the file (header, date order, rows), the rows it
    has counted so far; None before and after that pass.
    """

    read: int
    total: int
    pct: int
    counted: int | None = None


def job_progress(job: ImportJob) -> Progress:
    """Return a job's progress: from the cache while it runs (one read), from its row once it ended."""
    if not job.active:
        return Progress(read=job.rows_read, total=max(job.rows_estimate, job.rows_read), pct=100)
    if job.state == JobState.QUEUED:
        return Progress(read=0, total=job.rows_estimate, pct=0)
    cached = cache.get_many([_progress_key(job.pk), _total_key(job.pk), _counted_key(job.pk)])
    if _total_key(job.pk) not in cached and _counted_key(job.pk) in cached:
        # Still checking the file: nothing read yet; the bar waits, the rows counted say it is moving.
        counted = int(cached[_counted_key(job.pk)])
        return Progress(read=0, total=max(job.rows_estimate, counted), pct=0, counted=counted)
    read = int(cached.get(_progress_key(job.pk), job.rows_read))
    total = int(cached.get(_total_key(job.pk)) or job.rows_estimate)
    # 99 at most while it runs: the total may be an estimate, and writing the rows follows the reading.
    return Progress(read=read, total=total, pct=min(99, read * 100 // total) if total else 0)


def _stale() -> Q:
    now = timezone.now()
    return Q(state=JobState.RUNNING, started_at__lt=now - running_timeout()) | Q(
        state=JobState.QUEUED, requested_at__lt=now - QUEUED_TIMEOUT
    )


def job_fail_if_stale(job: ImportJob) -> ImportJob:
    """Mark a job failed when its worker is gone (read paths call it, so a page never spins forever)."""
    if job.active and ImportJob.objects.filter(_stale(), pk=job.pk).exists():
        _finish(job, state=JobState.FAILED, error=_stale_message(job))
        job.refresh_from_db()
    return job


def _stale_message(job: ImportJob) -> str:
    if job.state == JobState.QUEUED:
        return "No worker took the import within a day: upload the file again."
    return "The worker running the import stopped (it ran past the task time limit): nothing was written."


def stale_jobs_fail() -> int:
    """Mark failed every job whose worker is gone; return how many."""
    count = 0
    for job in ImportJob.objects.filter(_stale()):
        _finish(job, state=JobState.FAILED, error=_stale_message(job))
        count += 1
    return count


def old_uploads_delete(*, keep: dt.timedelta = KEEP_UPLOADS) -> int:
    """Delete the stored files of jobs finished longer than `keep` ago (unless a newer job reads them)."""
    cutoff = timezone.now() - keep
    old = ImportJob.objects.exclude(upload="").exclude(state__in=ACTIVE_STATES).filter(finished_at__lt=cutoff)
    names = set(old.values_list("upload", flat=True))
    in_use = set(
        ImportJob.objects.filter(upload__in=names)
        .filter(Q(state__in=ACTIVE_STATES) | Q(finished_at__gte=cutoff))
        .values_list("upload", flat=True)
    )
    deleted = 0
    for name in sorted(names - in_use):
        if default_storage.exists(name):
            default_storage.delete(name)
        deleted += ImportJob.objects.filter(upload=name).update(upload="")
    return deleted
