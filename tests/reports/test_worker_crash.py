"""A worker killed in the middle of a month's job, then restarted, leaves the snapshots of a clean run."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from billing.services import contractor_rate_create
from engagements.services.entries import time_entry_create
from reports.demo.worked_example import build_worked_example
from reports.hooks import recompute_deferred
from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services import recompute_month_request, report_build, snapshots_compute
from tests.conftest import wait_until
from tests.factories import ContractorFactory, EngagementFactory

APRIL = dt.date(2026, 4, 1)
pytestmark = [pytest.mark.slow, pytest.mark.live_worker, pytest.mark.django_db(transaction=True)]


def _figures() -> list[tuple]:
    return sorted(
        (s.engagement_id, s.month, s.fingerprint, tuple(sorted(s.figures().items())))
        for s in MonthlySnapshot.objects.filter(month=APRIL)
    )


def _state(job: RecomputeJob, worker) -> str:
    job = RecomputeJob.objects.get(pk=job.pk)
    fields = ("state", "done", "total", "started_at", "progressed_at", "resumed_at", "error")
    return " ".join(f"{name}={getattr(job, name)!r}" for name in fields) + "\n" + worker.log_tail()


def _record_facts() -> list[int]:
    with recompute_deferred():
        example = build_worked_example()
        ids = [example.augmented.pk, example.msp.pk]
        for n in range(4):
            contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))
            contractor_rate_create(
                contractor=contractor, hourly_rate=Decimal(60 + n), effective_from=dt.date(2026, 1, 1)
            )
            time_entry_create(contractor=contractor, date=dt.date(2026, 4, 8), hours=Decimal("7.25"))
            ids.append(contractor.engagement_id)
    return ids


def test_a_worker_killed_mid_job_and_restarted_leaves_snapshots_identical_to_a_clean_run(
    restartable_worker, new_york
) -> None:
    ids = _record_facts()
    # Batches of 2 engagements, each sleeping 10 s inside its transaction: long enough
    # that a loaded CI machine still kills the worker in the middle of the second one.
    restartable_worker.start(
        REPORTS_SNAPSHOT_BATCH_DELAY="10", REPORTS_SNAPSHOT_BATCH="2", TIME_ZONE="America/New_York"
    )
    job = recompute_month_request(APRIL)
    assert wait_until(lambda: RecomputeJob.objects.get(pk=job.pk).done >= 2, timeout=60), _state(
        job, restartable_worker
    )
    time.sleep(2)  # the second batch is now inside its transaction
    restartable_worker.kill()

    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert MonthlySnapshot.objects.filter(month=APRIL).count() < len(ids)
    assert not ComparisonReport.objects.filter(month=APRIL).exists()

    # The killed batch is redelivered (late acknowledgement), the rest was still queued.
    restartable_worker.start(TIME_ZONE="America/New_York")
    assert wait_until(lambda: RecomputeJob.objects.get(pk=job.pk).state == JobState.DONE, timeout=120), _state(
        job, restartable_worker
    )
    after_crash = _figures()
    crash_report = ComparisonReport.objects.get(month=APRIL).payload
    assert len(after_crash) == len(ids)

    # A clean run, from nothing, in this process.
    restartable_worker.stop()
    MonthlySnapshot.objects.all().delete()
    ComparisonReport.objects.all().delete()
    snapshots_compute(engagement_ids=ids, month=APRIL)
    clean_report = report_build(month=APRIL).payload
    assert _figures() == after_crash
    assert clean_report == crash_report
