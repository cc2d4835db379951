"""Thin Celery entry points of the reports app: ids in, one service call, retry policy said.

Every task is idempotent: snapshots and reports are upserts keyed on their
month (unchanged inputs leave rows untouched), marks are claimed with a
conditional update, progress is counted from the database and the email is
claimed once per report. Late acknowledgement (settings) redelivers a task
whose worker died; running it again is therefore harmless.
"""

from __future__ import annotations

import datetime as dt

from celery import Task, shared_task
from django.db import OperationalError

from kernel.months import add_months, current_month
from reports.hooks import recompute_started
from reports.models import JobState, RecomputeJob
from reports.services import email as email_service
from reports.services import jobs
from reports.services.builder.report import report_build
from reports.services.upgrade import outdated_months

# Polls of the finalize step before a job is declared failed (x FINALIZE_POLL_SECONDS).
FINALIZE_POLL_SECONDS = 5
FINALIZE_MAX_POLLS = 720


def _load_job(job_id: int) -> RecomputeJob | None:
    job = RecomputeJob.objects.filter(pk=job_id).first()
    if job is None or job.state in (JobState.DONE, JobState.FAILED):
        return None
    return job


# Retried on a lost database connection only (the fan-out is idempotent:
# batches upsert); a bug fails the job where people can see it.
@shared_task(
    name=jobs.COMPUTE_MONTH_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def compute_month(*, job_id: int) -> int:
    """Start a month job: send one task per engagement batch, then the finalize step."""
    job = _load_job(job_id)
    if job is None:
        return 0
    try:
        batches = jobs.month_job_start(job=job)
    except Exception as exc:
        jobs.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    for batch in batches:
        jobs.send_task_now(jobs.COMPUTE_BATCH_TASK, {"job_id": job_id, "engagement_ids": batch})
    jobs.send_task_now(jobs.FINALIZE_TASK, {"job_id": job_id})
    return len(batches)


# Retried on a lost database connection (the batch's transaction rolled
# back, the upsert is safe to repeat); any other error fails the job.
@shared_task(
    name=jobs.COMPUTE_BATCH_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=True,
)
def compute_snapshots(*, job_id: int, engagement_ids: list[int]) -> int:
    """Compute one batch of a month job's snapshots, whatever the job's state (a batch is idempotent)."""
    # Not _load_job: a batch redelivered after its job was resumed, failed or
    # finished computes the same rows again, so it is done, not dropped.
    job = RecomputeJob.objects.filter(pk=job_id).first()
    if job is None:
        return 0
    try:
        jobs.month_batch_compute(job=job, engagement_ids=engagement_ids)
    except OperationalError:
        raise
    except Exception as exc:
        jobs.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return len(engagement_ids)


# Retries are its polling: it checks the database until every snapshot of the
# month is fresh (no chord) and re-sends the missing batches of a stalled job.
# After FINALIZE_MAX_POLLS it stops polling but leaves the job running: the
# stalled-jobs resume sends the missing batches and a new finalize step later.
@shared_task(name=jobs.FINALIZE_TASK, bind=True, ignore_result=True, max_retries=FINALIZE_MAX_POLLS)
def finalize_month(self: Task, *, job_id: int) -> bool:
    """Build the month's report once all its snapshots are fresh; otherwise look again shortly."""
    job = _load_job(job_id)
    if job is None:
        return False
    eager = bool(self.request.is_eager)
    try:
        result = jobs.month_job_finalize(job=job, compute_missing=eager)
    except Exception as exc:
        jobs.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if result.finished:
        return True
    if result.stalled:
        jobs.month_job_resume(job=job, send_finalize=False)
    if self.request.retries >= FINALIZE_MAX_POLLS:
        jobs.finalize_stop(job_id=job_id, missing=len(result.missing))
        return False
    raise self.retry(countdown=FINALIZE_POLL_SECONDS)


# No retries: marks stay in the database until released, so the beat's next
# run (every few minutes) does what this one could not.
@shared_task(name=jobs.RECOMPUTE_CHANGED_TASK, ignore_result=True)
def recompute_changed() -> int:
    """Recompute the changed (engagement, month) marks and rebuild the reports they touch."""
    recompute_started()
    return jobs.changed_months_recompute().claimed


# No retries: the report is rebuilt by every job that changes its inputs.
@shared_task(name="reports.build_report", ignore_result=True)
def build_report(*, month: str) -> str:
    """Rebuild one month's report from the stored snapshots."""
    return report_build(month=dt.date.fromisoformat(month)).fingerprint


# No retries: a beat schedule; requesting again dedupes to the running job.
@shared_task(name="reports.compute_current_month", ignore_result=True)
def compute_current_month() -> int:
    """Nightly: recompute the current month and its report."""
    return jobs.recompute_month_request(current_month()).pk


# No retries: a beat schedule; the job sends the email when the report is built.
@shared_task(name="reports.compute_previous_month", ignore_result=True)
def compute_previous_month(*, send_email: bool = True) -> int:
    """On the 1st: recompute the month just ended, then email its report to Leadership."""
    return jobs.recompute_month_request(add_months(current_month(), -1), send_email=send_email).pk


# No retries: the beat runs it again a few minutes later.
@shared_task(name="reports.resume_stalled_jobs", ignore_result=True)
def resume_stalled_jobs() -> int:
    """Send again the missing batches of month jobs with no batch finished for a while (a worker died)."""
    return jobs.stalled_jobs_resume()


# No retries: a beat schedule (hourly); the next run asks again, and a month
# already queued or running dedupes to its job.
@shared_task(name="reports.recompute_outdated", ignore_result=True)
def recompute_outdated() -> int:
    """After an upgrade: queue a recompute of every month whose stored report or snapshots an older version built."""
    months = outdated_months()
    for month in months:
        jobs.recompute_month_request(month)
    return len(months)


# Retried a few times with backoff on any error (an SMTP server briefly
# away); the send is claimed per report, so a retry never mails twice.
@shared_task(name=jobs.EMAIL_TASK, ignore_result=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=60)
def send_monthly_email(*, month: str) -> int:
    """Email a month's report (HTML summary, PDF attached) to the Leadership group."""
    return email_service.monthly_email_send(month=dt.date.fromisoformat(month))


# No retries: a checklist edit; the nightly job rebuilds the current month anyway.
@shared_task(name="reports.rebuild_reports", ignore_result=True)
def rebuild_reports(*, months: list[str]) -> int:
    """Rebuild several months' reports from the stored snapshots (after a checklist change)."""
    for month in months:
        report_build(month=dt.date.fromisoformat(month))
    return len(months)
