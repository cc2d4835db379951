"""The report jobs: a whole month (fan out, then a re-runnable finalize) and the changed months.

No chord: the finalize step checks in the database whether every snapshot
of the month was verified since the job started, so it can run any number
of times, after any crash, and decide again.
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
# (its worker died); well above the time one batch takes.
STALL_AFTER = dt.timedelta(minutes=10)

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
    now = timezone.now()
    # The database's clock: snapshots are verified against it (see snapshots_compute).
    RecomputeJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=Now())
    RecomputeJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, total=len(ids), progressed_at=now)
    job.refresh_from_db()
    if job.engagement_id is None:
        # Engagements no longer active in the month (dates changed) lose their snapshot.
        stale = MonthlySnapshot.objects.filter(month=job.month).exclude(engagement_id__in=ids)
        gone = list(stale.values_list("engagement_id", flat=True))
        if gone:
            snapshots_compute(engagement_ids=gone, month=job.month)
    return chunks(ids)


def month_batch_compute(*, job: RecomputeJob, engagement_ids: list[int]) -> None:
    """Compute one batch of a job's snapshots and record the job's progress."""
    snapshots_compute(engagement_ids=engagement_ids, month=job.month)
    _record_progress(job)


def _record_progress(job: RecomputeJob) -> set[int]:
    # Progress is counted from the snapshots, not incremented: a batch run
    # twice (redelivered after a crash) does not count twice.
    ids = _job_engagements(job)
    fresh = snapshots_fresh_since(month=job.month, engagement_ids=ids, since=job.started_at or job.requested_at)
    RecomputeJob.objects.filter(pk=job.pk).update(
        done=min(len(fresh), len(ids)), total=len(ids), progressed_at=timezone.now()
    )
    return set(ids) - fresh


@dataclass
class FinalizeResult:
    """Whether the month's report was built, and what is still missing otherwise."""

    finished: bool
    missing: list[int] = field(default_factory=list)
    stalled: bool = False


def month_job_finalize(*, job: RecomputeJob, compute_missing: bool = False) -> FinalizeResult:
    """Build the month's report once every snapshot was verified since the job started; safe to rerun.

    With compute_missing (no broker: everything in-process), missing
    snapshots are computed here instead of waiting for their batches.
    """
    if job.state in (JobState.DONE, JobState.FAILED):
        return FinalizeResult(finished=job.state == JobState.DONE)
    missing = sorted(_record_progress(job))
    if missing and compute_missing:
        for batch in chunks(missing):
            snapshots_compute(engagement_ids=batch, month=job.month)
        missing = sorted(_record_progress(job))
    if missing:
        job.refresh_from_db()
        stalled = job.progressed_at is not None and timezone.now() - job.progressed_at > STALL_AFTER
        return FinalizeResult(finished=False, missing=missing, stalled=stalled)
    report_build(month=job.month)
    # Later reports show this month in their trends: rebuild the stored ones.
    for later in affected_report_months({job.month}):
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


def resend_missing_batches(*, job: RecomputeJob, missing: list[int]) -> int:
    """Send again the batches of a stalled job's missing engagements; return how many batches."""
    batches = chunks(missing)
    for batch in batches:
        send_task_now(COMPUTE_BATCH_TASK, {"job_id": job.pk, "engagement_ids": batch})
    RecomputeJob.objects.filter(pk=job.pk).update(progressed_at=timezone.now())
    return len(batches)


def stalled_jobs_resume(*, stall_after: dt.timedelta = STALL_AFTER) -> int:
    """Send again the work of month jobs whose worker died (no progress for a while); return how many."""
    cutoff = timezone.now() - stall_after
    resumed = 0
    for job in RecomputeJob.objects.filter(kind=JobKind.MONTH, state__in=[JobState.QUEUED, JobState.RUNNING]).filter(
        requested_at__lt=cutoff
    ):
        if job.progressed_at is not None and job.progressed_at >= cutoff:
            continue
        # Claim the resume with a conditional update, so two beats never resend the same job.
        won = RecomputeJob.objects.filter(pk=job.pk, progressed_at=job.progressed_at).update(
            progressed_at=timezone.now()
        )
        if won:
            send_task_now(COMPUTE_MONTH_TASK, {"job_id": job.pk})
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
