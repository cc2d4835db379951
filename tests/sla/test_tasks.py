"""The SLA app's Celery entry points: thin, idempotent, and scheduled."""

from __future__ import annotations

import datetime as dt

import pytest
from django_celery_beat.models import PeriodicTask

from engagements.queue import send_task_now
from sla.models import Ticket
from tests.sla.factories import SLAAssignmentFactory, ny

pytestmark = pytest.mark.django_db


def test_the_refresh_task_recomputes_an_engagements_clocks_from_a_date() -> None:
    engagement = SLAAssignmentFactory().engagement
    Ticket.objects.bulk_create(
        [
            Ticket(
                engagement=engagement,
                priority="P1",
                category="incident",
                opened_at=ny(2026, 4, 1, 10),
                first_response_at=ny(2026, 4, 1, 10, 5),
                resolved_at=ny(2026, 4, 1, 12),
            )
        ]
    )
    assert send_task_now("sla.refresh_ticket_clocks", {"engagement_ids": [engagement.pk], "since": "2026-03-01"})
    assert Ticket.objects.get().resolution_met is True


def test_the_refresh_task_exits_quietly_when_the_engagement_is_gone() -> None:
    from sla.tasks import refresh_ticket_clocks

    assert refresh_ticket_clocks.apply(kwargs={"engagement_ids": [999_999], "since": "2026-03-01"}).get() == 0


def test_the_running_clocks_job_is_in_the_beat_schedule() -> None:
    job = PeriodicTask.objects.get(task="sla.refresh_running_clocks")
    assert job.enabled and job.interval.every == 15


def test_the_running_clocks_job_breaches_an_overdue_ticket(time_machine) -> None:
    from sla.tasks import refresh_running_clocks

    time_machine.move_to(dt.datetime(2026, 5, 12, 15, tzinfo=dt.UTC))
    engagement = SLAAssignmentFactory().engagement
    Ticket.objects.bulk_create(
        [
            Ticket(
                engagement=engagement,
                priority="P1",
                category="incident",
                opened_at=dt.datetime(2026, 5, 10, 15, tzinfo=dt.UTC),
            )
        ]
    )
    assert refresh_running_clocks.apply().get() == 1
    assert Ticket.objects.breached().count() == 1
