"""The report jobs: a whole month (fan out, then a re-runnable finalize) and the changed months.

No chord: the finalize step checks in the database whether every snapshot
of the month was verified since the job started, so it can run any number
of times, after any crash, and decide again.

Recovery after a crash (of a pool child or of the whole worker): a month job
is stalled when no batch of it has finished for `stall_threshold()` (and it was
not resumed in that time). `month_job_resume` then sends again exactly the
batches of the engagements without a fresh snapshot, and a finalize step.
Batches are idempotent (computing a snapshot twice gives the same row), so a
batch redelivered late is computed whatever the job's state, and a finalize
step that stops polling leaves the job running for the next resume.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from engagements.models import ChangedMonth, Engagement
from engagements.queue import enqueue_on_commit, send_task_now
from engagements.services.marks import claim_changed_months
from kernel.months import first_of
from reports.models import JobKind, JobState, MonthlySnapshot, RecomputeJob
from reports.services.builder.report import (
    affected_report_months,
    engagement_ids_active_in,
    report_build,
)
from reports.services.snapshots import (
    group_marks_by_month,
    snapshots_compute,
    snapshots_fresh_since,
)

log = logging.getLogger(__name__)

# Engagements per snapshot task: each batch costs a constant number of queries.
SNAPSHOT_BATCH = 50
# Changed marks claimed per run of the changed-months job.
CLAIM_BATCH = 500
# A claim or a job that has not moved for this long is taken to be abandoned
# (its worker died); well above the time one batch takes (and waits in the
# queue). For month jobs, REPORTS_JOB_STALL_MINUTES overrides it (stall_threshold()).
STALL_AFTER = dt.timedelta(minutes=10)
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)

COMPUTE_MONTH_TASK = "reports.compute_month"
COMPUTE_BATCH_TASK = "reports.compute_snapshots"
FINALIZE_TASK = "reports.finalize_month"
EMAIL_TASK = "reports.send_monthly_email"
RECOMPUTE_CHANGED_TASK = "reports.recompute_changed"


def worker_name() -> str:
    """Return a name for this process, for claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def batch_size() -> int:
    """Return the engagements per snapshot task (REPORTS_SNAPSHOT_BATCH overrides it, e.g. in tests)."""
    return int(getattr(settings, "REPORTS_SNAPSHOT_BATCH", SNAPSHOT_BATCH))


def stall_threshold() -> dt.timedelta:
    """Return how long a month job may go without a finished batch before it is resumed.

    REPORTS_JOB_STALL_MINUTES overrides STALL_AFTER (a test shortens it).
    """
    minutes = getattr(settings, "REPORTS_JOB_STALL_MINUTES", None)
    return STALL_AFTER if minutes is None else dt.timedelta(minutes=float(minutes))


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    """Split ids into batches."""
    size = size or batch_size()
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@transaction.atomic
def recompute_month_request(
    month: dt.date,
    engagement_id: int | None = None,
    *,
    requested_by: Any = None,
    send_email: bool = False,
) -> RecomputeJob:
    """Ask for a month (or one engagement-month) to be recomputed; return the job that will do it.

    A job already queued or running for the same scope is returned instead
    of starting a second one. The task is sent after commit.
    """
    month = first_of(month)
    if engagement_id is not None and not Engagement.objects.filter(pk=engagement_id).exists():
        raise Engagement.DoesNotExist(f"No engagement {engagement_id}.")
    # A month-wide job is the one without an engagement (IS NULL, not = NULL).
    scope = Q(engagement_id=engagement_id) if engagement_id is not None else Q(engagement_id__isnull=True)
    pending = (
        RecomputeJob.objects.select_for_update()
        .filter(scope, month=month, kind=JobKind.MONTH, state__in=[JobState.QUEUED, JobState.RUNNING])
        .first()
    )
    if pending is not None:
        if send_email and not pending.send_email:
            RecomputeJob.objects.filter(pk=pending.pk).update(send_email=True)
            pending.send_email = True
        return pending
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    job = RecomputeJob.objects.create(
        month=month, engagement_id=engagement_id, kind=JobKind.MONTH, requested_by=user, send_email=send_email
    )
    enqueue_on_commit(COMPUTE_MONTH_TASK, job_id=job.pk)
    return job


def _job_engagements(job: RecomputeJob) -> list[int]:
    if job.engagement_id is not None:
        return [job.engagement_id]
    return engagement_ids_active_in(job.month)


