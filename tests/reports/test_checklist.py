"""The decision checklist: saved answers reach the reports with their recommendation and contradictions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from engagements.models import ServiceArea
from reports.models import ComparisonReport, JobState, RecomputeJob
from reports.services import report_build, snapshots_compute
from reports.services.checklists import checklist_set

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def april_report(worked_example):
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


def test_a_saved_checklist_shows_its_recommendation_in_the_reports(
    april_report, django_capture_on_commit_callbacks
) -> None:
    area = ServiceArea.objects.get(name="Help desk")
    with django_capture_on_commit_callbacks(execute=True):
        checklist_set(
            service_area=area,
            short_term=False,
            offload_downtime_risk=True,
            predictable_cost=True,
            internal_manager=True,
            specific_skill_short=False,
        )
    checklist = ComparisonReport.objects.get(month=APRIL).payload["service_areas"][0]["checklist"]
    assert checklist["recommendation"] == "managed"
    assert checklist["managed_votes"] == 4
    assert checklist["contradictions"] == []


def test_the_report_says_where_the_data_contradicts_the_checklist(
    april_report, django_capture_on_commit_callbacks
) -> None:
    area = ServiceArea.objects.get(name="Help desk")
    with django_capture_on_commit_callbacks(execute=True):
        # No internal manager, yet 4.50 h of supervision and onboarding were recorded on the staff aug side.
        checklist_set(service_area=area, internal_manager=False)
    checklist = ComparisonReport.objects.get(month=APRIL).payload["service_areas"][0]["checklist"]
    assert checklist["recommendation"] == "managed"
    assert any("4.50 h of internal oversight" in text for text in checklist["contradictions"])


def test_operations_can_ask_for_a_recompute_from_the_page(
    operations_client, april_report, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = operations_client.post(reverse("reports:recompute", kwargs={"month": "2026-04"}))
    assert response.status_code == 302
    assert RecomputeJob.objects.get(month=APRIL).state == JobState.DONE


def test_leadership_cannot_ask_for_a_recompute(leadership_client, april_report) -> None:
    assert leadership_client.post(reverse("reports:recompute", kwargs={"month": "2026-04"})).status_code == 403
    assert not RecomputeJob.objects.exists()


def test_a_running_job_shows_its_progress_on_the_month_page(leadership_client, april_report) -> None:
    RecomputeJob.objects.create(month=APRIL, state=JobState.RUNNING, total=4, done=1)
    html = leadership_client.get(reverse("reports:month", kwargs={"month": "2026-04"})).content.decode()
    assert 'data-job-state="running"' in html
    assert "1 / 4 engagements" in html
    assert 'http-equiv="refresh"' in html
