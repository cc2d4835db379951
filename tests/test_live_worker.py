"""A task sent through the real broker runs in a real worker process and changes the database."""

from __future__ import annotations

import pytest

from engagements.models import PendingTask, WorkerHeartbeat
from engagements.queue import resend_pending, send_task_now
from tests.conftest import wait_until

pytestmark = [pytest.mark.live_worker, pytest.mark.django_db(transaction=True)]


def test_a_heartbeat_sent_through_redis_is_recorded_by_the_worker(live_worker: str) -> None:
    assert send_task_now("engagements.heartbeat", {"hostname": f"probe-{live_worker}"}) is True
    assert wait_until(lambda: WorkerHeartbeat.objects.filter(hostname=f"probe-{live_worker}").exists())


def test_tasks_kept_while_the_broker_was_down_reach_the_worker_later(live_worker: str) -> None:
    PendingTask.objects.create(task_name="engagements.heartbeat", kwargs={"hostname": "late"}, error="down")
    assert resend_pending(limit=10) == 1
    assert not PendingTask.objects.exists()
    assert wait_until(lambda: WorkerHeartbeat.objects.filter(hostname="late").exists())
