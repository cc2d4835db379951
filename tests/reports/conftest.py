"""Fixtures of the reports tests: the worked example, and workers that can be killed and restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from reports.demo.worked_example import WorkedExample, build_worked_example
from tests.conftest import ROOT, _test_database_url, _wait_for_worker


@pytest.fixture
def new_york(settings):
    """The organisation's zone of the worked example."""
    settings.TIME_ZONE = "America/New_York"
    return settings


@pytest.fixture
def worked_example(db, new_york) -> WorkedExample:
    """domain.md's worked example, recorded through the services."""
    return build_worked_example()


LIVE_WORKER_REASON = (
    "needs a real broker and a database a second process can open: set CELERY_BROKER_URL "
    "and DATABASE_URL to PostgreSQL (.ci/run does)"
)


class RestartableWorker:
    """A Celery worker process on its own queue that a test can SIGKILL and start again."""

    def __init__(self, queue: str, env: dict[str, str]) -> None:
        self.queue, self.env = queue, env
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, **extra_env: str) -> None:
        """Start a worker (its settings from tests.reports.worker_settings) and wait for its ping."""
        from config.celery import app

        self.starts += 1
        log = open(ROOT / "var" / f"live-worker-{self.queue}-{self.starts}.log", "w")  # noqa: SIM115
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            self.queue,
            "--pool=solo",
            f"--hostname={self.queue}-{self.starts}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**self.env, **extra_env}, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_for_worker(app, f"{self.queue}-{self.starts}@", self.proc)

    def kill(self) -> None:
        """Kill the worker at once (SIGKILL: no shutdown, no acknowledgement, an open transaction lost)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def restartable_worker(django_db_setup, django_db_blocker) -> Iterator[RestartableWorker]:
    """A live worker on a queue of its own for this test, which the test may kill and restart."""
    from django.conf import settings
    from django.db import connection

    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_LIVE_WORKER"):
            pytest.fail(f"REQUIRE_LIVE_WORKER is set but the live worker {LIVE_WORKER_REASON}")
        pytest.skip(LIVE_WORKER_REASON)
    from config.celery import app

    queue = f"test-crash-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings",
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    worker = RestartableWorker(queue, env)
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_default_queue = previous
