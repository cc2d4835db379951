"""A month job whose worker died (batches lost) is found stalled and completed, in-process on any database.

The crash is simulated: the job starts, only some of its batches run, the
finalize step keeps polling, and time moves on. Stalled means "no batch
finished for stall_threshold()", so polls do not hide a stall; the resume
sends exactly the missing batches; a batch delivered for a failed job is
still computed; a finalize step that stops polling leaves the job resumable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from engagements.models import ChangedMonth
from reports import tasks
from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services import (
    jobs,
    month_job_finalize,
    month_job_start,
    recompute_month_request,
    report_build,
    snapshots_compute,
)

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db
# Past the default stall threshold (jobs.STALL_AFTER, 10 minutes).
LATER = dt.timedelta(minutes=11)


def _figures() -> list[tuple]:
    """Every April snapshot's figures and fingerprint (computed/verified times say only when)."""
    return sorted(
        (s.engagement_id, s.currency, s.fingerprint, tuple(sorted(s.figures().items())))
        for s in MonthlySnapshot.objects.filter(month=APRIL)
    )


def _clean_run(ids: list[int]) -> tuple[list[tuple], dict]:
    """The snapshots and report of April computed from nothing, in one go."""
    MonthlySnapshot.objects.all().delete()
    ComparisonReport.objects.all().delete()
    snapshots_compute(engagement_ids=ids, month=APRIL)
    return _figures(), report_build(month=APRIL).payload