def month_job_start(*, job: RecomputeJob) -> list[list[int]]:
    """Mark a job running and return its engagement batches (a rerun keeps the first start time)."""
    ids = _job_engagements(job)
    # The database's clock: snapshots are verified against it (see snapshots_compute).
    RecomputeJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=Now())
    # progressed_at is left alone: it says when a batch last finished, nothing else.
    RecomputeJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, total=len(ids))
    job.refresh_from_db()
    if job.engagement_id is None:
        # Engagements no longer active in the month (dates changed) lose their snapshot.
        stale = MonthlySnapshot.objects.filter(month=job.month).exclude(engagement_id__in=ids)
        gone = list(stale.values_list("engagement_id", flat=True))
        if gone:
            snapshots_compute(engagement_ids=gone, month=job.month)
    return chunks(ids)


def month_batch_compute(*, job: RecomputeJob, engagement_ids: list[int]) -> None:
    """Compute one batch of a job's snapshots and record that a batch finished.

    Whatever the job's state: a batch redelivered after the job was resumed,
    or after it failed, computes the same rows again, so it is done, not
    dropped. A finished job's counters are left as they are. A job no longer
    active builds no report, so its batch leaves the changed marks for the
    changed-months job, which rebuilds the report they touch.
    """
    active = job.state in ACTIVE_STATES
    snapshots_compute(engagement_ids=engagement_ids, month=job.month, marks=None if active else [])
    if job.state != JobState.DONE:
        _record_progress(job, batch_finished=True)


def _record_progress(job: RecomputeJob, *, batch_finished: bool) -> set[int]:
    # Progress is counted from the snapshots, not incremented: a batch run
    # twice (redelivered after a crash) does not count twice. Only a finished
    # batch moves progressed_at: a finalize poll is not progress, or a job
    # whose batches were lost would never look stalled.
    ids, fresh = _fresh(job)
    stamp = {"progressed_at": timezone.now()} if batch_finished else {}
    RecomputeJob.objects.filter(pk=job.pk).update(done=min(len(fresh), len(ids)), total=len(ids), **stamp)
    return set(ids) - fresh


def _fresh(job: RecomputeJob) -> tuple[list[int], set[int]]:
    ids = _job_engagements(job)
    return ids, snapshots_fresh_since(month=job.month, engagement_ids=ids, since=job.started_at or job.requested_at)


def job_missing(job: RecomputeJob) -> list[int]:
    """Return the engagements of a job without a snapshot verified since the job started (a read)."""
    ids, fresh = _fresh(job)
    return sorted(set(ids) - fresh)


def job_stalled(job: RecomputeJob, *, after: dt.timedelta | None = None, now: dt.datetime | None = None) -> bool:
    """Return whether an active month job has had no batch finished (and no resume) for `after`.

    Measured from the last finished batch, else the start, else the request;
    a resume restarts the wait, so the work it sent has time to run.
    """
    if job.kind != JobKind.MONTH or job.state not in ACTIVE_STATES:
        return False
    cutoff = (now or timezone.now()) - (after if after is not None else stall_threshold())
    last_batch = job.progressed_at or job.started_at or job.requested_at
    return last_batch < cutoff and (job.resumed_at is None or job.resumed_at < cutoff)


@dataclass
class FinalizeResult:
    """Whether the month's report was built, and what is still missing otherwise."""

    finished: bool
    missing: list[int] = field(default_factory=list)
    stalled: bool = False


def month_job_finalize(
    *, job: RecomputeJob, compute_missing: bool = False, rebuild_later: bool = True
) -> FinalizeResult:
    """Build the month's report once every snapshot was verified since the job started; safe to rerun.

    With compute_missing (no broker: everything in-process), missing
    snapshots are computed here instead of waiting for their batches.
    Without rebuild_later, the later reports whose trends show this month
    are left to the caller (one recomputing many months rebuilds each once).
    """
    if job.state in (JobState.DONE, JobState.FAILED):
        return FinalizeResult(finished=job.state == JobState.DONE)
    missing = sorted(_record_progress(job, batch_finished=False))
    if missing and compute_missing:
        for batch in chunks(missing):
            snapshots_compute(engagement_ids=batch, month=job.month)
        missing = sorted(_record_progress(job, batch_finished=True))
    if missing:
        job.refresh_from_db()
        return FinalizeResult(finished=False, missing=missing, stalled=job_stalled(job))
    report_build(month=job.month)
    # Later reports show this month in their trends: rebuild the stored ones.
    for later in affected_report_months({job.month}) if rebuild_later else []:
        if later != job.month:
            report_build(month=later)
    with transaction.atomic():
        finished = RecomputeJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.DONE, finished_at=timezone.now(), error=""
        )
        if finished and job.send_email:
            enqueue_on_commit(EMAIL_TASK, month=job.month.isoformat())
    return FinalizeResult(finished=True)


def job_fail(*, job_id: int, error: str) -> None:
    """Record that a job failed, with the error people can read on the pages."""
    RecomputeJob.objects.filter(pk=job_id).exclude(state=JobState.DONE).update(
        state=JobState.FAILED, error=error[:4000], finished_at=timezone.now()
    )


