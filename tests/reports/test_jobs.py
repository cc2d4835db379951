"""The report jobs: idempotent, exclusive claims, marks set again survive, late data, closed months, the email."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.forms.models import model_to_dict

from billing.services import period_close
from engagements.models import ChangedMonth, Contractor
from engagements.services.entries import time_entry_create
from engagements.services.marks import claim_changed_months, mark_months_changed
from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services import (
    changed_months_recompute,
    recompute_month_request,
    report_build,
    snapshots_compute,
)
from reports.services import snapshots as snapshot_service
from reports.services.email import monthly_email_send
from reports.services.jobs import month_job_finalize
from reports.tasks import compute_previous_month
from tests.reports.pdf import pdf_text

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def _state() -> tuple[list[dict], list[dict]]:
    """Return every stored figure and report (verified_at only says when a job last looked)."""
    snapshots = [
        {k: v for k, v in model_to_dict(s).items() if k != "verified_at"} | {"computed_at": s.computed_at}
        for s in MonthlySnapshot.objects.order_by("pk")
    ]
    reports = [
        {"payload": r.payload, "fingerprint": r.fingerprint, "computed_at": r.computed_at}
        for r in ComparisonReport.objects.order_by("pk")
    ]
    return snapshots, reports


def _run_month_job(django_capture_on_commit_callbacks, **kwargs) -> RecomputeJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = recompute_month_request(APRIL, **kwargs)
    job.refresh_from_db()
    return job


def test_a_month_job_computes_every_snapshot_then_the_report(
    worked_example, django_capture_on_commit_callbacks
) -> None:
    job = _run_month_job(django_capture_on_commit_callbacks)
    assert job.state == JobState.DONE
    assert (job.done, job.total) == (2, 2)
    assert MonthlySnapshot.objects.filter(month=APRIL).count() == 2
    report = ComparisonReport.objects.get(month=APRIL)
    assert report.payload["overall"]["managed"]["figures"]["total_cost"] == "6340.00"
    # The job consumed the month's changed marks left by the facts.
    assert not ChangedMonth.objects.filter(month=APRIL).exists()


def test_rerunning_the_month_job_changes_nothing(worked_example, django_capture_on_commit_callbacks) -> None:
    _run_month_job(django_capture_on_commit_callbacks)
    changed_months_recompute()  # the later months the facts marked (the MSP runs on)
    before = _state()
    _run_month_job(django_capture_on_commit_callbacks)
    report_build(month=APRIL)
    changed_months_recompute()
    assert _state() == before


def test_the_finalize_step_can_run_any_number_of_times(worked_example, django_capture_on_commit_callbacks) -> None:
    job = _run_month_job(django_capture_on_commit_callbacks)
    before = _state()
    assert month_job_finalize(job=job).finished
    assert month_job_finalize(job=job).finished
    assert _state() == before


def test_finalize_waits_until_every_snapshot_is_fresh(worked_example) -> None:
    job = RecomputeJob.objects.create(month=APRIL, state=JobState.RUNNING, started_at=dt.datetime.now(dt.UTC))
    result = month_job_finalize(job=job)
    assert not result.finished and len(result.missing) == 2
    assert not ComparisonReport.objects.exists()
    snapshots_compute(engagement_ids=result.missing, month=APRIL)
    assert month_job_finalize(job=job).finished
    assert ComparisonReport.objects.filter(month=APRIL).exists()


def test_rerunning_the_changed_months_job_changes_nothing(worked_example) -> None:
    first = changed_months_recompute()
    assert first.claimed >= 2
    report_build(month=APRIL)
    before = _state()
    mark_months_changed([(worked_example.msp.pk, APRIL)], reason="touched, nothing changed")
    assert changed_months_recompute().claimed == 1
    assert _state() == before


def test_claiming_is_exclusive_between_workers(worked_example) -> None:
    taken = claim_changed_months(worker="worker-a", limit=100, stale_after=dt.timedelta(minutes=10))
    assert taken
    result = changed_months_recompute(worker="worker-b")
    assert result.claimed == 0
    assert ChangedMonth.objects.filter(claimed_by="worker-a").count() == len(taken)


def test_a_mark_set_again_during_a_recompute_survives(worked_example, monkeypatch) -> None:
    changed_months_recompute()
    mark_months_changed([(worked_example.msp.pk, APRIL)], reason="late fact")
    original = snapshot_service.collect_inputs

    def collect_while_a_fact_arrives(ids, month):
        inputs = original(ids, month)
        mark_months_changed([(worked_example.msp.pk, APRIL)], reason="written during the recompute")
        return inputs

    monkeypatch.setattr(snapshot_service, "collect_inputs", collect_while_a_fact_arrives)
    assert changed_months_recompute().claimed == 1
    mark = ChangedMonth.objects.get(engagement=worked_example.msp, month=APRIL)
    assert mark.reason == "written during the recompute"
    assert mark.claimed_at is None
    monkeypatch.setattr(snapshot_service, "collect_inputs", original)
    assert changed_months_recompute().claimed == 1
    assert not ChangedMonth.objects.exists()


def test_late_data_in_an_open_past_month_reaches_its_report_after_the_next_run(worked_example) -> None:
    changed_months_recompute()
    report_build(month=APRIL)
    contractor = Contractor.objects.get(name="Contractor B")
    time_entry_create(contractor=contractor, date=dt.date(2026, 4, 20), hours=Decimal("2.00"))
    assert ChangedMonth.objects.filter(month=APRIL).exists()
    result = changed_months_recompute()
    assert result.reports == [APRIL]
    staff = ComparisonReport.objects.get(month=APRIL).payload["overall"]["staff_aug"]["figures"]
    assert staff["labor_cost"] == "3292.50"  # + 2.00 h x 70.00


def test_a_closed_month_does_not_move(worked_example, superuser, monkeypatch) -> None:
    changed_months_recompute()
    period_close(month=APRIL, user=superuser)
    before = list(MonthlySnapshot.objects.filter(month=APRIL).values())
    asked: list[list[int]] = []
    original = snapshot_service.collect_inputs
    monkeypatch.setattr(
        snapshot_service, "collect_inputs", lambda ids, month: asked.append(list(ids)) or original(ids, month)
    )
    mark_months_changed([(worked_example.augmented.pk, APRIL)], reason="closed month touched")
    changed_months_recompute()
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    assert asked == [[], []]
    after = list(MonthlySnapshot.objects.filter(month=APRIL).values())
    assert [{k: v for k, v in row.items() if k != "verified_at"} for row in after] == [
        {k: v for k, v in row.items() if k != "verified_at"} for row in before
    ]


def test_a_write_queues_the_recompute_after_commit(worked_example, django_capture_on_commit_callbacks) -> None:
    changed_months_recompute()
    report_build(month=APRIL)
    contractor = Contractor.objects.get(name="Contractor A")
    # The fixture's writes would have committed by now: forget their callbacks.
    connection.run_on_commit.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, 21), hours=Decimal("1.00"))
    assert len([c for c in callbacks if getattr(c, "__name__", "") == "_send_recompute"]) == 1
    assert not ChangedMonth.objects.exists()
    staff = ComparisonReport.objects.get(month=APRIL).payload["overall"]["staff_aug"]["figures"]
    assert staff["labor_cost"] == "3242.50"  # + 1.00 h x 90.00


def test_the_monthly_email_goes_to_leadership_with_the_pdf(worked_example, leadership_user, operations_user) -> None:
    leadership_user.email = "lead@example.com"
    leadership_user.save()
    operations_user.email = "ops@example.com"
    operations_user.save()
    changed_months_recompute()
    report_build(month=APRIL)
    assert monthly_email_send(month=APRIL) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lead@example.com"]
    assert "April 2026" in message.subject
    assert "/reports/2026-04/" in message.alternatives[0][0]
    filename, content, mimetype = message.attachments[0]
    assert filename == "delivery-report-2026-04.pdf"
    assert mimetype == "application/pdf"
    text = pdf_text(content)
    assert "Delivery model comparison: April 2026" in text
    assert "Total cost\n4,192.50\n6,340.00" in text
    # Sent once: a redelivered task does not mail again.
    assert monthly_email_send(month=APRIL) == 0
    assert len(mail.outbox) == 1


def test_the_first_of_the_month_job_computes_the_previous_month_then_emails_it(
    worked_example, leadership_user, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    leadership_user.email = "lead@example.com"
    leadership_user.save()
    monkeypatch.setattr("reports.tasks.current_month", lambda: dt.date(2026, 5, 1))
    with django_capture_on_commit_callbacks(execute=True):
        compute_previous_month(send_email=True)
    assert ComparisonReport.objects.filter(month=APRIL).exists()
    assert len(mail.outbox) == 1
