"""The whole worker (main process and pool) killed mid-month and restarted: the resume completes the month.

On PostgreSQL + Redis with a real worker (CI's live stage). The worker's
visibility timeout is an hour, as in production, so the batch killed in
flight is not redelivered while the test runs: only the stalled-jobs resume
can bring it back. The finalize step keeps polling meanwhile (every
FINALIZE_POLL_SECONDS, shorter than the test's stall threshold), which must
not hide the stall.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services import jobs, recompute_month_request, report_build, snapshots_compute
from reports.tasks import FINALIZE_POLL_SECONDS
from tests.conftest import wait_until

APRIL = dt.date(2026, 4, 1)
# Longer than a finalize poll's interval, far shorter than production's 10 minutes.
STALL = dt.timedelta(seconds=FINALIZE_POLL_SECONDS + 3)
pytestmark = [pytest.mark.slow, pytest.mark.live_worker, pytest.mark.django_db(transaction=True)]


def _figures() -> list[tuple]:
    return sorted(
        (s.engagement_id, s.currency, s.fingerprint, tuple(sorted(s.figures().items())))
        for s in MonthlySnapshot.objects.filter(month=APRIL)
    )


def _job() -> RecomputeJob:
    return RecomputeJob.objects.get(month=APRIL)


def test_the_whole_worker_killed_mid_month_is_resumed_and_matches_a_clean_run(
    restartable_worker, april_engagements, monkeypatch
) -> None:
    worker_env = {"REPORTS_SNAPSHOT_BATCH": "2", "TIME_ZONE": "America/New_York", "TEST_VISIBILITY_TIMEOUT": "3600"}
    # A prefork worker (main process + pool child), batches of 2 engagements sleeping 5 s in their transaction.
    restartable_worker.start(pool="prefork", concurrency=1, REPORTS_SNAPSHOT_BATCH_DELAY="5", **worker_env)
    job = recompute_month_request(APRIL)
    assert wait_until(lambda: _job().done >= 2, timeout=30), restartable_worker.log_tail()
    time.sleep(1)  # the second batch is inside its transaction
    restartable_worker.kill_group()

    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    lost = set(april_engagements) - set(
        MonthlySnapshot.objects.filter(month=APRIL).values_list("engagement_id", flat=True)
    )
    assert 0 < len(lost) < len(april_engagements)
    assert not ComparisonReport.objects.filter(month=APRIL).exists()

    # Restarted: the batches still queued and the finalize step run; the killed batch stays lost.
    restartable_worker.start(pool="prefork", concurrency=1, **worker_env)
    sent: list[tuple[str, dict[str, Any]]] = []
    send = jobs.send_task_now

    def record(name: str, kwargs: dict[str, Any]) -> bool:
        sent.append((name, kwargs))
        return send(name, kwargs)

    monkeypatch.setattr(jobs, "send_task_now", record)
    resumes: list[int] = []

    def beat_until_done() -> bool:
        resumes.append(jobs.stalled_jobs_resume(stall_after=STALL))
        return _job().state == JobState.DONE

    assert wait_until(beat_until_done, timeout=40, interval=1), f"{_job()}\n{restartable_worker.log_tail()}"
    assert sum(resumes) == 1
    resent = {pk for name, kwargs in sent if name == jobs.COMPUTE_BATCH_TASK for pk in kwargs["engagement_ids"]}
    # Only engagements the crash left without a snapshot, at least the killed batch's.
    assert resent <= lost
    assert jobs.COMPUTE_MONTH_TASK not in {name for name, _ in sent}
    job.refresh_from_db()
    assert (job.done, job.total, job.error) == (len(april_engagements), len(april_engagements), "")
    after_crash = _figures()
    crash_report = ComparisonReport.objects.get(month=APRIL).payload
    assert len(after_crash) == len(april_engagements)

    # A clean run, from nothing, in this process.
    restartable_worker.stop()
    MonthlySnapshot.objects.all().delete()
    ComparisonReport.objects.all().delete()
    snapshots_compute(engagement_ids=april_engagements, month=APRIL)
    assert _figures() == after_crash
    assert report_build(month=APRIL).payload == crash_report