def finalize_stop(*, job_id: int, missing: int) -> None:
    """Record that the finalize step stopped polling; the job stays running, so a resume completes it."""
    log.warning("Month job %s: the finalize step stopped waiting for %s snapshots", job_id, missing)
    RecomputeJob.objects.filter(pk=job_id, state__in=ACTIVE_STATES).update(
        error=f"Stopped waiting for {missing} engagement snapshots; the stalled-jobs resume sends them again."
    )


@dataclass
class ResumeResult:
    """What a resume sent: the month task (a job that never started) or the missing batches."""

    restarted: bool = False
    batches: list[list[int]] = field(default_factory=list)


def month_job_resume(
    *, job: RecomputeJob, after: dt.timedelta | None = None, send_finalize: bool = True
) -> ResumeResult | None:
    """Send again the work of a stalled month job; return what was sent, or None when it is not stalled.

    A job that never started gets its month task again; a running one gets
    the batches of exactly the engagements without a fresh snapshot (none
    when all are fresh), then a finalize step (unless the caller is one).
    The resume is claimed with a conditional update on `resumed_at`, so two
    callers never send the same work twice.
    """
    if not job_stalled(job, after=after):
        return None
    won = RecomputeJob.objects.filter(
        Q(resumed_at=job.resumed_at) if job.resumed_at is not None else Q(resumed_at__isnull=True),
        pk=job.pk,
        state__in=ACTIVE_STATES,
    ).update(resumed_at=timezone.now())
    if not won:
        return None
    log.warning("Month job %s (%s) stalled: resuming it", job.pk, job.month)
    if job.state == JobState.QUEUED or job.started_at is None:
        send_task_now(COMPUTE_MONTH_TASK, {"job_id": job.pk})
        return ResumeResult(restarted=True)
    result = ResumeResult(batches=chunks(job_missing(job)))
    for batch in result.batches:
        send_task_now(COMPUTE_BATCH_TASK, {"job_id": job.pk, "engagement_ids": batch})
    if send_finalize:
        send_task_now(FINALIZE_TASK, {"job_id": job.pk})
    return result


def stalled_jobs_resume(*, stall_after: dt.timedelta | None = None) -> int:
    """Send again the work of month jobs with no batch finished for `stall_after`; return how many jobs."""
    after = stall_after if stall_after is not None else stall_threshold()
    cutoff = timezone.now() - after
    resumed = 0
    candidates = RecomputeJob.objects.filter(kind=JobKind.MONTH, state__in=ACTIVE_STATES, requested_at__lt=cutoff)
    for job in candidates.order_by("requested_at", "pk"):
        if month_job_resume(job=job, after=after) is not None:
            resumed += 1
    # A changed-months run whose worker died: its marks are claimable again
    # after STALL_AFTER, so the next run redoes the work; close the record.
    RecomputeJob.objects.filter(kind=JobKind.CHANGED, state=JobState.RUNNING, progressed_at__lt=cutoff).update(
        state=JobState.FAILED,
        error="The worker stopped; the changed months are picked up again.",
        finished_at=timezone.now(),
    )
    return resumed


@dataclass
class ChangedResult:
    """What one run of the changed-months job did."""

    claimed: int = 0
    months: list[dt.date] = field(default_factory=list)
    reports: list[dt.date] = field(default_factory=list)


def changed_months_recompute(
    *, worker: str | None = None, limit: int = CLAIM_BATCH, stale_after: dt.timedelta = STALL_AFTER
) -> ChangedResult:
    """Claim changed marks, recompute their snapshots, release the marks, then rebuild the reports they touch.

    Claiming is a conditional update, so two workers never take the same
    mark; a mark set again during the recompute keeps its newer time and
    survives the release, so the next run picks it up.
    """
    marks = claim_changed_months(worker=worker or worker_name(), limit=limit, stale_after=stale_after)
    result = ChangedResult(claimed=len(marks))
    for month, month_marks in group_marks_by_month(marks).items():
        now = timezone.now()
        job = RecomputeJob.objects.create(
            month=month,
            kind=JobKind.CHANGED,
            state=JobState.RUNNING,
            total=len(month_marks),
            started_at=now,
            progressed_at=now,
        )
        size = batch_size()
        for i in range(0, len(month_marks), size):
            batch = month_marks[i : i + size]
            snapshots_compute(engagement_ids=[mark.engagement_id for mark in batch], month=month, marks=batch)
            RecomputeJob.objects.filter(pk=job.pk).update(done=F("done") + len(batch), progressed_at=timezone.now())
        RecomputeJob.objects.filter(pk=job.pk).update(state=JobState.DONE, finished_at=timezone.now())
        result.months.append(month)
    for month in affected_report_months(set(result.months)):
        report_build(month=month)
        result.reports.append(month)
    return result


def pending_marks_count() -> int:
    """Return how many changed marks wait for the job."""
    return ChangedMonth.objects.count()
