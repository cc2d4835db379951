"""Without a broker a save answers before the recompute it asks for, which runs once the response is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from celery import Celery
from django.core.signals import request_finished

from engagements.models import ChangedMonth
from engagements.queue import _open_request, run_after_response, send_task_now, wait_for_background_tasks
from reports.models import MonthlySnapshot
from tests.factories import ContractorFactory, EngagementFactory, TimeEntryFactory

RUN_AFTER_RESPONSE = "engagements.queue.run_after_response"


class Recorder:
    """An in-process Celery app whose one task records its calls (and fails on request)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.app = Celery("recorder", set_as_current=False)
        self.app.conf.task_always_eager = True

        @self.app.task(name="probe.record", shared=False)
        def record(**kwargs: Any) -> None:
            if kwargs.get("fail"):
                raise RuntimeError("boom")
            self.calls.append(kwargs)
            if kwargs.get("chain"):
                # A task sending another from inside the after-response run: that one runs at once.
                send_task_now("probe.record", {"chained": True}, app=self.app, after_response=True)


@pytest.fixture
def in_a_request() -> Iterator[None]:
    _open_request()
    try:
        yield
    finally:
        run_after_response()


def test_inside_a_request_the_task_waits_for_the_response_and_runs_once(in_a_request) -> None:
    recorder = Recorder()
    for _ in range(3):
        assert send_task_now("probe.record", {"month": "2026-04"}, app=recorder.app, after_response=True)
    assert recorder.calls == []
    run_after_response()
    assert recorder.calls == [{"month": "2026-04"}]


def test_a_task_sent_without_after_response_still_runs_at_once(in_a_request) -> None:
    recorder = Recorder()
    send_task_now("probe.record", {"now": True}, app=recorder.app)
    assert recorder.calls == [{"now": True}]


def test_outside_a_request_the_task_runs_at_once() -> None:
    recorder = Recorder()
    send_task_now("probe.record", {"job": 1}, app=recorder.app, after_response=True)
    assert recorder.calls == [{"job": 1}]


def test_a_failure_after_the_response_is_logged_and_the_rest_still_runs(in_a_request, caplog) -> None:
    recorder = Recorder()
    send_task_now("probe.record", {"fail": True}, app=recorder.app, after_response=True)
    send_task_now("probe.record", {"chain": True}, app=recorder.app, after_response=True)
    run_after_response()
    assert recorder.calls == [{"chain": True}, {"chained": True}]
    assert "failed after the response" in caplog.text


def test_with_a_broker_the_task_is_sent_at_once(in_a_request, monkeypatch) -> None:
    app = Celery("broker", set_as_current=False)
    app.conf.task_always_eager = False
    sent: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kwargs: sent.append(name))
    assert send_task_now("probe.record", {}, app=app, after_response=True)
    assert sent == ["probe.record"]


@pytest.fixture
def marks_when_the_response_is_handed() -> Iterator[list[int]]:
    """Count the changed-month marks when the server closes the response, before the queued work runs."""
    seen: list[int] = []

    def handed(**_: Any) -> None:
        seen.append(ChangedMonth.objects.count())

    request_finished.disconnect(dispatch_uid=RUN_AFTER_RESPONSE)
    request_finished.connect(handed, weak=False, dispatch_uid="test.handed")
    request_finished.connect(run_after_response, dispatch_uid=RUN_AFTER_RESPONSE)
    try:
        yield seen
    finally:
        request_finished.disconnect(dispatch_uid="test.handed")


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_answers_before_the_recompute_and_the_month_is_fresh_after(
    operations_client, marks_when_the_response_is_handed
) -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 4, 1)))
    entry = TimeEntryFactory(contractor=contractor, date=dt.date(2026, 4, 6), hours=Decimal("7.50"))
    ChangedMonth.objects.all().delete()

    response = operations_client.post(
        f"/admin/engagements/timeentry/{entry.pk}/change/",
        {
            "contractor": contractor.pk,
            "date": "2026-04-06",
            "hours": "6.50",
            "description": "",
            "source": "",
            "external_id": "",
        },
    )

    assert response.status_code == 302
    # The response was complete while the month was still marked: the recompute had not run yet.
    assert marks_when_the_response_is_handed[-1] == 1
    # Then it ran, after the response: the mark is gone and the month's snapshot counts the new hours.
    assert not ChangedMonth.objects.exists()
    snapshot = MonthlySnapshot.objects.get(engagement=contractor.engagement, month=dt.date(2026, 4, 1))
    assert snapshot.hours == Decimal("6.50")


@pytest.mark.django_db(transaction=True)
def test_on_a_real_server_the_recompute_runs_on_the_background_thread(
    operations_client, marks_when_the_response_is_handed, settings
) -> None:
    # What runserver and gunicorn do without a broker: the request's thread is free as soon as the response
    # is sent, so the redirect after the save (often on the same keep-alive connection) does not wait.
    settings.AFTER_RESPONSE_TASKS = "thread"
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 4, 1)))
    entry = TimeEntryFactory(contractor=contractor, date=dt.date(2026, 4, 6), hours=Decimal("7.50"))
    ChangedMonth.objects.all().delete()

    response = operations_client.post(
        f"/admin/engagements/timeentry/{entry.pk}/change/",
        {
            "contractor": contractor.pk,
            "date": "2026-04-06",
            "hours": "5.25",
            "description": "",
            "source": "",
            "external_id": "",
        },
    )
    wait_for_background_tasks()

    assert response.status_code == 302 and marks_when_the_response_is_handed[-1] == 1
    assert not ChangedMonth.objects.exists()
    snapshot = MonthlySnapshot.objects.get(engagement=contractor.engagement, month=dt.date(2026, 4, 1))
    assert snapshot.hours == Decimal("5.25")