def _crashed_job(ran: int) -> tuple[RecomputeJob, list[list[int]]]:
    """A started month job of which only the first `ran` batches finished (the rest died with the worker)."""
    # In a test transaction the on-commit send never happens: the job is started by hand.
    job = recompute_month_request(APRIL)
    batches = month_job_start(job=job)
    for batch in batches[:ran]:
        tasks.compute_snapshots(job_id=job.pk, engagement_ids=batch)
    job.refresh_from_db()
    return job, batches


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """Record every task the jobs send (they still run, in-process)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = jobs.send_task_now

    def record(name: str, kwargs: dict[str, Any], **extra: Any) -> bool:
        calls.append((name, kwargs))
        return original(name, kwargs, **extra)

    monkeypatch.setattr(jobs, "send_task_now", record)
    return calls


def test_a_job_whose_batches_died_is_resumed_with_only_the_missing_batches_and_matches_a_clean_run(
    april_engagements, sent
) -> None:
    job, batches = _crashed_job(ran=1)
    assert len(batches) == 3
    assert (job.state, job.done, job.total) == (JobState.RUNNING, 2, 6)
    lost = sorted(pk for batch in batches[1:] for pk in batch)

    # Not stalled yet: a batch finished a moment ago.
    assert tasks.resume_stalled_jobs() == 0
    with time_machine.travel(timezone.now() + LATER):
        assert tasks.resume_stalled_jobs() == 1

    resent = [kwargs for name, kwargs in sent if name == jobs.COMPUTE_BATCH_TASK]
    assert sorted(pk for kwargs in resent for pk in kwargs["engagement_ids"]) == lost
    assert all(kwargs["job_id"] == job.pk for kwargs in resent)
    assert [name for name, _ in sent if name != jobs.COMPUTE_BATCH_TASK] == [jobs.FINALIZE_TASK]
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.error) == (JobState.DONE, 6, 6, "")
    assert job.resumed_at is not None

    recovered, recovered_report = _figures(), ComparisonReport.objects.get(month=APRIL).payload
    assert len(recovered) == 6
    # The killed batch redelivered late (Redis's visibility timeout) is computed again and changes nothing.
    assert tasks.compute_snapshots(job_id=job.pk, engagement_ids=batches[1]) == 2
    assert _figures() == recovered
    job.refresh_from_db()
    assert (job.state, job.done) == (JobState.DONE, 6)
    assert _clean_run(april_engagements) == (recovered, recovered_report)


def test_finalize_polls_do_not_count_as_progress(april_engagements) -> None:
    job, _ = _crashed_job(ran=1)
    last_batch = job.progressed_at
    start = timezone.now()
    # The finalize step polls every few seconds while the lost batches never come.
    for minutes in (2, 5, 8, 11):
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            result = month_job_finalize(job=job)
            assert not result.finished and len(result.missing) == 4
    job.refresh_from_db()
    assert job.progressed_at == last_batch
    assert job.done == 2
    with time_machine.travel(start + LATER):
        assert month_job_finalize(job=job).stalled
        assert tasks.resume_stalled_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_a_batch_delivered_for_a_failed_job_is_computed(april_engagements) -> None:
    job, batches = _crashed_job(ran=0)
    jobs.job_fail(job_id=job.pk, error="RuntimeError: a batch failed")
    late = batches[1]
    assert tasks.compute_snapshots(job_id=job.pk, engagement_ids=late) == len(late)
    assert sorted(MonthlySnapshot.objects.filter(month=APRIL).values_list("engagement_id", flat=True)) == late
    job.refresh_from_db()
    assert (job.state, job.done) == (JobState.FAILED, 2)
    # A failed job builds no report: the batch leaves the marks to the changed-months job, which does.
    assert ChangedMonth.objects.filter(engagement_id__in=late, month=APRIL).count() == len(late)


def test_a_finalize_step_that_stops_polling_leaves_the_month_to_the_next_resume(april_engagements, sent) -> None:
    job, batches = _crashed_job(ran=2)
    # The finalize step's last poll (as if run by a worker: not eager, polls exhausted).
    tasks.finalize_month.push_request(retries=tasks.FINALIZE_MAX_POLLS, is_eager=False)
    try:
        assert tasks.finalize_month.run(job_id=job.pk) is False
    finally:
        tasks.finalize_month.pop_request()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert "Stopped waiting for 2 engagement snapshots" in job.error
    assert not ComparisonReport.objects.filter(month=APRIL).exists()

    with time_machine.travel(timezone.now() + LATER):
        assert tasks.resume_stalled_jobs() == 1
    assert [kwargs["engagement_ids"] for name, kwargs in sent if name == jobs.COMPUTE_BATCH_TASK] == [batches[2]]
    job.refresh_from_db()
    assert (job.state, job.done, job.error) == (JobState.DONE, 6, "")
    assert ComparisonReport.objects.filter(month=APRIL).exists()


def test_a_resume_is_sent_once_and_restarts_the_wait(april_engagements, monkeypatch, settings) -> None:
    settings.REPORTS_JOB_STALL_MINUTES = 3
    assert jobs.stall_threshold() == dt.timedelta(minutes=3)
    calls: list[str] = []
    monkeypatch.setattr(jobs, "send_task_now", lambda name, kwargs: calls.append(name) or True)
    job, _ = _crashed_job(ran=1)
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(minutes=2)):
        assert tasks.resume_stalled_jobs() == 0
    with time_machine.travel(start + dt.timedelta(minutes=4)):
        assert tasks.resume_stalled_jobs() == 1
        # A second beat, or the finalize step, in the same window finds it claimed.
        assert tasks.resume_stalled_jobs() == 0
        job.refresh_from_db()
        assert jobs.month_job_resume(job=job) is None
    with time_machine.travel(start + dt.timedelta(minutes=6)):
        assert tasks.resume_stalled_jobs() == 0  # the resent work still has time
    with time_machine.travel(start + dt.timedelta(minutes=8)):
        assert tasks.resume_stalled_jobs() == 1  # nothing came of it: again
    assert calls == [jobs.COMPUTE_BATCH_TASK, jobs.COMPUTE_BATCH_TASK, jobs.FINALIZE_TASK] * 2


def test_a_job_that_never_started_is_sent_again_whole(april_engagements, sent) -> None:
    job = recompute_month_request(APRIL)  # its month task was lost with the worker
    with time_machine.travel(timezone.now() + LATER):
        assert tasks.resume_stalled_jobs() == 1
    assert sent[0] == (jobs.COMPUTE_MONTH_TASK, {"job_id": job.pk})
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert MonthlySnapshot.objects.filter(month=APRIL).count() == 6
