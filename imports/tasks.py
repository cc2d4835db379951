"""Thin Celery entry points of the imports app: a job id in, one service call.

`run_job` is safe to deliver twice: a finished or cancelled job is left
alone, and an import interrupted with its worker rolled back (one
transaction), so running it again from the start writes each row once
(rows upsert on their natural key). MAX_ATTEMPTS bounds the retries.
"""

from __future__ import annotations

from celery import shared_task

from imports import jobs


# No autoretry: the job records its error for the people waiting on it; a lost
# worker's task comes back through late acknowledgement instead.
@shared_task(name=jobs.RUN_TASK, ignore_result=True)
def run_job(*, job_id: int) -> str:
    """Run one import job (a file above IMPORT_BACKGROUND_BYTES) and record its outcome."""
    return jobs.job_run(job_id=job_id).state


# No retries: the beat runs it again a few minutes later.
@shared_task(name=jobs.SWEEP_TASK, ignore_result=True)
def sweep_jobs() -> int:
    """Mark failed the jobs whose worker is gone and delete uploads kept past their day."""
    failed = jobs.stale_jobs_fail()
    jobs.old_uploads_delete()
    return failed
