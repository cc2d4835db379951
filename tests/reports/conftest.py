"""Fixtures of the reports tests: the worked example, and workers that can be killed and restarted."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from kernel.months import zone
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


@pytest.fixture
def april_engagements(new_york, settings) -> list[int]:
    """Six engagements with facts in April 2026 (the worked example's two, four small ones), in batches of 2.

    Needs the test's database mark (in-process or transactional); the facts'
    recompute is deferred, so the month's work is left to the test's jobs.
    """
    from billing.services import contractor_rate_create
    from engagements.services.entries import time_entry_create
    from reports.hooks import recompute_deferred
    from tests.factories import ContractorFactory, EngagementFactory

    settings.REPORTS_SNAPSHOT_BATCH = 2
    with recompute_deferred():
        example = build_worked_example()
        ids = [example.augmented.pk, example.msp.pk]
        for n in range(4):
            contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))
            contractor_rate_create(
                contractor=contractor, hourly_rate=Decimal(60 + n), effective_from=dt.date(2026, 1, 1)
            )
            time_entry_create(contractor=contractor, date=dt.date(2026, 4, 8 + n), hours=Decimal("7.25"))
            ids.append(contractor.engagement_id)
    return sorted(ids)


# The demo's "today": its 24 months then run June 2024 to May 2026 and hold the worked example (April 2026).
DEMO_TODAY = dt.datetime(2026, 6, 15, 12, tzinfo=zone("America/New_York"))


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker) -> Iterator[dt.date]:
    """Run seed_demo once for a module (in New York, today pinned) and yield its latest month.

    The rows live in a transaction left open while the module's tests run (each
    test rolls back to a savepoint inside it) and rolled back after the last
    one, so no other module sees them. Module scope, not session scope: only
    the open transaction keeps the rows from the rest of the suite.
    """
    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase, override_settings

    from config.celery import app
    from kernel.months import add_months, current_month

    # Module fixtures are set up before the function-scoped `tasks_in_process`: with a broker configured (CI's
    # PostgreSQL + Redis run) the seed's tasks (the SLA clocks' refresh...) would go to the broker, where no
    # worker can see this open transaction. Run them in-process here too.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(TIME_ZONE="America/New_York"),
            time_machine.travel(DEMO_TODAY),
            transaction.atomic(),
        ):
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", stdout=io.StringIO())
            yield add_months(current_month(), -1)
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager


LIVE_WORKER_REASON = (
    "needs a real broker and a database a second process can open: set CELERY_BROKER_URL "
    "and DATABASE_URL to PostgreSQL (.ci/run does)"
)


class RestartableWorker:
    """A Celery worker on its own queue that a test can SIGKILL (one process or its whole group) and start again.

    Each start is a new session, so the worker and its pool children form a
    process group of their own that `kill_group` can kill without the test.
    """

    def __init__(self, queue: str, env: dict[str, str]) -> None:
        self.queue, self.env = queue, env
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, *, pool: str = "solo", concurrency: int = 1, **extra_env: str) -> None:
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
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            f"--hostname={self.queue}-{self.starts}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**self.env, **extra_env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        _wait_for_worker(app, f"{self.queue}-{self.starts}@", self.proc)

    def log_tail(self, lines: int = 40) -> str:
        """The end of each start's log, for a failing assertion's message (CI keeps no var/)."""
        tails = []
        for start in range(1, self.starts + 1):
            path = ROOT / "var" / f"live-worker-{self.queue}-{start}.log"
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            tails.append(f"--- worker start {start}, last {lines} lines ---\n" + "\n".join(text[-lines:]))
        return "\n".join(tails)

    def kill(self) -> None:
        """Kill the worker at once (SIGKILL: no shutdown, no acknowledgement, an open transaction lost)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def kill_group(self) -> None:
        """Kill the whole worker at once: the main process and every pool child (SIGKILL to the process group)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


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
        _forget_queue(settings.CELERY_BROKER_URL, queue)


def _forget_queue(broker_url: str, queue: str) -> None:
    """Delete what the test's queue left in Redis: its list and the unacknowledged batch a test meant to lose."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        client.delete(queue, *(f"{key}.{queue}" for key in ("unacked", "unacked_index", "unacked_mutex")))
    finally:
        client.close()
