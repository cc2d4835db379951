"""The broker is never in the way of a save: a down or hanging Redis loses nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from celery import Celery

from engagements.models import PendingTask
from engagements.queue import resend_pending, send_task_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _broker_url_from_conf_only(monkeypatch) -> None:
    # Celery prefers the CELERY_BROKER_URL environment variable over its
    # configuration; these tests point apps at other brokers through conf.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)


def app_with_broker(url: str) -> Celery:
    """A Celery app configured exactly like ours (timeouts included), pointed elsewhere."""
    app = Celery("probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    return app


@pytest.fixture
def hanging_redis() -> Iterator[str]:
    """A server that accepts connections and never answers, like a wedged Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for conn in held:
        conn.close()


def closed_port_url() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


def test_a_refused_broker_connection_keeps_the_task_as_pending() -> None:
    sent = send_task_now("engagements.heartbeat", {"hostname": "x"}, app=app_with_broker(closed_port_url()))
    assert sent is False
    pending = PendingTask.objects.get()
    assert (pending.task_name, pending.kwargs) == ("engagements.heartbeat", {"hostname": "x"})
    assert "Error" in pending.error


def test_a_hanging_broker_times_out_and_keeps_the_task_as_pending(hanging_redis: str) -> None:
    # Without socket timeouts this call would never return.
    assert send_task_now("engagements.heartbeat", {}, app=app_with_broker(hanging_redis)) is False
    assert "Timeout" in PendingTask.objects.get().error


def test_pending_tasks_stay_pending_while_the_broker_is_down() -> None:
    PendingTask.objects.create(task_name="engagements.heartbeat", kwargs={}, error="down")
    assert resend_pending(limit=10, app=app_with_broker(closed_port_url())) == 0
    assert PendingTask.objects.get().attempts == 2


def test_without_a_broker_tasks_run_in_process(settings) -> None:
    from config.celery import app
    from engagements.models import WorkerHeartbeat

    assert app.conf.task_always_eager  # tests run tasks in-process unless marked live_worker
    assert send_task_now("engagements.heartbeat", {"hostname": "in-process"}) is True
    assert WorkerHeartbeat.objects.filter(hostname="in-process").exists()


def test_an_admin_save_succeeds_while_the_broker_is_down_and_the_recompute_is_kept(
    operations_client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from engagements import queue
    from engagements.models import ChangedMonth, TimeEntry
    from tests.factories import ContractorFactory

    # A separate app pointed at a closed port: the project app's pools stay untouched.
    monkeypatch.setattr(queue, "current_app", app_with_broker(closed_port_url()))
    from reports.hooks import recompute_deferred

    with recompute_deferred():  # only the admin save below may ask for a recompute
        contractor = ContractorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = operations_client.post(
            "/admin/engagements/timeentry/add/",
            {
                "contractor": contractor.pk,
                "date": "2026-04-01",
                "hours": "8",
                "description": "",
                "source": "",
                "external_id": "",
            },
        )
    assert response.status_code == 302
    assert TimeEntry.objects.filter(contractor=contractor).exists()
    # Nothing is lost: the month is marked in the database and the send is kept for the beat to retry.
    assert ChangedMonth.objects.filter(engagement=contractor.engagement).exists()
    assert PendingTask.objects.filter(task_name="reports.recompute_changed").exists()


def test_with_a_broker_a_countdown_reaches_the_worker_as_the_tasks_delay() -> None:
    sent: list[dict[str, object]] = []

    class Broker:
        conf = type("Conf", (), {"task_always_eager": False, "task_default_queue": "celery"})()

        def send_task(self, name: str, **options: object) -> None:
            sent.append({"name": name, **options})

    assert send_task_now("reports.recompute_changed", {}, app=Broker(), countdown=5) is True
    assert send_task_now("reports.recompute_changed", {}, app=Broker()) is True
    assert [s["countdown"] for s in sent] == [5, None]
